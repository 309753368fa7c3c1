// Recent activity, typed in simply: counts per month for a few types, and a few dated entries.
// Both become activity events; each event remembers which field it came from, so a server
// message about `activities.N` is shown next to that field.

import { h } from "./dom.js";
import { registerField, unregisterFields } from "./errors.js";

/** Friendly names of the activity types (the API's own ids are the values sent). */
export const ACTIVITY_TYPES = [
  ["message_sent", "Message you sent to someone"],
  ["message_received", "Message someone sent you"],
  ["connection_made", "New connection"],
  ["invitation_sent", "Invitation to connect you sent"],
  ["invitation_received", "Invitation to connect you received"],
  ["help_given", "Help you gave (advice, a lead, a review)"],
  ["help_asked", "Help you asked for"],
  ["introduction_made", "Introduction you made between two people"],
  ["referral_given", "Referral you gave"],
  ["referral_asked", "Referral you asked for"],
  ["recommendation_given", "Recommendation you wrote"],
  ["recommendation_received", "Recommendation you received"],
  ["endorsement_given", "Endorsement you gave"],
  ["endorsement_received", "Endorsement you received"],
  ["knowledge_shared", "Something you shared (post, talk, write-up, answer)"],
  ["comment_made", "Comment you wrote"],
  ["reaction_made", "Reaction (like, emoji)"],
  ["recruiter_conversation", "Conversation with a recruiter"],
  ["hiring_manager_conversation", "Conversation with a hiring manager"],
  ["informational_interview", "Informational interview"],
  ["event_attended", "Event or meetup attended"],
  ["skill_learned", "Skill learned or course finished"],
  ["project_started", "New project or client"],
  ["certification_earned", "Certification earned"],
  ["job_application", "Job application"],
];

const ROLES = [
  ["", "Not specified"],
  ["recruiter", "Recruiter"],
  ["hiring_manager", "Hiring manager"],
  ["peer", "Peer"],
  ["mentor", "Mentor"],
  ["other", "Other"],
];

/** The types a person can count per month: the ones that move the score most. */
const MONTHLY_TYPES = [
  ["message_sent", "Messages you sent", "Personal messages, emails or calls you started (not posts)."],
  ["message_received", "Messages people sent you", "Replies count: they show the contact goes both ways."],
  ["help_given", "Times you helped someone", "Advice, a lead, a review, a favour."],
  ["introduction_made", "Introductions you made", "Between two people who did not know each other."],
  ["recruiter_conversation", "Conversations with recruiters", "Calls, coffees or real exchanges, not automated mail."],
  ["knowledge_shared", "Things you shared publicly", "Posts, talks, write-ups, answers in forums."],
  ["skill_learned", "Skills learned or courses finished", "Also count certifications and finished courses."],
];

const MONTHS = 12;
const MAX_PER_MONTH = 999;
export const MAX_ACTIVITIES = 5000; // the API's limit per submission
const EARLIEST_DATE = "1990-01-01";

const pad = (n) => String(n).padStart(2, "0");
const localDateText = (date) => `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
const isoSeconds = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The last 12 calendar months (this one included), oldest first: {offset, start, label, longLabel}. */
export function lastMonths(now) {
  const months = [];
  for (let offset = MONTHS - 1; offset >= 0; offset -= 1) {
    const start = new Date(now.getFullYear(), now.getMonth() - offset, 1);
    const short = start.toLocaleDateString(undefined, { month: "short" });
    const long = start.toLocaleDateString(undefined, { month: "long", year: "numeric" });
    months.push({
      offset,
      start,
      label: short,
      sublabel: offset === 0 ? "so far" : String(start.getFullYear()),
      longLabel: offset === 0 ? `${long}, so far` : long,
    });
  }
  return months;
}

/**
 * `count` events of one type spread evenly through a month, never later than a minute before `now`
 * (the server rejects events dated in its future).
 */
export function spreadInMonth(count, monthStart, now) {
  const start = monthStart.getTime();
  const monthEnd = new Date(monthStart.getFullYear(), monthStart.getMonth() + 1, 1).getTime();
  const end = Math.max(start, Math.min(monthEnd, now.getTime() - 60_000));
  const times = [];
  for (let i = 0; i < count; i += 1) times.push(isoSeconds(start + ((end - start) * (i + 0.5)) / count));
  return times;
}

/** A typed date (YYYY-MM-DD, the person's calendar) as a moment: local noon, or a minute ago for today. */
export function dateToOccurredAt(dateText, now) {
  const [year, month, day] = dateText.split("-").map(Number);
  const noon = new Date(year, month - 1, day, 12, 0, 0).getTime();
  return isoSeconds(Math.min(noon, now.getTime() - 60_000));
}

export class ActivityForm {
  constructor(container, { onChange }) {
    this.container = container;
    this.onChange = onChange;
    this.nextRowId = 1;
    this.rows = []; // {id, element, typeSelect, dateInput, roleSelect, removeButton, legend}
    this.now = new Date();
    this.months = lastMonths(this.now);
    this.render();
  }

  render() {
    const monthly = h(
      "div",
      { class: "monthly" },
      h("h3", { id: "monthly-title" }, "Counts per month"),
      h(
        "p",
        { class: "hint" },
        "Rough numbers are fine; leave a month empty for none. Each number becomes that many dated events spread through the month. Only the type and the date are sent: no names, no message text.",
      ),
      MONTHLY_TYPES.map(([type, title, hint]) => this.renderMonthlyType(type, title, hint)),
    );
    this.entriesList = h("div", { class: "entries-list" });
    this.addButton = h("button", { type: "button", class: "secondary", id: "add-entry", onclick: () => this.addRow({}, true) }, "Add a dated entry");
    const entries = h(
      "div",
      { class: "entries" },
      h("h3", { id: "entries-title" }, "Dated entries"),
      h(
        "p",
        { class: "hint" },
        "For anything not counted above, or when the exact date matters: a recommendation you wrote, a conversation with a hiring manager, a certification.",
      ),
      this.entriesList,
      this.addButton,
    );
    this.totalEl = h("p", { class: "activity-total", id: "activity-total" });
    this.errorEl = h("p", { class: "field-error", id: "err-activities", hidden: true });
    this.container.replaceChildren(this.errorEl, monthly, entries, this.totalEl);
    registerField("activities", {
      label: "Recent activity",
      errorEl: this.errorEl,
      inputs: [],
      focusTarget: this.container.querySelector("input"),
      onShow: () => this.reveal(),
    });
    this.updateTotal();
  }

  /** Open the surrounding <details> so that an error inside is visible. */
  reveal() {
    const details = this.container.closest("details");
    if (details) details.open = true;
  }

  renderMonthlyType(type, title, hint) {
    const hintId = `hint-monthly-${type}`;
    const errorId = `err-monthly-${type}`;
    const errorEl = h("p", { class: "field-error", id: errorId, hidden: true });
    const inputs = this.months.map((month) => {
      const id = `monthly-${type}-${month.offset}`;
      const input = h("input", {
        type: "number",
        id,
        name: id,
        inputmode: "numeric",
        min: 0,
        max: MAX_PER_MONTH,
        step: 1,
        autocomplete: "off",
        "data-type": type,
        "data-offset": month.offset,
        "aria-describedby": `${hintId} ${errorId}`,
      });
      registerField(`monthly.${type}.${month.offset}`, {
        label: `${title}, ${month.longLabel}`,
        errorEl,
        inputs: [input],
        onShow: () => this.reveal(),
      });
      return h(
        "div",
        { class: "month-cell" },
        h(
          "label",
          { for: id },
          h("span", { "aria-hidden": "true", class: "month-name" }, month.label),
          h("span", { "aria-hidden": "true", class: "month-year" }, month.sublabel),
          h("span", { class: "sr-only" }, `${title}, ${month.longLabel}`),
        ),
        input,
      );
    });
    const fillId = `fill-${type}`;
    const fillInput = h("input", {
      type: "number",
      id: fillId,
      inputmode: "numeric",
      min: 0,
      max: MAX_PER_MONTH,
      step: 1,
      autocomplete: "off",
      class: "fill-input",
    });
    const fillButton = h(
      "button",
      {
        type: "button",
        class: "secondary small",
        "aria-label": `Fill all months: ${title.toLowerCase()}`,
        onclick: () => {
          const value = fillInput.value.trim();
          for (const cell of this.container.querySelectorAll(`input[data-type="${type}"]`)) cell.value = value;
          this.changed();
        },
      },
      "Fill all months",
    );
    this.typeTotals = this.typeTotals || {};
    this.typeTotals[type] = h("span", { class: "type-total" });
    return h(
      "fieldset",
      { class: "monthly-type", id: `monthly-${type}` },
      h("legend", {}, title, " ", this.typeTotals[type]),
      h("p", { class: "hint", id: hintId }, hint),
      errorEl,
      h("div", { class: "month-grid" }, inputs),
      h(
        "div",
        { class: "fill" },
        h("label", { for: fillId }, "Same number every month:"),
        fillInput,
        fillButton,
      ),
    );
  }

  addRow(values, focus) {
    const id = this.nextRowId;
    this.nextRowId += 1;
    const typeId = `entry-${id}-type`;
    const dateId = `entry-${id}-date`;
    const roleId = `entry-${id}-role`;
    const errorEls = {
      type: h("p", { class: "field-error", id: `err-${typeId}`, hidden: true }),
      occurred_at: h("p", { class: "field-error", id: `err-${dateId}`, hidden: true }),
      counterpart_role: h("p", { class: "field-error", id: `err-${roleId}`, hidden: true }),
    };
    const typeSelect = h(
      "select",
      { id: typeId, name: typeId, "aria-describedby": `err-${typeId}` },
      h("option", { value: "" }, "Choose a type"),
      ACTIVITY_TYPES.map(([value, label]) => h("option", { value }, label)),
    );
    const dateInput = h("input", {
      type: "date",
      id: dateId,
      name: dateId,
      min: EARLIEST_DATE,
      max: localDateText(new Date()),
      "aria-describedby": `err-${dateId}`,
    });
    const roleSelect = h(
      "select",
      { id: roleId, name: roleId, "aria-describedby": `err-${roleId}` },
      ROLES.map(([value, label]) => h("option", { value }, label)),
    );
    typeSelect.value = values.type || "";
    dateInput.value = values.date || "";
    roleSelect.value = values.role || "";
    const legend = h("legend", {});
    const removeButton = h("button", { type: "button", class: "link-button remove-entry", onclick: () => this.removeRow(id) }, "Remove");
    const element = h(
      "fieldset",
      { class: "entry", id: `entry-${id}` },
      legend,
      h("div", { class: "entry-field" }, h("label", { for: typeId }, "Type"), errorEls.type, typeSelect),
      h("div", { class: "entry-field" }, h("label", { for: dateId }, "Date"), errorEls.occurred_at, dateInput),
      h(
        "div",
        { class: "entry-field" },
        h("label", { for: roleId }, "Who with ", h("span", { class: "optional" }, "(optional)")),
        errorEls.counterpart_role,
        roleSelect,
      ),
      removeButton,
    );
    const row = { id, element, typeSelect, dateInput, roleSelect, removeButton, legend, errorEls };
    this.rows.push(row);
    this.entriesList.append(element);
    this.renumber();
    if (focus) typeSelect.focus();
    this.changed();
    return row;
  }

  removeRow(id) {
    const index = this.rows.findIndex((row) => row.id === id);
    if (index < 0) return;
    const [row] = this.rows.splice(index, 1);
    row.element.remove();
    unregisterFields(`entry.${id}.`);
    this.renumber();
    const next = this.rows[index] || this.rows[index - 1];
    (next ? next.typeSelect : this.addButton).focus();
    this.changed();
  }

  renumber() {
    this.rows.forEach((row, index) => {
      const name = `Entry ${index + 1}`;
      row.legend.textContent = name;
      row.removeButton.setAttribute("aria-label", `Remove entry ${index + 1}`);
      const fields = [
        ["type", "Type", row.typeSelect],
        ["occurred_at", "Date", row.dateInput],
        ["counterpart_role", "Who with", row.roleSelect],
      ];
      for (const [field, label, input] of fields) {
        registerField(`entry.${row.id}.${field}`, {
          label: `${name}, ${label.toLowerCase()}`,
          errorEl: row.errorEls[field],
          inputs: [input],
          onShow: () => this.reveal(),
        });
      }
    });
  }

  changed() {
    this.updateTotal();
    if (this.onChange) this.onChange();
  }

  monthlyCells() {
    return [...this.container.querySelectorAll("input[data-type][data-offset]")];
  }

  updateTotal() {
    const totals = {};
    let all = 0;
    for (const cell of this.monthlyCells()) {
      const value = Number(cell.value);
      if (Number.isInteger(value) && value > 0) {
        totals[cell.dataset.type] = (totals[cell.dataset.type] || 0) + value;
        all += value;
      }
    }
    for (const [type, el] of Object.entries(this.typeTotals || {})) {
      el.textContent = totals[type] ? `(${totals[type]} in 12 months)` : "";
    }
    all += this.rows.length;
    if (this.totalEl) {
      this.totalEl.textContent = all
        ? `${all} ${all === 1 ? "activity" : "activities"} will be sent with your answers (at most ${MAX_ACTIVITIES}).`
        : "No activity added: the report will rest on your answers alone, with lower confidence.";
    }
  }

  /** The raw state (for drafts). */
  readRaw() {
    const monthly = {};
    for (const cell of this.monthlyCells()) {
      if (cell.value !== "") monthly[`${cell.dataset.type}.${cell.dataset.offset}`] = cell.value;
    }
    const entries = this.rows.map((row) => ({
      type: row.typeSelect.value,
      date: row.dateInput.value,
      role: row.roleSelect.value,
    }));
    return { monthly, entries, month: this.months[this.months.length - 1].start.toISOString() };
  }

  restoreRaw(raw) {
    if (!raw) return;
    // Counts belong to calendar months; a draft from an earlier month shifts with the calendar.
    const draftMonth = raw.month ? new Date(raw.month) : this.months[this.months.length - 1].start;
    const current = this.months[this.months.length - 1].start;
    const shift = (current.getFullYear() - draftMonth.getFullYear()) * 12 + current.getMonth() - draftMonth.getMonth();
    for (const [key, value] of Object.entries(raw.monthly || {})) {
      const [type, offsetText] = key.split(".");
      const offset = Number(offsetText) + shift;
      const cell = this.container.querySelector(`input[data-type="${CSS.escape(type)}"][data-offset="${offset}"]`);
      if (cell) cell.value = value;
    }
    for (const entry of raw.entries || []) this.addRow(entry, false);
    this.updateTotal();
  }

  /**
   * The activity events to send, the UI field each event came from, and the problems found
   * (the server's rules: whole counts, a known type, a date from 1990 and not in the future).
   */
  collect() {
    const now = new Date();
    const events = [];
    const sources = []; // sources[i] = {kind: "monthly", key} | {kind: "entry", rowId}
    const errors = [];
    for (const cell of this.monthlyCells()) {
      const key = `monthly.${cell.dataset.type}.${cell.dataset.offset}`;
      const text = cell.value.trim();
      if (text === "") {
        if (cell.validity && cell.validity.badInput) errors.push({ key, message: `Enter a whole number from 0 to ${MAX_PER_MONTH}.` });
        continue;
      }
      const count = Number(text);
      if (!/^\d+$/.test(text) || count > MAX_PER_MONTH) {
        errors.push({ key, message: `Enter a whole number from 0 to ${MAX_PER_MONTH}.` });
        continue;
      }
      const month = this.months.find((m) => m.offset === Number(cell.dataset.offset));
      for (const occurredAt of spreadInMonth(count, month.start, now)) {
        events.push({ type: cell.dataset.type, occurred_at: occurredAt });
        sources.push({ kind: "monthly", key });
      }
    }
    const today = localDateText(now);
    for (const row of this.rows) {
      const type = row.typeSelect.value;
      const date = row.dateInput.value;
      let valid = true;
      if (!type) {
        errors.push({ key: `entry.${row.id}.type`, message: "Choose what kind of activity this was." });
        valid = false;
      }
      if (!date) {
        const message = row.dateInput.validity && row.dateInput.validity.badInput ? "Enter a real date." : "Enter the date it happened.";
        errors.push({ key: `entry.${row.id}.occurred_at`, message });
        valid = false;
      } else if (date < EARLIEST_DATE) {
        errors.push({ key: `entry.${row.id}.occurred_at`, message: "Enter a date from 1 January 1990 on." });
        valid = false;
      } else if (date > today) {
        errors.push({ key: `entry.${row.id}.occurred_at`, message: "The date cannot be in the future." });
        valid = false;
      }
      if (!valid) continue;
      const event = { type, occurred_at: dateToOccurredAt(date, now) };
      if (row.roleSelect.value) event.counterpart_role = row.roleSelect.value;
      events.push(event);
      sources.push({ kind: "entry", rowId: row.id });
    }
    if (events.length > MAX_ACTIVITIES) {
      errors.push({
        key: "activities",
        message: `That is ${events.length} activities; at most ${MAX_ACTIVITIES} can be sent at once. Lower some monthly counts.`,
      });
    }
    return { events, sources, errors };
  }

  /** The UI field a server detail such as `activities.3.occurred_at` is about. */
  static fieldFor(detailField, sources) {
    if (detailField === "activities") return "activities";
    const match = /^activities\.(\d+)(?:\.(\w+))?/.exec(detailField);
    if (!match) return null;
    const source = sources[Number(match[1])];
    if (!source) return "activities";
    if (source.kind === "monthly") return source.key;
    const field = ["type", "occurred_at", "counterpart_role"].includes(match[2]) ? match[2] : "type";
    return `entry.${source.rowId}.${field}`;
  }
}
