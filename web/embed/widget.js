// The readiness check inside a career centre's page (loaded by /embed.js in an iframe).
//
// It waits for the host page's "readiness:init" message and takes the host's origin from the
// browser (event.origin), then speaks only to that origin. Submissions carry the centre's
// publishable key and that origin (X-Readiness-Host); the API accepts them only when the origin
// is one of the centre's. The student's token stays in this frame (the host page never sees it),
// and the host learns the score only if the student ticks "share".

import { ApiError, newIdempotencyKey } from "../api.js";
import { announce, focusOn, h, replaceChildren } from "../dom.js";
import { clearFieldErrors, hideErrorSummary, renderErrorSummary, showFieldErrors } from "../errors.js";
import { collectAnswers, renderQuestionnaire } from "../questionnaire.js";
import { BAND_TEXT, renderReport } from "../report.js";
import { loadIdentity, saveIdentity } from "../storage.js";

const meta = document.querySelector('meta[name="readiness-api-base"]');
const API_BASE = (meta && meta.content ? meta.content : "").replace(/\/$/, "");
// The API serves this page for one centre, framed only by that centre's origins: it speaks for no other.
const CENTRE_ID = document.querySelector('meta[name="readiness-centre"]')?.content || null;
const COLOUR = /^#[0-9a-fA-F]{6}$/;

const el = {
  header: document.getElementById("centre-header"),
  loadState: document.getElementById("load-state"),
  form: document.getElementById("assessment-form"),
  formMeta: document.getElementById("form-meta"),
  questions: document.getElementById("questions"),
  share: document.getElementById("share-results"),
  summary: document.getElementById("error-summary"),
  submit: document.getElementById("submit"),
  report: document.getElementById("report"),
};

const state = { host: null, doc: null, identity: loadIdentity(), attempt: null, busy: false };

// ---------------------------------------------------------------- talking to the host page

function post(type, detail = {}) {
  if (!state.host) return;
  window.parent.postMessage({ type, ...detail }, state.host.origin);
}

function sanitiseCentre(centre) {
  const value = centre && typeof centre === "object" ? centre : {};
  const logo = typeof value.logo_url === "string" && value.logo_url.startsWith("https://") ? value.logo_url : null;
  return {
    centre_id: typeof value.centre_id === "string" ? value.centre_id : null,
    display_name: typeof value.display_name === "string" && value.display_name ? value.display_name.slice(0, 120) : "your career centre",
    accent_colour: typeof value.accent_colour === "string" && COLOUR.test(value.accent_colour) ? value.accent_colour : null,
    logo_url: logo,
  };
}

window.addEventListener("message", (event) => {
  if (window.parent === window || event.source !== window.parent) return;
  const data = event.data;
  if (!data || typeof data !== "object" || data.type !== "readiness:init") return;
  if (state.host) return; // the first host is the host: a later message cannot re-target this frame
  // Where the browser tells us who the parent is (Chromium, Safari), it must agree.
  const ancestors = window.location.ancestorOrigins;
  if (ancestors && ancestors.length && ancestors[0] !== event.origin) return;
  if (typeof data.key !== "string" || !/^pk_[A-Za-z0-9_-]+$/.test(data.key)) return;
  const centre = sanitiseCentre(data.centre);
  if (!CENTRE_ID || centre.centre_id !== CENTRE_ID) return;
  state.host = { origin: event.origin, key: data.key, centre };
  start();
});

new ResizeObserver(() => {
  post("readiness:resize", { height: Math.ceil(document.documentElement.scrollHeight) });
}).observe(document.body);

// ---------------------------------------------------------------- the API, with the centre's key

async function call(method, path, { body, token, headers = {} } = {}) {
  const all = { Accept: "application/json", ...headers };
  if (body !== undefined) all["Content-Type"] = "application/json";
  if (token) all.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(API_BASE + path, { method, headers: all, body, cache: "no-store", credentials: "omit" });
  } catch {
    throw new ApiError(0, "network", "We could not reach Readiness. Check your connection and try again.");
  }
  const text = await response.text();
  let payload = null;
  try {
    payload = text ? JSON.parse(text) : null;
  } catch {
    payload = null;
  }
  if (response.ok) return payload;
  const error = payload && payload.error ? payload.error : {};
  const message = response.status === 403
    ? "This page is not allowed to offer the readiness check (its key or address is not registered)."
    : error.message || `The request failed (HTTP ${response.status}).`;
  throw new ApiError(response.status, error.code || `http_${response.status}`, message, error.details || []);
}

const centreHeaders = () => ({ "X-Readiness-Key": state.host.key, "X-Readiness-Host": state.host.origin });

// ---------------------------------------------------------------- start

function applyBranding(centre) {
  if (centre.accent_colour) {
    document.documentElement.style.setProperty("--primary", centre.accent_colour);
    document.documentElement.style.setProperty("--primary-dark", centre.accent_colour);
    document.documentElement.style.setProperty("--focus", centre.accent_colour);
  }
  for (const span of document.querySelectorAll(".centre-name")) span.textContent = centre.display_name;
  replaceChildren(
    el.header,
    centre.logo_url ? h("img", { src: centre.logo_url, alt: "" }) : null,
    h("p", { class: "centre-title" }, `Offered by ${centre.display_name}`),
  );
  el.header.hidden = false;
  document.title = `Readiness check · ${centre.display_name}`;
}

async function start() {
  applyBranding(state.host.centre);
  try {
    state.doc = await call("GET", "/v1/questionnaire");
    const count = renderQuestionnaire(state.doc, el.questions);
    el.formMeta.textContent = `${count} questions, a few minutes. Every question needs an answer unless it is marked optional.`;
    await loadConsent();
    el.loadState.hidden = true;
    el.form.hidden = false;
    document.body.dataset.ready = "true";
    post("readiness:ready");
  } catch (error) {
    replaceChildren(el.loadState, h("div", { class: "error-summary", role: "alert" }, h("p", {}, error.message)));
  }
}

async function loadConsent() {
  const centreId = state.host.centre.centre_id;
  if (!state.identity || !centreId) return;
  try {
    const consent = await call("GET", consentPath(centreId), { token: state.identity.token });
    el.share.checked = consent.share_results === true;
  } catch {
    el.share.checked = false; // not a student of this centre yet, or the saved key is stale: default no
  }
}

const consentPath = (centreId) =>
  `/v1/users/${encodeURIComponent(state.identity.userId)}/consents/${encodeURIComponent(centreId)}`;

// ---------------------------------------------------------------- submitting

function setBusy(busy) {
  state.busy = busy;
  el.submit.setAttribute("aria-disabled", busy ? "true" : "false");
  el.submit.textContent = busy ? "Working out your score…" : "See my readiness report";
}

el.form.addEventListener("input", () => {
  state.attempt = null;
});

el.form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (state.busy || !state.doc) return;
  clearFieldErrors();
  hideErrorSummary(el.summary);
  const { answers, errors } = collectAnswers(state.doc, el.form);
  if (errors.length) {
    const items = showFieldErrors(errors);
    renderErrorSummary(el.summary, items.length === 1 ? "There is a problem to fix" : `There are ${items.length} problems to fix`, items);
    return;
  }
  if (!state.attempt) {
    state.attempt = { key: newIdempotencyKey(), body: JSON.stringify({ questionnaire_version: state.doc.version, answers, activities: [] }) };
  }
  setBusy(true);
  try {
    await submit(state.attempt, el.share.checked);
    state.attempt = null;
  } catch (error) {
    const message = error instanceof ApiError ? error.message : "Something went wrong. Please try again.";
    const items = showFieldErrors((error.details || []).map((d) => ({ key: d.field, message: d.message })));
    renderErrorSummary(el.summary, "Your answers were not sent", items, [h("p", {}, message)]);
  } finally {
    setBusy(false);
  }
});

async function submit(attempt, share) {
  const token = state.identity ? state.identity.token : null;
  let assessment;
  try {
    assessment = await call("POST", "/v1/assessments", {
      body: attempt.body,
      token,
      headers: { ...centreHeaders(), "Idempotency-Key": attempt.key },
    });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403 || !token) throw error;
    // a stale saved key: start again as a new visitor (the server no longer knows this browser)
    state.identity = null;
    assessment = await call("POST", "/v1/assessments", {
      body: attempt.body,
      headers: { ...centreHeaders(), "Idempotency-Key": newIdempotencyKey() },
    });
  }
  if (assessment.user_token) {
    state.identity = { userId: assessment.user_id, token: assessment.user_token };
    saveIdentity(assessment.user_id, assessment.user_token);
  }
  let shared = false;
  const centreId = state.host.centre.centre_id;
  if (centreId) {
    try {
      const consent = await call("PUT", consentPath(centreId), {
        token: state.identity.token,
        body: JSON.stringify({ share_results: share }),
      });
      shared = consent.share_results === true;
    } catch {
      shared = false; // the choice was not stored: the centre sees nothing individual
    }
  }
  showReport(assessment, shared);
  post("readiness:completed", shared
    ? { assessment_id: assessment.assessment_id, shared: true, score: assessment.score, band: assessment.band }
    : { assessment_id: assessment.assessment_id, shared: false });
}

function showReport(assessment, shared) {
  const name = state.host.centre.display_name;
  const note = h(
    "p",
    { class: "notice shared-note" },
    shared
      ? `${name} can see this result (score, band and date). You can change that by answering again with the box unticked.`
      : `${name} cannot see your individual result.`,
  );
  replaceChildren(el.report, renderReport(assessment, { isLatest: true, onReassess: reassess }), note);
  el.form.hidden = true;
  el.report.hidden = false;
  focusOn(document.getElementById("report-title"));
  const band = (BAND_TEXT[assessment.band] || [assessment.band])[0];
  announce(`Your report is ready: ${assessment.score} out of 100, ${band}.`);
}

function reassess() {
  el.report.hidden = true;
  el.form.hidden = false;
  focusOn(document.getElementById("form-title"));
}
