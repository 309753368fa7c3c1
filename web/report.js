// The assessment report: score and band, confidence, radar, explanations, coaching flags,
// recommendations, and for a returning visitor the trend and what moved the score.

import { radarChart, trendChart } from "./charts.js";
import { h } from "./dom.js";

const narrow = () => window.matchMedia("(max-width: 40rem)").matches;

export const BAND_TEXT = {
  early: ["Early", "The network you will need is not built yet. The actions below are the quickest wins."],
  building: ["Building", "Good foundations. A few steady habits would make you ready before you need to be."],
  ready: ["Ready", "You could start a search today with a network that knows you."],
  strong: ["Strong", "You are a trusted node in your network. Keep the habits going."],
};

const CONFIDENCE_TEXT = {
  low: "Low confidence",
  medium: "Medium confidence",
  high: "High confidence",
};

export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" });
}

/** "+7", "−3" or "±0" for a score movement. */
export function signed(delta, digits = 0) {
  const value = Number(delta) || 0;
  const text = Math.abs(value).toFixed(digits);
  if (Number(text) === 0) return "±0";
  return value > 0 ? `+${text}` : `−${text}`;
}

function movement(delta) {
  if (!delta) return "no change";
  return delta > 0 ? `up ${delta}` : `down ${Math.abs(delta)}`;
}

function humanise(id) {
  const text = String(id).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function bandLabel(band) {
  return (BAND_TEXT[band] || [humanise(band)])[0];
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

function evidenceSentence(evidence, confidence) {
  if (!evidence) return null;
  const parts = [];
  if (evidence.activities_counted) {
    parts.push(
      `${plural(evidence.activities_counted, "activity", "activities")} over ${plural(evidence.months_of_history, "month", "months")} of history`,
      `${evidence.active_months_last_24} active ${evidence.active_months_last_24 === 1 ? "month" : "months"} in the last 24`,
    );
  } else {
    parts.push("your answers only, with no dated activity");
  }
  let text = `Based on ${parts.join(", ")}.`;
  if (evidence.activities_ignored) {
    text += ` ${plural(evidence.activities_ignored, "activity was", "activities were")} dated after the assessment and not counted.`;
  }
  if (confidence !== "high") {
    text += " Adding more months of activity makes the score more reliable.";
  }
  return text;
}

function scoreSummary(assessment) {
  const [bandName, bandMeaning] = BAND_TEXT[assessment.band] || [humanise(assessment.band), ""];
  const previous = assessment.previous;
  return h(
    "div",
    { class: "score-summary" },
    h(
      "div",
      { class: "score-figure" },
      h("span", { class: "score-number", id: "overall-score" }, String(assessment.score)),
      h("span", { class: "score-outof" }, " / 100"),
    ),
    h(
      "div",
      { class: "score-words" },
      h("p", { class: `band band-${assessment.band}`, id: "overall-band" }, bandName),
      h("p", { class: "band-meaning" }, bandMeaning),
      h("p", { class: `confidence confidence-${assessment.confidence}`, id: "overall-confidence" }, CONFIDENCE_TEXT[assessment.confidence] || assessment.confidence),
      h("p", { class: "evidence" }, evidenceSentence(assessment.evidence, assessment.confidence)),
      previous && typeof previous.delta === "number"
        ? h("p", { class: "previous-delta" }, `${movement(previous.delta)} since your previous assessment (${previous.score}).`)
        : null,
    ),
  );
}

function credentialsNotice(assessment) {
  const field = (id, label, value) => {
    const input = h("input", { id, type: "text", readonly: true, value, class: "credential", spellcheck: "false", autocomplete: "off" });
    const copy = h(
      "button",
      {
        type: "button",
        class: "secondary small",
        "aria-label": `Copy ${label.toLowerCase()}`,
        onclick: async (event) => {
          const button = event.currentTarget;
          input.select();
          try {
            await navigator.clipboard.writeText(value);
          } catch {
            document.execCommand("copy");
          }
          button.textContent = "Copied";
          window.setTimeout(() => {
            button.textContent = "Copy";
          }, 2000);
        },
      },
      "Copy",
    );
    return h("div", { class: "credential-row" }, h("label", { for: id }, label), h("div", { class: "credential-control" }, input, copy));
  };
  return h(
    "section",
    { class: "credentials", "aria-labelledby": "credentials-title" },
    h("h3", { id: "credentials-title" }, "Your private key (shown once)"),
    h(
      "p",
      {},
      "This browser now remembers you, so next time you will see your progress. To see your results from another device, keep a copy of these two values somewhere safe. Anyone with the key can read your results.",
    ),
    field("credential-user-id", "User id", assessment.user_id),
    field("credential-token", "Private key", assessment.user_token),
  );
}

function changesSection(changes, dimensionNames, flagTitles) {
  if (!changes) return null;
  const moved = (changes.dimensions || []).filter((d) => d.delta !== 0 || (d.signals || []).some((sig) => sig.delta !== 0));
  const bandChanged = changes.band_before && changes.band_after && changes.band_before !== changes.band_after;
  return h(
    "section",
    { class: "report-block changes", id: "what-moved", "aria-labelledby": "what-moved-title" },
    h("h3", { id: "what-moved-title" }, "What moved my score"),
    changes.summary ? h("p", { class: "changes-summary" }, changes.summary) : null,
    h(
      "p",
      { class: "changes-overall" },
      `Overall: ${changes.before} → ${changes.after} (${signed(changes.delta)})`,
      bandChanged ? `; band ${bandLabel(changes.band_before)} → ${bandLabel(changes.band_after)}` : "",
      ".",
    ),
    moved.length
      ? h(
          "ul",
          { class: "changes-dimensions" },
          moved.map((d) =>
            h(
              "li",
              {},
              h(
                "p",
                { class: "change-dimension" },
                h("strong", {}, d.name || dimensionNames[d.id] || humanise(d.id)),
                `: ${d.before} → ${d.after} `,
                h("span", { class: d.delta > 0 ? "delta up" : d.delta < 0 ? "delta down" : "delta" }, `(${signed(d.delta)})`),
              ),
              (d.signals || []).length
                ? h(
                    "ul",
                    { class: "change-signals" },
                    d.signals.map((sig) =>
                      h("li", {}, `${sig.detail}: ${signed(sig.delta)} points (${sig.before} → ${sig.after})`),
                    ),
                  )
                : null,
            ),
          ),
        )
      : h("p", {}, "No dimension moved."),
    (changes.flags_added || []).length
      ? h("p", {}, "New patterns to watch: ", changes.flags_added.map((id) => flagTitles[id] || humanise(id)).join(", "), ".")
      : null,
    (changes.flags_cleared || []).length
      ? h("p", {}, "Patterns you cleared: ", changes.flags_cleared.map(humanise).join(", "), ". Well done.")
      : null,
  );
}

function dimensionCard(dimension) {
  const bar = h("span", { class: "bar-fill" });
  bar.style.width = `${Math.max(0, Math.min(100, dimension.score))}%`; // CSSOM, allowed under a strict CSP
  const lines = dimension.explanation || [];
  return h(
    "li",
    { class: "dimension", id: `dimension-${dimension.id}` },
    h(
      "h4",
      { class: "dimension-title" },
      h("span", {}, dimension.name),
      h("span", { class: "dimension-score" }, `${dimension.score}`, h("span", { class: "sr-only" }, " out of 100")),
    ),
    h("div", { class: "bar", "aria-hidden": "true" }, bar),
    h(
      "p",
      { class: "dimension-parts" },
      `From your answers: ${dimension.questionnaire_score}. `,
      dimension.behaviour_score === null || dimension.behaviour_score === undefined
        ? "From your activity: no activity recorded yet. "
        : `From your activity: ${dimension.behaviour_score}. `,
      `Weight in the overall score: ${Math.round((dimension.weight || 0) * 100)}%.`,
    ),
    lines.length
      ? h(
          "table",
          { class: "explanation" },
          h("caption", { class: "sr-only" }, `How the ${dimension.name} score of ${dimension.score} adds up`),
          h("thead", { class: "sr-only" }, h("tr", {}, h("th", { scope: "col" }, "Reason"), h("th", { scope: "col" }, "Points"))),
          h(
            "tbody",
            {},
            lines.map((line) =>
              h("tr", { "data-signal": line.signal }, h("td", {}, line.detail), h("td", { class: "points" }, signed(line.points))),
            ),
          ),
        )
      : null,
  );
}

function flagsSection(flags) {
  return h(
    "section",
    { class: "report-block flags", id: "flags", "aria-labelledby": "flags-title" },
    h("h3", { id: "flags-title" }, "Patterns worth your attention"),
    flags.length
      ? h(
          "ul",
          { class: "flag-list" },
          flags.map((flag) =>
            h(
              "li",
              { class: "flag", "data-flag": flag.id },
              h("h4", {}, flag.title),
              flag.advice ? h("p", { class: "advice" }, flag.advice) : null,
              (flag.evidence || []).length
                ? [h("p", { class: "evidence-title" }, "What we noticed:"), h("ul", { class: "flag-evidence" }, flag.evidence.map((item) => h("li", {}, item)))]
                : null,
            ),
          ),
        )
      : h("p", {}, "No patterns to watch right now. Keep giving before you ask."),
  );
}

function recommendationsSection(recommendations, dimensionNames) {
  return h(
    "section",
    { class: "report-block recommendations", id: "recommendations", "aria-labelledby": "recommendations-title" },
    h("h3", { id: "recommendations-title" }, "What would raise your score most"),
    recommendations.length
      ? [
          h("p", { class: "hint" }, "Ranked by the gain the model computes when it simulates each action."),
          h(
            "ol",
            { class: "recommendation-list" },
            recommendations.map((rec) =>
              h(
                "li",
                { class: "recommendation", "data-recommendation": rec.id },
                h("p", { class: "action" }, rec.action),
                h(
                  "p",
                  { class: "gain" },
                  h("span", { class: "gain-figure" }, `${signed(rec.expected_gain, 1)} points`),
                  ` · ${dimensionNames[rec.dimension] || humanise(rec.dimension)}`,
                ),
              ),
            ),
          ),
        ]
      : h("p", {}, "No single action would move your score much: keep doing what you do."),
  );
}

/** The history block: a trend chart and a list of past assessments, each one viewable. */
export function historySection({ items, currentId, onView, onLoadMore, hasMore, idPrefix = "history", title = "Your progress" }) {
  if (!items || !items.length) return null;
  const list = h(
    "ol",
    { class: "history-list", reversed: true },
    items.map((item) =>
      h(
        "li",
        { class: item.assessment_id === currentId ? "current" : null },
        h(
          "button",
          {
            type: "button",
            class: "link-button",
            "aria-current": item.assessment_id === currentId ? "true" : null,
            onclick: () => onView(item.assessment_id),
          },
          `${formatDateTime(item.created_at)}: ${item.score}, ${bandLabel(item.band)}`,
        ),
      ),
    ),
  );
  return h(
    "section",
    { class: "report-block history", id: idPrefix, "aria-labelledby": `${idPrefix}-title` },
    h("h3", { id: `${idPrefix}-title` }, title),
    items.length > 1
      ? h("figure", { class: "chart trend" }, trendChart(items, { highlightId: currentId, compact: narrow() }), h("figcaption", {}, "Overall score after each assessment."))
      : h("p", {}, "Your trend appears after your next assessment."),
    h("details", { class: "history-details" }, h("summary", {}, `All assessments (${items.length}${hasMore ? "+" : ""})`), list,
      hasMore ? h("button", { type: "button", class: "secondary small", onclick: onLoadMore }, "Load older assessments") : null),
  );
}

/**
 * Build the report for an assessment. `context` = {history, onView, onLoadMore, hasMore,
 * onReassess, isLatest, onShowLatest, showCredentials}.
 */
export function renderReport(assessment, context = {}) {
  const dimensions = assessment.dimensions || [];
  const dimensionNames = Object.fromEntries(dimensions.map((d) => [d.id, d.name]));
  const changes = assessment.previous && assessment.previous.changes;
  let previousScores = null;
  if (changes && Array.isArray(changes.dimensions)) {
    const before = Object.fromEntries(changes.dimensions.map((d) => [d.id, d.before]));
    previousScores = dimensions.map((d) => (typeof before[d.id] === "number" ? before[d.id] : null));
    if (previousScores.some((v) => v === null)) previousScores = null;
  }
  const heading = h("h2", { id: "report-title", tabindex: "-1" }, "Your readiness report");
  const meta = h(
    "p",
    { class: "report-meta" },
    `Assessed ${formatDateTime(assessment.created_at || assessment.as_of)}`,
    ` · model ${assessment.model_version}, questionnaire version ${assessment.questionnaire_version}`,
  );
  const notLatest = context.isLatest === false
    ? h("p", { class: "notice" }, "You are looking at an earlier assessment. ",
        h("button", { type: "button", class: "link-button", onclick: context.onShowLatest }, "Show my latest report"))
    : null;
  const radarLegend = previousScores
    ? h("p", { class: "legend" },
        h("span", { class: "legend-item" }, h("span", { class: "swatch current", "aria-hidden": "true" }), " This assessment"),
        h("span", { class: "legend-item" }, h("span", { class: "swatch previous", "aria-hidden": "true" }), " Previous assessment"))
    : null;
  return [
    heading,
    meta,
    notLatest,
    context.showCredentials && assessment.user_token ? credentialsNotice(assessment) : null,
    scoreSummary(assessment),
    changesSection(changes, dimensionNames, Object.fromEntries((assessment.flags || []).map((f) => [f.id, f.title]))),
    context.history
      ? historySection({
          items: context.history,
          currentId: assessment.assessment_id,
          onView: context.onView,
          onLoadMore: context.onLoadMore,
          hasMore: context.hasMore,
        })
      : null,
    h(
      "section",
      { class: "report-block dimensions", id: "dimensions", "aria-labelledby": "dimensions-title" },
      h("h3", { id: "dimensions-title" }, "Your seven dimensions"),
      h("figure", { class: "chart radar" }, radarChart(dimensions, { previous: previousScores, compact: narrow() }), radarLegend,
        h("figcaption", { class: "sr-only" }, "Radar chart of the dimension scores, each from 0 to 100.")),
      h("p", { class: "hint" }, "Each score blends your answers with your recorded activity; the lines below add up to it."),
      h("ul", { class: "dimension-list" }, dimensions.map(dimensionCard)),
    ),
    flagsSection(assessment.flags || []),
    recommendationsSection(assessment.recommendations || [], dimensionNames),
    h(
      "div",
      { class: "report-actions" },
      h("button", { type: "button", id: "reassess", onclick: context.onReassess }, "Update my answers and reassess"),
      h("button", { type: "button", class: "secondary", onclick: () => window.print() }, "Print or save as PDF"),
    ),
  ];
}
