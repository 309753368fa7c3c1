// Field errors: one registry of form fields, so client checks and server details land in the same place.

import { focusOn, h, replaceChildren } from "./dom.js";

const fields = new Map(); // key -> {label, errorEl, inputs, focusTarget, container, onShow}

/**
 * Register a field that can carry an error message.
 * `inputs` get aria-invalid; `focusTarget` is what an error-summary link moves focus to.
 */
export function registerField(key, { label, errorEl, inputs, focusTarget, container, onShow }) {
  fields.set(key, { label, errorEl, inputs, focusTarget: focusTarget || inputs[0], container, onShow });
}

export function unregisterFields(prefix) {
  for (const key of [...fields.keys()]) if (key.startsWith(prefix)) fields.delete(key);
}

export function hasField(key) {
  return fields.has(key);
}

export function clearFieldErrors() {
  for (const field of fields.values()) {
    field.errorEl.hidden = true;
    field.errorEl.replaceChildren();
    for (const input of field.inputs) input.removeAttribute("aria-invalid");
    if (field.container) field.container.classList.remove("has-error");
  }
}

/**
 * Show messages at their fields. `errors` is a list of {key, message}; a key no field owns is kept
 * for the summary only. Returns the summary items in form order.
 */
export function showFieldErrors(errors) {
  const byKey = new Map();
  for (const { key, message } of errors) {
    const messages = byKey.get(key) || [];
    if (!messages.includes(message)) messages.push(message);
    byKey.set(key, messages);
  }
  const items = [];
  const order = [...fields.keys()];
  const keys = [...byKey.keys()].sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
  });
  for (const key of keys) {
    const messages = byKey.get(key);
    const field = fields.get(key);
    if (!field) {
      for (const message of messages) items.push({ key, label: null, message });
      continue;
    }
    if (field.onShow) field.onShow();
    replaceChildren(
      field.errorEl,
      messages.map((message) => h("span", { class: "field-error-line" }, h("span", { class: "sr-only" }, "Error: "), message)),
    );
    field.errorEl.hidden = false;
    for (const input of field.inputs) input.setAttribute("aria-invalid", "true");
    if (field.container) field.container.classList.add("has-error");
    for (const message of messages) items.push({ key, label: field.label, message });
  }
  return items;
}

/** Fill and focus the error summary: one link per message, leading to its field. */
export function renderErrorSummary(summaryEl, title, items, extra = []) {
  const list = h(
    "ul",
    { class: "error-summary-list" },
    items.map((item) => {
      const field = fields.get(item.key);
      const text = item.label ? `${item.label}: ${item.message}` : item.message;
      if (!field) return h("li", {}, text);
      return h(
        "li",
        {},
        h(
          "a",
          {
            href: `#${field.focusTarget.id}`,
            onclick: (event) => {
              event.preventDefault();
              if (field.onShow) field.onShow();
              field.focusTarget.focus();
              field.focusTarget.scrollIntoView({ block: "center" });
            },
          },
          text,
        ),
      );
    }),
  );
  replaceChildren(summaryEl, h("h2", { id: "error-summary-title" }, title), items.length ? list : null, extra);
  summaryEl.hidden = false;
  focusOn(summaryEl);
}

export function hideErrorSummary(summaryEl) {
  summaryEl.hidden = true;
  summaryEl.replaceChildren();
}
