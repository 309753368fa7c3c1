// Small DOM helpers: build elements without innerHTML, so server text can never become markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function assign(element, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
}

/** An HTML element: h("p", {class: "hint"}, "text", child, ...). */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  assign(element, attrs);
  append(element, children);
  return element;
}

/** An SVG element, same calling convention as h(). */
export function s(tag, attrs, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  assign(element, attrs);
  append(element, children);
  return element;
}

/** Replace every child of `element` with `children`. */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Announce a message to screen readers through the page's polite live region. */
export function announce(message) {
  const region = document.getElementById("status");
  if (!region) return;
  // Clearing first makes a repeated message be read again.
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** Move keyboard and screen-reader focus to an element that is not focusable by itself. */
export function focusOn(element) {
  if (!element) return;
  if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
  element.focus({ preventScroll: true });
  element.scrollIntoView({ block: "start", behavior: "auto" });
}

/** A stable id fragment from any text (question ids are already safe; this guards the rest). */
export function safeId(text) {
  return String(text).replace(/[^A-Za-z0-9_-]/g, "-");
}
