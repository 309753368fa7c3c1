// The optional step "add your LinkedIn export": what is and is not kept, the upload, and the import's
// report in plain words. The next assessment uses the imported history; nothing else changes here.

import { ApiError, getImport, startImport } from "./api.js";
import { announce, h, replaceChildren } from "./dom.js";

const MAX_BYTES = 50 * 1024 * 1024;
const POLL_MS = 1500;
const POLL_LIMIT_MS = 3 * 60 * 1000;
const MONTH = new Intl.DateTimeFormat("en", { month: "long", year: "numeric", timeZone: "UTC" });

const KEPT = [
  "the kind and date of each interaction: connections, invitations, messages sent and received, endorsements, recommendations, posts, comments, reactions and completed courses",
  "for each person, a scrambled code made with a secret key kept on our server, so we can tell people apart without knowing who they are",
  "whether a contact is a recruiter or hiring manager, read from their job title",
];
const NOT_KEPT = [
  "names, e-mail addresses, phone numbers or profile links",
  "message text, subjects, post or comment text, or recommendation text",
  "the archive itself: it is deleted as soon as it has been read",
];
const UPLOAD_ERRORS = {
  EntityTooLarge: "The file is larger than 50 MB. LinkedIn's basic export (the first one they email) is much smaller: try that one.",
  AccessDenied: "The upload was refused, probably because it took more than 15 minutes to start. Please try again.",
};

/** Render (or re-render) the step; `identity` is {userId, token} or null for a first visit. */
export function renderLinkedInImport(container, identity) {
  if (!container) return;
  const intro = [
    h(
      "p",
      null,
      "LinkedIn lets you download your data (Settings, Data privacy, Get a copy of your data). Add that zip file here and your next report counts years of your real network activity, not just what you remember.",
    ),
    h("h3", null, "What we keep"),
    h("ul", null, KEPT.map((text) => h("li", null, text))),
    h("h3", null, "What we never keep"),
    h("ul", null, NOT_KEPT.map((text) => h("li", null, text))),
  ];
  if (!identity) {
    replaceChildren(
      container,
      ...intro,
      h(
        "p",
        { class: "notice" },
        "You can add your export once you have your first report: it uses the private key this browser keeps for you.",
      ),
    );
    return;
  }
  const input = h("input", {
    type: "file",
    id: "linkedin-file",
    accept: ".zip,application/zip",
    "aria-describedby": "linkedin-file-hint",
  });
  const error = h("p", { id: "linkedin-error", class: "field-error", hidden: true });
  const status = h("div", { id: "linkedin-status", class: "linkedin-status", "aria-live": "polite" });
  const button = h("button", { type: "button", id: "linkedin-import", class: "secondary" }, "Import my LinkedIn export");
  button.addEventListener("click", () => upload({ identity, input, button, error, status }));
  replaceChildren(
    container,
    ...intro,
    h("label", { for: "linkedin-file", class: "question-text" }, "Your LinkedIn export (a .zip file)"),
    h("p", { id: "linkedin-file-hint", class: "hint" }, "At most 50 MB. The basic export or the complete one both work."),
    input,
    error,
    h("p", null, button),
    status,
  );
}

function showError(input, error, message) {
  error.textContent = message;
  error.hidden = false;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", "linkedin-file-hint linkedin-error");
  input.focus();
}

function clearError(input, error) {
  error.hidden = true;
  error.textContent = "";
  input.removeAttribute("aria-invalid");
  input.setAttribute("aria-describedby", "linkedin-file-hint");
}

function say(status, ...children) {
  replaceChildren(status, ...children);
  announce(status.textContent);
}

async function upload({ identity, input, button, error, status }) {
  clearError(input, error);
  const file = input.files && input.files[0];
  if (!file) return showError(input, error, "Choose your LinkedIn export (a .zip file) first.");
  if (!/\.zip$/i.test(file.name)) return showError(input, error, "Choose the .zip file LinkedIn sent you, not a file from inside it.");
  if (file.size > MAX_BYTES) return showError(input, error, UPLOAD_ERRORS.EntityTooLarge);
  button.disabled = true;
  try {
    say(status, h("p", null, "Uploading your export…"));
    const started = await startImport(identity.userId, identity.token);
    const form = new FormData();
    for (const [name, value] of Object.entries(started.upload.fields)) form.append(name, value);
    form.append("file", file);
    let response;
    try {
      response = await fetch(started.upload.url, { method: "POST", body: form });
    } catch {
      throw new ApiError(0, "network", "We could not upload the file. Check your connection and try again.");
    }
    if (!response.ok) {
      const code = ((await response.text()).match(/<Code>([^<]+)<\/Code>/) || [])[1];
      throw new ApiError(response.status, code || "upload_failed", UPLOAD_ERRORS[code] || "The upload failed. Please try again.");
    }
    say(status, h("p", null, "Reading your export… this takes a few seconds, up to a minute for a large one."));
    const done = await follow(identity, started.import_id);
    say(status, ...describe(done));
  } catch (failure) {
    const message = failure instanceof ApiError ? failure.message : "Something went wrong. Please try again.";
    say(status);
    showError(input, error, message);
  } finally {
    button.disabled = false;
  }
}

async function follow(identity, importId) {
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const found = await getImport(identity.userId, importId, identity.token);
    if (!["awaiting_upload", "importing"].includes(found.status) || Date.now() > deadline) return found;
    await new Promise((resolve) => window.setTimeout(resolve, POLL_MS));
  }
}

function span(report) {
  if (!report || !report.date_range) return null;
  const first = MONTH.format(new Date(`${report.date_range.first}T00:00:00Z`));
  const last = MONTH.format(new Date(`${report.date_range.last}T00:00:00Z`));
  return first === last ? first : `${first} to ${last}`;
}

function describe(done) {
  const report = done.report;
  if (done.status === "completed" && done.stored) {
    const lines = [
      h(
        "p",
        { class: "notice" },
        `Imported ${done.stored.events_stored.toLocaleString("en")} interactions`,
        span(report) ? ` from ${span(report)}` : "",
        ". Your next report will include them: send the questionnaire again to see it.",
      ),
    ];
    if (done.stored.duplicates) {
      lines.push(h("p", { class: "hint" }, `${done.stored.duplicates.toLocaleString("en")} were already in your history.`));
    }
    if (done.stored.compacted) {
      lines.push(
        h(
          "p",
          { class: "hint" },
          `${done.stored.compacted.toLocaleString("en")} older repeats of the same contact in the same month were summarised: they would not change your score.`,
        ),
      );
    }
    if (report && report.files_missing && report.files_missing.length) {
      lines.push(h("p", { class: "hint" }, `Not in this export: ${report.files_missing.join(", ")}.`));
    }
    return lines;
  }
  if (done.status === "expired" || done.status === "awaiting_upload") {
    return [h("p", { class: "field-error" }, "The upload did not arrive. Please try again.")];
  }
  if (done.status === "importing") {
    return [h("p", null, "Still reading your export. Come back in a minute: your next report will include it once it is done.")];
  }
  const problems = (report && report.errors) || [];
  return [
    h("p", { class: "field-error" }, "This file could not be imported, and nothing from it was kept."),
    problems.length ? h("ul", null, problems.map((problem) => h("li", null, problem.message))) : null,
    done.error ? h("p", null, done.error.message) : null,
  ];
}
