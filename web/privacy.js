// "Your data": download everything the server keeps about you, erase it from the server, or only
// forget this browser's key. Each action says plainly how far it reaches.

import { ApiError, eraseUser, exportUserData } from "./api.js";
import { focusOn, h, replaceChildren } from "./dom.js";

// What an erasure receipt's kinds are, in the person's words: [one, many]. Kinds not named here
// (a newer kind of stored item) are still reported, by their own name.
const KIND_WORDS = {
  assessment: ["assessment", "assessments"],
  user: ["your latest answers and your private key", "your latest answers and your private key"],
  activity: ["batch of activity", "batches of activity"],
  import: ["LinkedIn import", "LinkedIn imports"],
  upload: ["uploaded file", "uploaded files"],
  schedule: ["re-assessment schedule", "re-assessment schedules"],
  centre_membership: ["career-centre membership and its consent", "career-centre memberships and their consent"],
  counterpart_salt: ["key your contacts were scrambled with", "keys your contacts were scrambled with"],
  idempotency_record: ["record of a sent form", "records of sent forms"],
  limit: ["request counter", "request counters"],
};
const KIND_ORDER = Object.keys(KIND_WORDS);

/** "2 assessments, your latest answers and your private key, 6 batches of activity" from a receipt. */
export function describeErased(erased) {
  const kinds = Object.keys(erased || {}).filter((kind) => Number(erased[kind]) > 0);
  const rank = (kind) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);
  kinds.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return kinds
    .map((kind) => {
      const count = Number(erased[kind]);
      if (kind === "user") return KIND_WORDS.user[0];
      const [one, many] = KIND_WORDS[kind] || [`stored ${kind.replace(/_/g, " ")} item`, `stored ${kind.replace(/_/g, " ")} items`];
      return `${count} ${count === 1 ? one : many}`;
    })
    .join(", ");
}

function exportFileName(exportedAt) {
  const day = /^\d{4}-\d{2}-\d{2}/.exec(String(exportedAt || ""));
  return `readiness-export-${day ? day[0] : new Date().toISOString().slice(0, 10)}.json`;
}

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

function busyText(seconds) {
  const wait = Math.max(1, Math.ceil(seconds));
  return `The server is busy; trying again in ${plural(wait, "second", "seconds")}.`;
}

/** Why an erasure did not happen, and what is true now. */
function whyNotErased(error) {
  if (!(error instanceof ApiError)) return "Nothing was erased: something went wrong in this page before anything was sent.";
  if (error.status === 401 || error.status === 403) {
    return "Nothing was erased: the server does not recognise this browser's key. If you erased your data before, it is already gone; \"Forget me on this browser\" removes the old key.";
  }
  if (error.status === 0) {
    return `The request may not have reached the server. ${error.message} This browser still keeps your key; trying again finishes the erasure.`;
  }
  if (error.status >= 500) {
    return `The erasure did not finish. ${error.message} Part of your data may already be gone; this browser still keeps your key, so try again to erase the rest.`;
  }
  return `Nothing was erased. ${error.message} This browser still keeps your key.`;
}

/**
 * The "Your data" section and the "Erase everything" dialog. `onForget()` opens the forget-me
 * dialog; `onErased(receipt)` runs after the server has erased everything.
 */
export class YourData {
  constructor({ section, dialog, onForget, onErased }) {
    this.section = section;
    this.dialog = dialog;
    this.onForget = onForget;
    this.onErased = onErased;
    this.identity = null;
    this.downloading = false;
    this.erasing = false;
    this.fileUrl = null;
    this.confirm = dialog.querySelector("#erase-confirm");
    this.cancel = dialog.querySelector("#erase-cancel");
    this.eraseStatus = dialog.querySelector("#erase-status");
    this.eraseError = dialog.querySelector("#erase-error");
    this.confirm.addEventListener("click", () => this.erase());
    this.cancel.addEventListener("click", () => {
      if (!this.erasing) this.dialog.close();
    });
    // Escape cancels, except while the request is out: its answer decides what this browser keeps.
    this.dialog.addEventListener("cancel", (event) => {
      if (this.erasing) event.preventDefault();
    });
    this.dialog.addEventListener("close", () => {
      const opener = document.getElementById("erase-data");
      if (opener && this.identity) opener.focus();
    });
  }

  /** Render for `identity` ({userId, token}) or hide the section (null). */
  render(identity) {
    this.identity = identity;
    this.forgetFile();
    if (!identity) {
      this.section.replaceChildren();
      this.section.hidden = true;
      return;
    }
    this.downloadButton = h("button", { type: "button", id: "download-data", class: "secondary", "aria-describedby": "download-data-hint", onclick: () => this.download() }, "Download my data");
    this.downloadStatus = h("div", { id: "download-status", class: "data-status", "aria-live": "polite" });
    replaceChildren(
      this.section,
      h("h2", { id: "your-data-title", tabindex: "-1" }, "Your data"),
      h("p", {}, "The Readiness server keeps your answers, your assessments and the activity you added, under the private key this browser holds. What happens to them is up to you."),
      h(
        "div",
        { class: "data-action" },
        this.downloadButton,
        h("p", { id: "download-data-hint", class: "hint" }, "A file (JSON) with everything the server keeps about you: answers, assessments, activity, LinkedIn imports, schedule and career-centre memberships. Nothing is deleted."),
      ),
      this.downloadStatus,
      h(
        "div",
        { class: "data-action" },
        h("button", { type: "button", id: "erase-data", class: "danger", "aria-describedby": "erase-data-hint", onclick: () => this.openErase() }, "Erase everything"),
        h("p", { id: "erase-data-hint", class: "hint" }, "Deletes all of it from the server for good, then forgets you on this browser too. It cannot be undone."),
      ),
      h(
        "div",
        { class: "data-action" },
        h("button", { type: "button", id: "forget-me", class: "secondary", "aria-describedby": "forget-me-hint", onclick: this.onForget }, "Forget me on this browser"),
        h("p", { id: "forget-me-hint", class: "hint" }, "Only this browser lets go of your key and unsent answers. Nothing is deleted from the server, and unless you kept a copy of your key you cannot see, download or erase your data again."),
      ),
    );
    this.section.hidden = false;
  }

  /** Move focus to the section (the header's "Your data" button). */
  focus() {
    focusOn(document.getElementById("your-data-title"));
  }

  forgetFile() {
    if (this.fileUrl) URL.revokeObjectURL(this.fileUrl);
    this.fileUrl = null;
  }

  // ------------------------------------------------------------ download

  setDownloading(button, downloading) {
    this.downloading = downloading;
    button.setAttribute("aria-disabled", downloading ? "true" : "false");
    button.textContent = downloading ? "Preparing your file…" : "Download my data";
  }

  async download() {
    if (this.downloading || !this.identity) return;
    const { userId, token } = this.identity;
    const button = this.downloadButton;
    const status = this.downloadStatus;
    this.setDownloading(button, true);
    replaceChildren(status, h("p", {}, "Asking the server for your data…"));
    let pagesSeen = 0;
    try {
      const document_ = await exportUserData(userId, token, {
        onPage: ({ pages, items, more }) => {
          pagesSeen = pages;
          if (more) replaceChildren(status, h("p", {}, `Received page ${pages} (${plural(items, "item", "items")} so far); asking for the next…`));
        },
        onRetry: (_error, seconds) => replaceChildren(status, h("p", {}, busyText(seconds))),
      });
      if (this.identity === null || this.identity.userId !== userId) return; // forgotten meanwhile
      const text = JSON.stringify(document_, null, 2);
      const name = exportFileName(document_.exported_at);
      this.forgetFile();
      const file = new Blob([text], { type: "application/json" });
      this.fileUrl = URL.createObjectURL(file);
      const link = h("a", { href: this.fileUrl, download: name, id: "download-link" }, `Save ${name} again`);
      const pages = pagesSeen > 1 ? ` from ${pagesSeen} pages` : "";
      replaceChildren(
        status,
        h("p", { id: "download-done" }, `Your data is ready: ${plural(document_.items.length, "item", "items")}${pages}, ${sizeText(file.size)}. Your browser saves it as ${name}.`),
        h("p", {}, link),
      );
      link.click();
    } catch (error) {
      const message = error instanceof ApiError ? error.message : "Something went wrong in this page.";
      replaceChildren(status, h("p", { id: "download-error", class: "field-error", role: "alert" }, `Your data could not be downloaded: ${message}`));
    } finally {
      this.setDownloading(button, false);
    }
  }

  // ------------------------------------------------------------ erase

  openErase() {
    if (!this.identity) return;
    this.eraseError.hidden = true;
    this.eraseError.textContent = "";
    this.eraseStatus.textContent = "";
    this.confirm.textContent = "Yes, erase everything";
    this.dialog.showModal();
    this.cancel.focus(); // the safe choice has the focus
  }

  setErasing(erasing) {
    this.erasing = erasing;
    this.dialog.setAttribute("aria-busy", erasing ? "true" : "false");
    this.confirm.setAttribute("aria-disabled", erasing ? "true" : "false");
    this.cancel.setAttribute("aria-disabled", erasing ? "true" : "false");
    if (erasing) this.confirm.textContent = "Erasing…";
  }

  async erase() {
    if (this.erasing || !this.identity) return;
    const { userId, token } = this.identity;
    this.eraseError.hidden = true;
    this.setErasing(true);
    this.eraseStatus.textContent = "Erasing your data from the server…";
    try {
      const receipt = await eraseUser(userId, token, {
        onRetry: (_error, seconds) => {
          this.eraseStatus.textContent = busyText(seconds);
        },
      });
      this.setErasing(false);
      this.dialog.close();
      this.onErased(receipt);
    } catch (error) {
      this.setErasing(false);
      this.eraseStatus.textContent = "";
      this.confirm.textContent = "Try again";
      this.eraseError.textContent = whyNotErased(error);
      this.eraseError.hidden = false;
    }
  }
}
