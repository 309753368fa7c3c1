// The job seeker's web form: loads the questionnaire from the API, collects answers and activity,
// submits them and shows the report; a returning visitor also sees their trend.

import { ActivityForm } from "./activity.js";
import { renderLinkedInImport } from "./linkedin.js";
import { ApiError, getAssessment, getQuestionnaire, listAssessments, newIdempotencyKey, submitAssessment } from "./api.js";
import { announce, focusOn, h, replaceChildren } from "./dom.js";
import { describeErased, YourData } from "./privacy.js";
import { clearFieldErrors, hideErrorSummary, renderErrorSummary, showFieldErrors, unregisterFields } from "./errors.js";
import { collectAnswers, readRawAnswers, renderQuestionnaire, restoreRawAnswers } from "./questionnaire.js";
import { BAND_TEXT, formatDate, historySection, renderReport } from "./report.js";
import { clearDraft, forgetIdentity, loadDraft, loadIdentity, saveDraft, saveIdentity, storageAvailable } from "./storage.js";

const HISTORY_PAGE = 50;

const el = {
  introText: document.getElementById("intro-text"),
  loadState: document.getElementById("load-state"),
  returning: document.getElementById("returning"),
  form: document.getElementById("assessment-form"),
  formTitle: document.getElementById("form-title"),
  formMeta: document.getElementById("form-meta"),
  questions: document.getElementById("questions"),
  activityDetails: document.getElementById("activity-details"),
  activity: document.getElementById("activity"),
  linkedin: document.getElementById("linkedin"),
  summary: document.getElementById("error-summary"),
  submit: document.getElementById("submit"),
  report: document.getElementById("report"),
  identityBar: document.getElementById("identity-bar"),
  forgetDialog: document.getElementById("forget-dialog"),
  forgetConfirm: document.getElementById("forget-confirm"),
  forgetCancel: document.getElementById("forget-cancel"),
  yourData: document.getElementById("your-data"),
  eraseDialog: document.getElementById("erase-dialog"),
  pageTitle: document.getElementById("page-title"),
};

const state = {
  doc: null,
  identity: loadIdentity(),
  activityForm: null,
  attempt: null, // {key, body, sources}: the submit attempt a retry sends again unchanged
  busy: false,
  history: null, // {items, nextCursor}
  latest: null, // the newest assessment body this page has seen
  shown: null, // the assessment on screen
  freshCredentials: false,
};

// ---------------------------------------------------------------- identity bar, "your data" and "forget me"

const yourData = new YourData({
  section: el.yourData,
  dialog: el.eraseDialog,
  onForget: () => openForgetDialog(),
  onErased: (receipt) => erased(receipt),
});

function renderIdentityBar() {
  renderLinkedInImport(el.linkedin, state.identity); // the import needs the user's key
  yourData.render(state.identity);
  if (!state.identity) {
    el.identityBar.replaceChildren();
    return;
  }
  replaceChildren(
    el.identityBar,
    h("span", { class: "identity-text" }, "This browser keeps your key to your results."),
    h("button", { type: "button", class: "secondary small", id: "your-data-button", onclick: () => yourData.focus() }, "Your data"),
  );
}

function openForgetDialog() {
  if (typeof el.forgetDialog.showModal === "function") {
    el.forgetDialog.showModal();
    el.forgetCancel.focus();
  } else if (window.confirm("Forget your key and answers on this browser? Nothing is deleted from the server.")) {
    forgetMe();
  }
}

/** Everything this browser keeps about the visitor goes, and the page starts afresh. */
function clearThisBrowser() {
  forgetIdentity();
  clearDraft();
  state.identity = null;
  state.history = null;
  state.latest = null;
  state.shown = null;
  state.attempt = null;
  el.report.replaceChildren();
  el.returning.replaceChildren();
  el.returning.hidden = true;
  renderIdentityBar();
  if (state.doc) {
    el.form.reset();
    buildForm(state.doc, null);
  }
  showView("form", { push: false });
}

function forgetMe() {
  clearThisBrowser();
  focusOn(el.pageTitle);
  announce("Forgotten on this browser: it no longer keeps your key or your answers. Nothing was deleted from the server.");
}

/** The server erased everything (the receipt counts what); this browser forgets exactly as forget-me does. */
function erased(receipt) {
  clearThisBrowser();
  const what = describeErased(receipt && receipt.erased);
  const message = what
    ? `Erased from the server: ${what}. This browser has forgotten you too.`
    : "The server had nothing left to erase. This browser has forgotten you too.";
  replaceChildren(el.returning, h("p", { class: "notice", id: "erase-receipt" }, message));
  el.returning.hidden = false;
  focusOn(el.pageTitle);
  announce(message);
}

el.forgetConfirm.addEventListener("click", () => {
  el.forgetDialog.close();
  forgetMe();
});
el.forgetCancel.addEventListener("click", () => {
  el.forgetDialog.close();
  const button = document.getElementById("forget-me");
  if (button) button.focus();
});

// ---------------------------------------------------------------- views

function showView(view, { push = true } = {}) {
  const report = view === "report";
  el.report.hidden = !report;
  el.form.hidden = report || !state.doc;
  el.introText.hidden = report; // the page's h1 stays, above the report
  el.returning.hidden = report || !el.returning.childElementCount;
  if (push && report && !(history.state && history.state.view === "report")) {
    history.pushState({ view: "report" }, "", "#report");
  } else if (push && !report && history.state && history.state.view === "report") {
    history.pushState({ view: "form" }, "", "#form");
  }
}

window.addEventListener("popstate", (event) => {
  if (event.state && event.state.view === "report" && state.shown) {
    showView("report", { push: false });
    focusOn(document.getElementById("report-title"));
  } else {
    showView("form", { push: false });
  }
});

// ---------------------------------------------------------------- questionnaire and form

function saveDraftSoon() {
  window.clearTimeout(saveDraftSoon.timer);
  saveDraftSoon.timer = window.setTimeout(() => {
    if (!state.doc || !state.activityForm) return;
    saveDraft({ version: state.doc.version, answers: readRawAnswers(state.doc, el.form), activity: state.activityForm.readRaw() });
  }, 300);
}

function formChanged() {
  state.attempt = null; // the form changed: the next submit is a new attempt with a new key
  saveDraftSoon();
}

function buildForm(doc, draft) {
  unregisterFields(""); // a rebuilt form (after "forget me") registers its fields afresh
  const questionCount = renderQuestionnaire(doc, el.questions);
  el.formTitle.textContent = doc.title || "Readiness questionnaire";
  const minutes = doc.estimated_minutes ? `About ${doc.estimated_minutes} minutes, ` : "";
  el.formMeta.textContent = `${minutes}${questionCount} questions. Every question needs an answer unless it is marked optional.`;
  state.activityForm = new ActivityForm(el.activity, { onChange: formChanged });
  if (draft && draft.version === doc.version) {
    restoreRawAnswers(doc, el.form, draft.answers);
    state.activityForm.restoreRaw(draft.activity);
    if (draft.activity && (Object.keys(draft.activity.monthly || {}).length || (draft.activity.entries || []).length)) {
      el.activityDetails.open = true;
    }
  }
}

async function loadQuestionnaire() {
  replaceChildren(el.loadState, h("p", {}, "Loading the questionnaire…"));
  el.loadState.hidden = false;
  try {
    const doc = await getQuestionnaire();
    if (!doc || !Array.isArray(doc.sections)) throw new ApiError(500, "bad_document", "The questionnaire could not be read.");
    state.doc = doc;
    buildForm(doc, loadDraft());
    el.loadState.hidden = true;
    el.loadState.replaceChildren();
    el.form.hidden = false;
    document.body.dataset.ready = "true";
  } catch (error) {
    const retry = h("button", { type: "button", onclick: loadQuestionnaire }, "Try again");
    replaceChildren(
      el.loadState,
      h("div", { class: "error-summary", role: "alert" }, h("h2", {}, "The questionnaire did not load"), h("p", {}, error.message), retry),
    );
    retry.focus();
  }
}

el.form.addEventListener("input", formChanged);
el.form.addEventListener("change", formChanged);

// ---------------------------------------------------------------- submitting

function problemTitle(count) {
  return count === 1 ? "There is a problem to fix" : `There are ${count} problems to fix`;
}

function setBusy(busy) {
  state.busy = busy;
  el.submit.setAttribute("aria-disabled", busy ? "true" : "false");
  el.form.setAttribute("aria-busy", busy ? "true" : "false");
  el.submit.textContent = busy ? "Working out your score…" : "See my readiness report";
}

el.form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (state.busy || !state.doc) return;
  clearFieldErrors();
  hideErrorSummary(el.summary);
  const { answers, errors: answerErrors } = collectAnswers(state.doc, el.form);
  const { events, sources, errors: activityErrors } = state.activityForm.collect();
  const errors = [...answerErrors, ...activityErrors];
  if (errors.length) {
    const items = showFieldErrors(errors);
    renderErrorSummary(el.summary, problemTitle(items.length), items);
    announce(problemTitle(items.length));
    return;
  }
  if (!state.attempt) {
    state.attempt = {
      key: newIdempotencyKey(),
      body: JSON.stringify({ questionnaire_version: state.doc.version, answers, activities: events }),
      sources,
    };
  }
  send(state.attempt);
});

async function send(attempt) {
  setBusy(true);
  clearFieldErrors();
  hideErrorSummary(el.summary);
  announce("Sending your answers…");
  const token = state.identity ? state.identity.token : null;
  try {
    const assessment = await submitAssessment(attempt, token, {
      onRetry: (_error, seconds) => announce(`The server is busy; trying again in ${Math.ceil(seconds)} seconds.`),
    });
    state.attempt = null;
    await showNewAssessment(assessment);
  } catch (error) {
    showSubmitError(error, attempt);
  } finally {
    setBusy(false);
  }
}

function serverFieldKey(field, sources) {
  if (typeof field !== "string") return null;
  if (field.startsWith("answers.")) return field.split(".").slice(0, 2).join(".");
  if (field === "activities" || field.startsWith("activities.")) return ActivityForm.fieldFor(field, sources);
  return null;
}

function showSubmitError(error, attempt) {
  if (!(error instanceof ApiError)) error = new ApiError(0, "client", "Something went wrong in this page. Please try again.");
  const extra = [];
  if (error.retryable || error.status >= 500) {
    // Keep the attempt: "Try again" (or submitting the unchanged form) resends it with the same key,
    // so the server records it at most once even if the first send did reach it.
    extra.push(h("p", {}, error.message));
    extra.push(h("button", { type: "button", id: "retry-submit", onclick: () => send(attempt) }, "Try again"));
    renderErrorSummary(el.summary, "Your answers were not sent yet", [], extra);
    announce("Your answers were not sent yet.");
    return;
  }
  state.attempt = null;
  // 401/403: the API's authorizer no longer accepts the saved key (the data may have been reset)
  if ((error.status === 401 || error.status === 403) && state.identity) {
    extra.push(h("p", {}, "This browser's saved key is no longer recognised (the data may have been reset)."));
    extra.push(
      h(
        "button",
        {
          type: "button",
          onclick: () => {
            forgetIdentity();
            state.identity = null;
            state.history = null;
            el.returning.replaceChildren();
            renderIdentityBar();
            el.form.requestSubmit();
          },
        },
        "Forget the old key and submit as a new visitor",
      ),
    );
    renderErrorSummary(el.summary, "We could not recognise you", [], extra);
    return;
  }
  const details = error.details.length ? error.details : [{ field: null, message: error.message }];
  const mapped = details.map((detail) => ({
    key: serverFieldKey(detail.field, attempt.sources) || `server:${detail.field || ""}`,
    message: detail.field && !serverFieldKey(detail.field, attempt.sources) ? `${detail.field}: ${detail.message}` : detail.message,
  }));
  const items = showFieldErrors(mapped);
  if (error.details.length && error.message) extra.push(h("p", { class: "server-message" }, error.message));
  renderErrorSummary(el.summary, problemTitle(items.length), items, extra);
  announce(problemTitle(items.length));
}

// ---------------------------------------------------------------- report and history

async function loadHistory({ more = false } = {}) {
  if (!state.identity) return null;
  const cursor = more && state.history ? state.history.nextCursor : null;
  const page = await listAssessments(state.identity.userId, state.identity.token, { limit: HISTORY_PAGE, cursor });
  const items = Array.isArray(page.items) ? page.items : [];
  state.history = {
    items: more && state.history ? [...state.history.items, ...items] : items,
    nextCursor: page.next_cursor || null,
  };
  return state.history;
}

function isLatest(assessment) {
  const items = state.history ? state.history.items : [];
  const latestId = state.latest ? state.latest.assessment_id : items.length ? items[0].assessment_id : null;
  return !latestId || assessment.assessment_id === latestId;
}

function reportContext(assessment) {
  const items = state.history ? state.history.items : null;
  return {
    history: items,
    hasMore: Boolean(state.history && state.history.nextCursor),
    isLatest: isLatest(assessment),
    showCredentials: state.freshCredentials && assessment.user_token,
    onView: viewAssessment,
    onLoadMore: async () => {
      await loadHistory({ more: true });
      displayReport(state.shown, { focus: false });
    },
    onShowLatest: () => (state.latest ? displayReport(state.latest) : viewAssessment(state.history.items[0].assessment_id)),
    onReassess: () => {
      showView("form");
      renderReturning();
      focusOn(el.formTitle);
    },
  };
}

function displayReport(assessment, { focus = true } = {}) {
  state.shown = assessment;
  replaceChildren(el.report, renderReport(assessment, reportContext(assessment)));
  showView("report");
  if (focus) focusOn(document.getElementById("report-title"));
}

async function showNewAssessment(assessment) {
  state.freshCredentials = false;
  if (assessment.user_token && assessment.user_id) {
    state.identity = { userId: assessment.user_id, token: assessment.user_token };
    state.freshCredentials = true;
    if (!saveIdentity(assessment.user_id, assessment.user_token)) {
      announce("This browser cannot store your key: copy it from the report to see your progress later.");
    }
    renderIdentityBar();
  }
  state.latest = assessment;
  const summary = { assessment_id: assessment.assessment_id, created_at: assessment.created_at, score: assessment.score, band: assessment.band };
  try {
    await loadHistory();
  } catch {
    state.history = null;
  }
  if (!state.history || !state.history.items.some((item) => item.assessment_id === assessment.assessment_id)) {
    const items = state.history ? state.history.items : [];
    state.history = { items: [summary, ...items], nextCursor: state.history ? state.history.nextCursor : null };
  }
  displayReport(assessment);
  const band = (BAND_TEXT[assessment.band] || [assessment.band])[0];
  announce(`Your report is ready: ${assessment.score} out of 100, ${band}.`);
}

async function viewAssessment(assessmentId) {
  if (!state.identity) return;
  if (state.latest && state.latest.assessment_id === assessmentId) {
    displayReport(state.latest);
    return;
  }
  announce("Loading that assessment…");
  try {
    const assessment = await getAssessment(assessmentId, state.identity.token);
    displayReport(assessment);
  } catch (error) {
    announce(`That assessment could not be loaded: ${error.message}`);
  }
}

function renderReturning() {
  if (!state.identity || !state.history || !state.history.items.length) {
    el.returning.replaceChildren();
    el.returning.hidden = true;
    return;
  }
  const latest = state.history.items[0];
  const band = (BAND_TEXT[latest.band] || [latest.band])[0];
  replaceChildren(
    el.returning,
    h("h2", { id: "returning-title" }, "Welcome back"),
    h(
      "p",
      {},
      `Your latest score is ${latest.score} (${band}), from ${formatDate(latest.created_at)}. Answer again below to see what has moved.`,
    ),
    h("button", { type: "button", class: "secondary", id: "view-latest", onclick: () => viewAssessment(latest.assessment_id) }, "View my latest report"),
    historySection({
      idPrefix: "returning-history",
      items: state.history.items,
      currentId: latest.assessment_id,
      onView: viewAssessment,
      hasMore: Boolean(state.history.nextCursor),
      onLoadMore: async () => {
        await loadHistory({ more: true });
        renderReturning();
      },
    }),
  );
  el.returning.hidden = !el.report.hidden;
}

async function loadReturningVisitor() {
  if (!state.identity) return;
  try {
    await loadHistory();
    renderReturning();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404)) {
      // The server no longer knows this key (its data was reset): start again as a new visitor.
      forgetIdentity();
      state.identity = null;
      renderIdentityBar();
      replaceChildren(
        el.returning,
        h("p", { class: "notice" }, "Your saved key is no longer recognised by this server, so this browser has forgotten it. Your next assessment starts a new history."),
      );
      el.returning.hidden = false;
    } else {
      replaceChildren(el.returning, h("p", { class: "notice" }, `Your past results could not be loaded: ${error.message}`));
      el.returning.hidden = false;
    }
  }
}

// ---------------------------------------------------------------- start

if (!storageAvailable()) {
  announce("This browser does not allow saving data, so your progress will not be remembered here.");
}
history.replaceState({ view: "form" }, "", window.location.pathname + window.location.search);
renderIdentityBar();
loadQuestionnaire();
loadReturningVisitor();
