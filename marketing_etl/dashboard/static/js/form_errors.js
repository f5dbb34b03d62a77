/**
 * Validation errors next to the control they name. A 422 from the API lists problems with a
 * `loc` such as ["body", "sheet_name"] or ["body", "job", "accounts", 0, "id"]; the deepest name
 * that has an error slot on the page (`#<name>-error`) gets the message, the control it describes
 * is marked aria-invalid, and anything without a slot goes to the page's banner.
 */

import { ApiError, describeError } from "./api.js";
import { fill } from "./dom.js";

export function clearErrors(root) {
  for (const slot of root.querySelectorAll(".field-error")) {
    fill(slot);
    slot.hidden = true;
  }
  for (const control of root.querySelectorAll("[aria-invalid]")) control.removeAttribute("aria-invalid");
}

/** Show one message in a field's slot; returns false when the page has no slot for it. */
export function showFieldError(root, name, message) {
  const slot = root.querySelector(`#${CSS.escape(name)}-error`);
  if (!slot) return false;
  const previous = slot.textContent;
  fill(slot, previous ? `${previous}; ${message}` : message);
  slot.hidden = false;
  for (const control of root.querySelectorAll(`[aria-describedby~="${CSS.escape(slot.id)}"]`)) {
    control.setAttribute("aria-invalid", "true");
  }
  return true;
}

function slotFor(root, loc) {
  for (const part of [...loc].reverse()) {
    if (typeof part === "string" && part !== "body" && root.querySelector(`#${CSS.escape(part)}-error`)) return part;
  }
  return null;
}

/**
 * Place an API error's field problems; returns the text left for the banner ("" when every
 * problem found its field).
 */
export function showApiError(root, error) {
  if (!(error instanceof ApiError && Array.isArray(error.detail))) return describeError(error);
  const rest = [];
  for (const item of error.detail) {
    const name = slotFor(root, item.loc || []);
    if (!name || !showFieldError(root, name, item.msg)) rest.push(item.msg);
  }
  const first = root.querySelector(".field-error:not([hidden])");
  if (first) first.scrollIntoView({ block: "center" });
  return rest.join("; ");
}
