// The questionnaire as the API serves it: rendered into the form, read back, checked as the server checks.

import { h, safeId } from "./dom.js";
import { registerField } from "./errors.js";

/** Every question of the document in order, with its section. */
export function allQuestions(doc) {
  return doc.sections.flatMap((section) => section.questions.map((question) => ({ section, question })));
}

function describedBy(...ids) {
  const value = ids.filter(Boolean).join(" ");
  return value || null;
}

function radioGroup(question, number, options, layoutClass) {
  const qid = safeId(question.id);
  const errorId = `err-${qid}`;
  const helpId = question.help ? `help-${qid}` : null;
  const inputs = [];
  const optionEls = options.map((option, index) => {
    const id = `in-${qid}-${index}`;
    const input = h("input", {
      type: "radio",
      id,
      name: question.id,
      value: String(option.value),
      "data-kind": question.kind,
      "aria-describedby": describedBy(helpId, errorId),
    });
    inputs.push(input);
    return h("div", { class: "option" }, input, h("label", { for: id }, option.label));
  });
  const errorEl = h("p", { class: "field-error", id: errorId, hidden: true });
  const legend = h(
    "legend",
    { class: "question-text" },
    h("span", { class: "question-number" }, `${number}. `),
    question.text,
    question.required ? null : h("span", { class: "optional" }, " (optional)"),
  );
  const fieldset = h(
    "fieldset",
    { class: `question ${layoutClass}`, id: `q-${qid}`, "data-question": question.id },
    legend,
    question.help ? h("p", { class: "hint", id: helpId }, question.help) : null,
    errorEl,
    h("div", { class: "options" }, optionEls),
  );
  return { element: fieldset, inputs, errorEl };
}

function likertOptions(question) {
  const options = [];
  for (let value = question.min; value <= question.max; value += 1) {
    let end = null;
    if (value === question.min && question.min_label) end = question.min_label;
    if (value === question.max && question.max_label) end = question.max_label;
    options.push({
      value,
      label: [h("span", { class: "likert-num" }, String(value)), end ? h("span", { class: "likert-end" }, end) : null],
    });
  }
  return options;
}

function renderLikert(question, number) {
  const group = radioGroup(question, number, likertOptions(question), "likert");
  if (question.min_label || question.max_label) {
    group.element.classList.add("has-ends");
  }
  return group;
}

function renderCount(question, number) {
  const qid = safeId(question.id);
  const id = `in-${qid}`;
  const errorId = `err-${qid}`;
  const helpId = `help-${qid}`;
  const rangeText = `A whole number from ${question.min} to ${question.max}.`;
  const input = h("input", {
    type: "number",
    id,
    name: question.id,
    inputmode: "numeric",
    min: question.min,
    max: question.max,
    step: 1,
    autocomplete: "off",
    "data-kind": question.kind,
    "aria-describedby": describedBy(helpId, errorId),
  });
  const errorEl = h("p", { class: "field-error", id: errorId, hidden: true });
  const element = h(
    "div",
    { class: "question count", id: `q-${qid}`, "data-question": question.id },
    h(
      "label",
      { class: "question-text", for: id },
      h("span", { class: "question-number" }, `${number}. `),
      question.text,
      question.required ? null : h("span", { class: "optional" }, " (optional)"),
    ),
    h("p", { class: "hint", id: helpId }, question.help ? `${question.help} ${rangeText}` : rangeText),
    errorEl,
    input,
  );
  return { element, inputs: [input], errorEl };
}

function renderQuestion(question, number) {
  switch (question.kind) {
    case "likert":
      return renderLikert(question, number);
    case "count":
      return renderCount(question, number);
    case "boolean":
      return radioGroup(question, number, [{ value: "true", label: "Yes" }, { value: "false", label: "No" }], "boolean");
    case "choice":
      return radioGroup(question, number, question.choices || [], "choice");
    default:
      // A kind this page does not know yet: say so rather than silently dropping the question.
      return {
        element: h("p", { class: "notice" }, `Question ${number} (${question.id}) needs a newer version of this page.`),
        inputs: [],
        errorEl: null,
      };
  }
}

/** Render every section as a fieldset; registers each question as an error target. */
export function renderQuestionnaire(doc, container) {
  let number = 0;
  const sections = doc.sections.map((section) => {
    const sid = safeId(section.id);
    const questions = section.questions.map((question) => {
      number += 1;
      const rendered = renderQuestion(question, number);
      if (rendered.errorEl && rendered.inputs.length) {
        registerField(`answers.${question.id}`, {
          label: `Question ${number}`,
          errorEl: rendered.errorEl,
          inputs: rendered.inputs,
          container: rendered.element,
        });
      }
      return rendered.element;
    });
    return h(
      "fieldset",
      { class: "section", id: `section-${sid}` },
      h("legend", { class: "section-title" }, section.title),
      section.description ? h("p", { class: "section-description" }, section.description) : null,
      questions,
    );
  });
  container.replaceChildren(...sections);
  return number;
}

/** The raw state of the form's questionnaire part (for drafts): {question_id: string}. */
export function readRawAnswers(doc, form) {
  const raw = {};
  for (const { question } of allQuestions(doc)) {
    const control = form.elements.namedItem(question.id);
    if (!control) continue;
    const value = control.value; // RadioNodeList.value is the checked radio's value, or ""
    if (value !== "") raw[question.id] = value;
  }
  return raw;
}

/** Put raw values back into the form (from a draft). Unknown ids and values are ignored. */
export function restoreRawAnswers(doc, form, raw) {
  if (!raw) return;
  for (const { question } of allQuestions(doc)) {
    const value = raw[question.id];
    const control = form.elements.namedItem(question.id);
    if (value === undefined || !control) continue;
    if (question.kind === "count") {
      control.value = value;
    } else {
      for (const radio of control) radio.checked = radio.value === value;
    }
  }
}

/**
 * Answers as the API wants them, and the problems the server would report:
 * every required question answered, counts and scales whole numbers within their bounds.
 */
export function collectAnswers(doc, form) {
  const raw = readRawAnswers(doc, form);
  const answers = {};
  const errors = [];
  for (const { question } of allQuestions(doc)) {
    const key = `answers.${question.id}`;
    const text = raw[question.id];
    if (text === undefined || String(text).trim() === "") {
      if (question.kind === "count") {
        const control = form.elements.namedItem(question.id);
        // A number input holding text the browser cannot read reports "" as its value.
        if (control && control.validity && control.validity.badInput) {
          errors.push({ key, message: `Enter a whole number from ${question.min} to ${question.max}.` });
          continue;
        }
      }
      if (question.required) {
        errors.push({ key, message: question.kind === "count" ? "Enter a number (0 is fine)." : "Choose an answer." });
      }
      continue;
    }
    if (question.kind === "boolean") {
      answers[question.id] = text === "true";
    } else if (question.kind === "choice") {
      const allowed = (question.choices || []).map((choice) => choice.value);
      if (!allowed.includes(text)) errors.push({ key, message: "Choose one of the answers listed." });
      else answers[question.id] = text;
    } else {
      const trimmed = String(text).trim();
      const value = Number(trimmed);
      if (!/^-?\d+$/.test(trimmed) || !Number.isSafeInteger(value)) {
        errors.push({ key, message: `Enter a whole number from ${question.min} to ${question.max}.` });
      } else if (value < question.min || value > question.max) {
        errors.push({ key, message: `Enter a number from ${question.min} to ${question.max}.` });
      } else {
        answers[question.id] = value;
      }
    }
  }
  return { answers, errors };
}
