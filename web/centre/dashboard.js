// The counsellor dashboard: the centre's cohort summary as charts, and its consenting students.
//
// The secret key is typed in by the counsellor and kept only in sessionStorage (this tab, until it
// is closed or "Forget the key" is pressed); it goes only to this service's API, in the
// Authorization header. Groups below the centre's k-anonymity threshold arrive as null from the
// API and are drawn as "fewer than k", never as a number.

import { h, replaceChildren, s, announce, focusOn } from "../dom.js";

const meta = document.querySelector('meta[name="readiness-api-base"]');
const API_BASE = (meta && meta.content ? meta.content : "").replace(/\/$/, "");
const KEY_STORAGE = "readiness.centre.secret_key";
const SECRET_KEY = /^sk_c_[0-9a-hjkmnp-tv-z]{26}_[A-Za-z0-9_-]{43}$/;
const DIMENSION_NAMES = {
  reach: "Network built before it is needed",
  continuity: "Keeping in touch",
  generosity: "Giving before asking",
  market: "Market intelligence",
  growth: "Skilling up",
  lifelines: "Relationship rituals",
  visibility: "Trusted connector",
};
const FLAG_NAMES = {
  johnny_come_lately: "Johnny-come-lately",
  taker: "Asks more than gives",
  dormant_network: "Dormant network",
  market_blind: "Market blind",
  say_do_gap: "Say-do gap",
};

const el = {
  form: document.getElementById("key-form"),
  input: document.getElementById("secret-key"),
  keyError: document.getElementById("key-error"),
  dashboard: document.getElementById("dashboard"),
  overview: document.getElementById("overview"),
  charts: document.getElementById("charts"),
  students: document.getElementById("students"),
  sessionBar: document.getElementById("session-bar"),
};

function session() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function savedKey() {
  const store = session();
  return store ? store.getItem(KEY_STORAGE) : null;
}

async function call(path, key) {
  let response;
  try {
    response = await fetch(API_BASE + path, {
      headers: { Accept: "application/json", Authorization: `Bearer ${key}` },
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw Object.assign(new Error("Readiness could not be reached. Try again in a moment."), { status: 0 });
  }
  const payload = await response.json().catch(() => null);
  if (response.ok) return payload;
  const message = response.status === 401 || response.status === 403
    ? "This key was not accepted: it may be mistyped, rotated or revoked."
    : (payload && payload.error && payload.error.message) || `The request failed (HTTP ${response.status}).`;
  throw Object.assign(new Error(message), { status: response.status });
}

// ---------------------------------------------------------------- charts

function barChart({ title, bars, k, max = null }) {
  const rowHeight = 24;
  // room for the longest label (about 6 px a character at this size), then the bars
  const labelWidth = Math.min(200, 10 + 6 * Math.max(...bars.map((b) => String(b.label).length)));
  const width = labelWidth + 230;
  const height = bars.length * rowHeight + 8;
  const top = max || Math.max(1, ...bars.map((b) => (typeof b.value === "number" ? b.value : 0)));
  const described = bars
    .map((b) => `${b.label}: ${b.value === null ? `fewer than ${k} (hidden)` : b.display ?? b.value}`)
    .join("; ");
  return h(
    "figure",
    { "data-chart": title },
    h("figcaption", {}, title),
    s(
      "svg",
      { class: "bar-chart", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title}. ${described}` },
      bars.map((bar, index) => {
        const y = index * rowHeight + 4;
        const hidden = bar.value === null;
        const length = hidden ? 0 : Math.max(0, (bar.value / top) * (width - labelWidth - 60));
        return [
          s("text", { x: 0, y: y + 15 }, bar.label),
          s("rect", { class: hidden ? "bar suppressed" : "bar", x: labelWidth, y, width: hidden ? 24 : length, height: rowHeight - 6 }),
          s("text", { x: labelWidth + (hidden ? 30 : length + 6), y: y + 15 }, hidden ? `< ${k}` : String(bar.display ?? bar.value)),
        ];
      }),
    ),
  );
}

function renderSummary(summary) {
  const k = summary.k_threshold;
  replaceChildren(
    el.overview,
    h("h2", { id: "overview-title" }, "Overview"),
    h(
      "div",
      { class: "overview-grid" },
      h("div", {}, h("p", { class: "big-number", id: "student-count" }, String(summary.students)), h("p", {}, "students")),
      h("div", {}, h("p", { class: "big-number" }, summary.mean_score === null ? "—" : String(summary.mean_score)), h("p", {}, "mean score")),
      h("div", {}, h("p", { class: "big-number" }, String(k)), h("p", {}, "smallest group shown (k)")),
    ),
    summary.suppressed
      ? h("p", { class: "notice", id: "suppressed-notice" }, `Your centre has fewer than ${k} students, so no distribution is shown yet: with so few, a chart could single someone out.`)
      : null,
  );
  const charts = [];
  const trend = summary.monthly_trend.map((point) => ({
    label: point.month,
    value: point.students === null ? null : point.mean_score === null ? 0 : point.mean_score,
    display: point.students === null ? null : point.mean_score === null ? "no one" : `${point.mean_score} (${point.students})`,
  }));
  if (!summary.suppressed) {
    charts.push(
      barChart({
        title: "Latest scores",
        k,
        bars: summary.score_histogram.map((b) => ({ label: `${b.low}–${b.high}`, value: b.students })),
      }),
      barChart({ title: "Bands", k, bars: summary.bands.map((b) => ({ label: b.band, value: b.students })) }),
      barChart({
        title: "Mean of each dimension",
        k,
        max: 100,
        bars: summary.dimensions.map((d) => ({ label: DIMENSION_NAMES[d.id] || d.id, value: d.mean })),
      }),
      barChart({
        title: "Coaching flags",
        k,
        bars: summary.flags.map((f) => ({ label: FLAG_NAMES[f.id] || f.id, value: f.students })),
      }),
    );
  }
  charts.push(barChart({ title: "Mean score by month (students)", k, max: 100, bars: trend }));
  replaceChildren(el.charts, charts);
}

function studentsTable(page, { append }) {
  const rows = page.items.map((student) =>
    h(
      "tr",
      {},
      h("td", {}, h("code", {}, student.user_id)),
      h("td", {}, String(student.score)),
      h("td", {}, student.band),
      h("td", {}, new Date(student.assessed_at).toLocaleDateString()),
    ),
  );
  let body = el.students.querySelector("tbody");
  if (!append || !body) {
    body = h("tbody", {});
    replaceChildren(
      el.students,
      h("h2", { id: "students-title" }, "Students who share their results"),
      page.items.length
        ? h("table", { class: "students" }, h("thead", {}, h("tr", {}, h("th", {}, "Student"), h("th", {}, "Score"), h("th", {}, "Band"), h("th", {}, "Assessed"))), body)
        : h("p", { class: "suppressed-note" }, "No student has chosen to share individual results yet."),
    );
  }
  body.append(...rows);
  const more = el.students.querySelector("#more-students");
  if (more) more.remove();
  if (page.next_cursor) {
    el.students.append(
      h("button", { type: "button", class: "secondary", id: "more-students", onclick: () => loadStudents(page.next_cursor) }, "Show more students"),
    );
  }
}

async function loadStudents(cursor = null) {
  const key = savedKey();
  if (!key) return;
  const query = new URLSearchParams({ limit: "50" });
  if (cursor) query.set("cursor", cursor);
  const page = await call(`/v1/centres/me/students?${query}`, key);
  studentsTable(page, { append: Boolean(cursor) });
}

// ---------------------------------------------------------------- session

function renderSessionBar() {
  if (!savedKey()) {
    el.sessionBar.replaceChildren();
    return;
  }
  replaceChildren(
    el.sessionBar,
    h("span", { class: "identity-text" }, "Signed in for this tab."),
    h("button", { type: "button", class: "secondary small", id: "forget-key", onclick: forgetKey }, "Forget the key"),
  );
}

function forgetKey() {
  const store = session();
  if (store) store.removeItem(KEY_STORAGE);
  el.dashboard.hidden = true;
  el.overview.replaceChildren();
  el.charts.replaceChildren();
  el.students.replaceChildren();
  el.form.hidden = false;
  el.input.value = "";
  renderSessionBar();
  focusOn(el.input);
  announce("The key is forgotten.");
}

async function show() {
  const key = savedKey();
  if (!key) return;
  try {
    const summary = await call("/v1/centres/me/summary", key);
    renderSummary(summary);
    await loadStudents();
    el.form.hidden = true;
    el.dashboard.hidden = false;
    document.body.dataset.ready = "true";
    renderSessionBar();
    announce(`Dashboard loaded: ${summary.students} students.`);
  } catch (error) {
    if (error.status === 401 || error.status === 403) {
      const store = session();
      if (store) store.removeItem(KEY_STORAGE);
    }
    el.form.hidden = false;
    el.keyError.textContent = error.message;
    el.keyError.hidden = false;
    el.input.setAttribute("aria-invalid", "true");
    renderSessionBar();
  }
}

el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = el.input.value.trim();
  el.keyError.hidden = true;
  el.input.removeAttribute("aria-invalid");
  if (!SECRET_KEY.test(key)) {
    el.keyError.textContent = key.startsWith("pk_")
      ? "That is the publishable key; the dashboard needs the secret key (sk_…)."
      : "Paste the whole secret key: it starts with sk_c_.";
    el.keyError.hidden = false;
    el.input.setAttribute("aria-invalid", "true");
    el.input.focus();
    return;
  }
  const store = session();
  if (!store) {
    el.keyError.textContent = "This browser does not allow session storage, which this page needs to hold the key.";
    el.keyError.hidden = false;
    return;
  }
  store.setItem(KEY_STORAGE, key);
  el.input.value = "";
  show();
});

renderSessionBar();
show();
