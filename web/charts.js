// Inline SVG charts for the report: a radar of the dimensions and a trend of past scores.

import { s } from "./dom.js";

let chartCounter = 0;
const nextId = (prefix) => {
  chartCounter += 1;
  return `${prefix}-${chartCounter}`;
};

/** Split a label into lines of at most `width` characters, on spaces. */
function wrap(text, width) {
  const lines = [];
  let line = "";
  for (const word of String(text).split(/\s+/)) {
    if (line && (line + " " + word).length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function polygonPoints(values, radius) {
  const n = values.length;
  return values
    .map((value, i) => {
      const angle = -Math.PI / 2 + (i * 2 * Math.PI) / n;
      const r = (Math.max(0, Math.min(100, value)) / 100) * radius;
      return `${(r * Math.cos(angle)).toFixed(1)},${(r * Math.sin(angle)).toFixed(1)}`;
    })
    .join(" ");
}

/**
 * Radar chart of dimension scores (0-100). `dimensions` = [{name, score}], optional `previous`
 * = [score] in the same order, drawn dashed for comparison.
 */
export function radarChart(dimensions, { previous = null, title = "Your readiness by dimension", compact = false } = {}) {
  // On a narrow screen the chart is drawn smaller inside its box, so that labels stay legible.
  const radius = compact ? 78 : 100;
  const wrapAt = compact ? 12 : 16;
  const lineHeight = compact ? 17 : 15;
  const n = dimensions.length;
  const titleId = nextId("radar-title");
  const descId = nextId("radar-desc");
  const description = dimensions.map((d, i) => {
    const before = previous && previous[i] !== undefined && previous[i] !== null ? ` (was ${previous[i]})` : "";
    return `${d.name}: ${d.score} of 100${before}`;
  }).join("; ");
  const grid = [25, 50, 75, 100].map((level) =>
    s("polygon", { class: "radar-grid", points: polygonPoints(Array(n).fill(level), radius) }),
  );
  const axes = dimensions.map((_, i) => {
    const angle = -Math.PI / 2 + (i * 2 * Math.PI) / n;
    return s("line", { class: "radar-axis", x1: 0, y1: 0, x2: (radius * Math.cos(angle)).toFixed(1), y2: (radius * Math.sin(angle)).toFixed(1) });
  });
  const levelLabels = [50, 100].map((level) =>
    s("text", { class: "radar-level", x: 3, y: (-(level / 100) * radius + 10).toFixed(1) }, String(level)),
  );
  const labels = dimensions.map((d, i) => {
    const angle = -Math.PI / 2 + (i * 2 * Math.PI) / n;
    const x = (radius + 16) * Math.cos(angle);
    const y = (radius + 16) * Math.sin(angle);
    const anchor = Math.abs(x) < 8 ? "middle" : x > 0 ? "start" : "end";
    const lines = wrap(d.name, wrapAt);
    const total = lines.length + 1;
    // Labels above the centre grow upwards, the others downwards, so none covers the chart.
    const firstY = y < -8 ? y - (total - 1) * lineHeight : Math.abs(y) <= 8 ? y - ((total - 1) * lineHeight) / 2 + 4 : y + lineHeight - 2;
    return s(
      "text",
      { class: "radar-label", x: x.toFixed(1), y: firstY.toFixed(1), "text-anchor": anchor },
      lines.map((line, index) => s("tspan", { x: x.toFixed(1), dy: index === 0 ? 0 : lineHeight }, line)),
      s("tspan", { x: x.toFixed(1), dy: lineHeight, class: "radar-score" }, String(d.score)),
    );
  });
  const shapes = [];
  if (previous && previous.length === n && previous.every((v) => typeof v === "number")) {
    shapes.push(s("polygon", { class: "radar-previous", points: polygonPoints(previous, radius) }));
  }
  shapes.push(s("polygon", { class: "radar-current", points: polygonPoints(dimensions.map((d) => d.score), radius) }));
  const dots = dimensions.map((d, i) => {
    const angle = -Math.PI / 2 + (i * 2 * Math.PI) / n;
    const r = (Math.max(0, Math.min(100, d.score)) / 100) * radius;
    return s("circle", { class: "radar-dot", cx: (r * Math.cos(angle)).toFixed(1), cy: (r * Math.sin(angle)).toFixed(1), r: 3.5 });
  });
  return s(
    "svg",
    {
      class: compact ? "radar-chart compact" : "radar-chart",
      viewBox: compact ? "-200 -168 400 336" : "-240 -178 480 360",
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      "data-chart": "radar",
    },
    s("title", { id: titleId }, title),
    s("desc", { id: descId }, description),
    grid,
    axes,
    levelLabels,
    shapes,
    dots,
    labels,
  );
}

const shortDateTime = (iso) => new Date(iso).toLocaleString(undefined, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const shortDate = (iso) => new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "2-digit" });

/** Trend of overall scores; `points` = [{created_at, score, assessment_id}] in any order. */
export function trendChart(points, { title = "Your score over time", highlightId = null, compact = false } = {}) {
  const sorted = [...points].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  const width = compact ? 340 : 600;
  const height = compact ? 220 : 240;
  const margin = { left: 40, right: 24, top: 24, bottom: 40 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const times = sorted.map((p) => Date.parse(p.created_at));
  const span = times.length > 1 ? times[times.length - 1] - times[0] : 0;
  // Assessments a day or more apart sit on a time axis; a burst of them (same day) is spaced evenly.
  const byTime = span >= 24 * 3600 * 1000;
  const xOf = (index) => {
    if (sorted.length === 1) return margin.left + plotW / 2;
    const share = byTime ? (times[index] - times[0]) / span : index / (sorted.length - 1);
    return margin.left + share * plotW;
  };
  const yOf = (score) => margin.top + plotH - (Math.max(0, Math.min(100, score)) / 100) * plotH;
  const titleId = nextId("trend-title");
  const descId = nextId("trend-desc");
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const description =
    sorted.length === 1
      ? `One assessment so far: ${last.score} of 100 on ${shortDate(last.created_at)}.`
      : `${sorted.length} assessments from ${shortDate(first.created_at)} to ${shortDate(last.created_at)}; the score went from ${first.score} to ${last.score}.`;
  const gridLines = [0, 25, 50, 75, 100].map((level) => [
    s("line", { class: "trend-grid", x1: margin.left, x2: width - margin.right, y1: yOf(level), y2: yOf(level) }),
    s("text", { class: "trend-axis-label", x: margin.left - 8, y: yOf(level) + 4, "text-anchor": "end" }, String(level)),
  ]);
  const path = sorted.map((p, i) => `${i === 0 ? "M" : "L"}${xOf(i).toFixed(1)},${yOf(p.score).toFixed(1)}`).join(" ");
  const labelEvery = Math.max(1, Math.ceil(sorted.length / (compact ? 3 : 6)));
  const xLabels = sorted.map((p, i) => {
    if (i % labelEvery !== 0 && i !== sorted.length - 1) return null;
    if (i !== sorted.length - 1 && sorted.length - 1 - i < labelEvery) return null; // keep the last label clear
    const anchor = sorted.length === 1 ? "middle" : i === 0 ? "start" : i === sorted.length - 1 ? "end" : "middle";
    const label = byTime ? shortDate(p.created_at) : shortDateTime(p.created_at);
    return s("text", { class: "trend-axis-label", x: xOf(i), y: height - margin.bottom + 20, "text-anchor": anchor }, label);
  });
  const showValues = sorted.length <= (compact ? 6 : 12);
  const dots = sorted.map((p, i) => [
    s("circle", {
      class: p.assessment_id === highlightId ? "trend-dot current" : "trend-dot",
      cx: xOf(i).toFixed(1),
      cy: yOf(p.score).toFixed(1),
      r: p.assessment_id === highlightId ? 6 : 4,
    }),
    showValues || i === sorted.length - 1
      ? s("text", { class: "trend-value", x: xOf(i).toFixed(1), y: (yOf(p.score) - 10).toFixed(1), "text-anchor": "middle" }, String(p.score))
      : null,
  ]);
  return s(
    "svg",
    { class: "trend-chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${titleId} ${descId}`, "data-chart": "trend" },
    s("title", { id: titleId }, title),
    s("desc", { id: descId }, description),
    gridLines,
    sorted.length > 1 ? s("path", { class: "trend-line", d: path }) : null,
    dots,
    xLabels,
  );
}
