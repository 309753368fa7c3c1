/*
 * Readiness for career centres: put the readiness check on your own page.
 *
 *   <script src="https://<readiness web>/embed.js" data-key="pk_..." async></script>
 *
 * Options (attributes of the script tag):
 *   data-key     your publishable key (pk_...). Never a secret key (sk_...): this page is public.
 *   data-target  a CSS selector of the element to put the form in (default: right after the script)
 *   data-api     the API's base URL, when it is not where this script is served from
 *
 * The form runs in an iframe served by the Readiness API for your centre
 * (GET /v1/centres/{centre_id}/embed), themed with your branding, and grows with its content. The
 * browser shows that page only inside the origins your centre registered (its frame-ancestors). Your page receives two DOM events (they bubble to document and window):
 *   readiness:ready      {centre_id}                         the form is shown
 *   readiness:completed  {assessment_id, shared, score?, band?} a student finished; the score and
 *                        band are there only when the student chose to share results with you
 *
 * Every message between this page and the iframe is checked: this script accepts messages only
 * from its own iframe and the API's origin (where the iframe is served), and the iframe answers
 * only the page that embedded it. The key is accepted only from the origins your centre registered; anywhere else the API
 * refuses it and nothing is shown.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || !script.src) return;

  var MIN_HEIGHT = 200;
  var MAX_HEIGHT = 20000;
  var key = (script.getAttribute("data-key") || "").trim();
  var widgetOrigin = new URL(script.src, document.baseURI).origin;
  var apiBase = (script.getAttribute("data-api") || widgetOrigin).replace(/\/+$/, "");
  var frameOrigin = new URL(apiBase + "/", document.baseURI).origin; // the iframe is the API's page

  var container = document.createElement("div");
  container.className = "readiness-embed";
  var selector = script.getAttribute("data-target");
  var target = selector ? document.querySelector(selector) : null;
  if (target) target.appendChild(container);
  else script.parentNode.insertBefore(container, script.nextSibling);

  function notice(text) {
    var p = document.createElement("p");
    p.className = "readiness-embed-notice";
    p.setAttribute("role", "status");
    p.textContent = text;
    container.replaceChildren(p);
  }

  function emit(type, detail) {
    container.dispatchEvent(new CustomEvent(type, { detail: detail, bubbles: true, composed: true }));
  }

  if (/^sk_/.test(key)) {
    // Do not send it anywhere: a secret key on a public page must be rotated, not used.
    notice("Readiness: this page contains a secret key (sk_...). Remove it and rotate your keys; use the publishable key (pk_...).");
    return;
  }
  if (!/^pk_[A-Za-z0-9_-]+$/.test(key)) {
    notice("Readiness: the script tag needs data-key=\"pk_...\" (your centre's publishable key).");
    return;
  }

  var iframe = null;
  var centre = null;

  function sanitiseCompleted(data) {
    var detail = { assessment_id: String(data.assessment_id || ""), shared: data.shared === true };
    if (detail.shared && Number.isInteger(data.score) && data.score >= 0 && data.score <= 100) {
      detail.score = data.score;
      if (typeof data.band === "string") detail.band = data.band;
    }
    return detail;
  }

  window.addEventListener("message", function (event) {
    if (!iframe || event.source !== iframe.contentWindow || event.origin !== frameOrigin) return;
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;
    if (data.type === "readiness:resize") {
      var height = Math.round(Number(data.height));
      if (Number.isFinite(height)) {
        iframe.style.height = Math.max(MIN_HEIGHT, Math.min(MAX_HEIGHT, height)) + "px";
      }
    } else if (data.type === "readiness:ready") {
      emit("readiness:ready", { centre_id: centre.centre_id });
    } else if (data.type === "readiness:completed") {
      emit("readiness:completed", sanitiseCompleted(data));
    }
  });

  function mount(doc) {
    centre = doc && doc.centre;
    if (!centre || typeof centre.centre_id !== "string") {
      notice("Readiness could not be loaded here.");
      return;
    }
    iframe = document.createElement("iframe");
    iframe.src = apiBase + "/v1/centres/" + encodeURIComponent(centre.centre_id) + "/embed";
    iframe.title = "Job-search readiness check, offered by " + (centre.display_name || "your career centre");
    iframe.setAttribute("referrerpolicy", "origin");
    iframe.style.width = "100%";
    iframe.style.minHeight = MIN_HEIGHT + "px";
    iframe.style.height = "640px";
    iframe.style.border = "0";
    iframe.style.display = "block";
    iframe.addEventListener("load", function () {
      // The iframe learns this page's origin from the browser (event.origin), not from us.
      iframe.contentWindow.postMessage(
        {
          type: "readiness:init",
          version: 1,
          key: key,
          centre: {
            centre_id: centre.centre_id,
            display_name: centre.display_name,
            accent_colour: centre.accent_colour,
            logo_url: centre.logo_url || null,
          },
        },
        frameOrigin,
      );
    });
    container.replaceChildren(iframe);
  }

  notice("Loading the readiness check…");
  // The branded questionnaire, asked for from this page: the browser sends this page's Origin,
  // which the API checks against the centre's origins (and CORS echoes only those).
  fetch(apiBase + "/v1/questionnaire", {
    headers: { Accept: "application/json", "X-Readiness-Key": key },
    credentials: "omit",
    cache: "no-store",
  })
    .then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    })
    .then(mount)
    .catch(function () {
      notice("The readiness check is not available on this page (this site is not allowed to use the key, or Readiness cannot be reached).");
    });
})();
