/**
 * Steps 4 and 5 for Facebook: the template (its level and what the platform leaves out of it),
 * then its fields in the groups of the original's field picker, the template's defaults picked,
 * with a search box that hides what does not match (picks stay picked). The picked fields keep
 * the order they were picked in: it is the order of the sheet's columns.
 */

import { getJSON } from "./api.js";
import { byId, fill, h } from "./dom.js";

const LEVELS = { account: "one row per ad account", campaign: "one row per campaign", adset: "one row per ad set", ad: "one row per ad" };

let templates = []; // {name, task_type, level, description, default_fields, field_groups, time_increment}
let chosen = [];

export async function loadTemplates() {
  const answer = await getJSON("/templates");
  const seen = new Set();
  templates = [];
  // A template listed under two task types runs the same either way: offer it once.
  for (const group of answer.task_types) {
    for (const template of group.templates) {
      if (seen.has(template.name)) continue;
      seen.add(template.name);
      templates.push({ ...template, task_type: group.task_type });
    }
  }
  fill(byId("template_name"), templates.map((t) => h("option", { value: t.name }, t.name)));
}

export function currentTemplate() {
  return templates.find((t) => t.name === byId("template_name").value) || null;
}

function describe(template) {
  const rows = template.time_increment === 1 ? ", for each day" : ", for the whole date range";
  fill(byId("template-level"), `Level: ${template.level} (${LEVELS[template.level] || "rows by " + template.level}${rows})`);
  fill(byId("template-description"), template.description);
}

function fieldBox(name) {
  const box = h("input", { type: "checkbox", value: name, checked: chosen.includes(name) });
  box.addEventListener("change", () => {
    chosen = box.checked ? [...chosen.filter((n) => n !== name), name] : chosen.filter((n) => n !== name);
    renderCount();
  });
  return h("label", { class: "check field", dataset: { field: name.toLowerCase() } }, box, ` ${name}`);
}

function renderGroups(template) {
  fill(
    byId("field-groups"),
    template.field_groups.map((group, index) =>
      h("fieldset", { class: "field-group" }, h("legend", {}, `${index + 1}. ${group.label}`), group.fields.map((f) => fieldBox(f.name))),
    ),
  );
  filter();
}

function renderCount() {
  fill(byId("field-count"), `${chosen.length} fields selected${chosen.length ? `: ${chosen.join(", ")}` : ""}`);
}

function filter() {
  const text = byId("field-search").value.trim().toLowerCase();
  for (const group of byId("field-groups").querySelectorAll(".field-group")) {
    let shown = 0;
    for (const label of group.querySelectorAll("label.field")) {
      label.hidden = Boolean(text) && !label.dataset.field.includes(text);
      if (!label.hidden) shown += 1;
    }
    group.hidden = shown === 0;
  }
}

/** Show a template with its defaults, or with `fields` (a copied job's) when given. */
export function showTemplate(name, fields) {
  if (name) byId("template_name").value = name;
  const template = currentTemplate();
  if (!template) return;
  describe(template);
  chosen = fields && fields.length ? [...fields] : [...template.default_fields];
  renderGroups(template);
  renderCount();
}

export function chosenFields() {
  return [...chosen];
}

export function initFields() {
  byId("template_name").addEventListener("change", () => showTemplate());
  byId("field-search").addEventListener("input", filter);
  byId("fields-default").addEventListener("click", () => showTemplate(null, null));
  byId("fields-clear").addEventListener("click", () => {
    chosen = [];
    for (const box of byId("field-groups").querySelectorAll("input")) box.checked = false;
    renderCount();
  });
}
