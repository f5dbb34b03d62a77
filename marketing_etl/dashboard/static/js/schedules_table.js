/**
 * One row of the schedules table. Times are shown in the schedule's own time zone, as the
 * server gives them (next_run_local), not the browser's: "06:00" means what the schedule says.
 * Every cell carries data-label, which the phone layout shows above the value.
 *
 * `actions` are callbacks: {toggle(schedule), runNow(schedule), askDelete(schedule)}. Buttons
 * carry data-action and data-id so the page can put the focus back after a re-render.
 */

import { h, jobHref, statusBadge } from "./dom.js";

const EDIT_PATH = "/dashboard/new";

function cell(label, ...children) {
  return h("td", { dataset: { label } }, ...children);
}

/** "2026-12-08 06:00" from "2026-12-08T06:00:00+07:00": the wall-clock time in its own zone. */
export function localMinute(iso) {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : null;
}

function nextRun(schedule) {
  if (!schedule.enabled) return "– (paused)";
  return [h("span", { class: "when" }, localMinute(schedule.next_run_local)), h("span", { class: "zone" }, schedule.timezone)];
}

function lastJob(schedule) {
  if (schedule.last_job_id) {
    return [
      h("a", { href: jobHref(schedule.last_job_id) }, schedule.last_job_id),
      " ",
      schedule.last_job_status ? statusBadge(schedule.last_job_status) : null,
    ];
  }
  if (schedule.last_error) return h("span", { class: "bad" }, schedule.last_error);
  return schedule.last_run_at ? "starting…" : "none yet";
}

function button(label, action, schedule, onclick, extra = {}) {
  return h(
    "button",
    { type: "button", dataset: { action, id: schedule.schedule_id }, "aria-label": `${label}: ${schedule.name}`, onclick, ...extra },
    label,
  );
}

export function editHref(scheduleId) {
  return `${EDIT_PATH}?schedule=${encodeURIComponent(scheduleId)}`;
}

function actionsCell(schedule, actions) {
  const toggle = schedule.enabled ? "Pause" : "Resume";
  return h(
    "div",
    { class: "actions" },
    button(toggle, "toggle", schedule, () => actions.toggle(schedule)),
    button("Run now", "run-now", schedule, () => actions.runNow(schedule)),
    h("a", { href: editHref(schedule.schedule_id), "aria-label": `Edit: ${schedule.name}` }, "Edit"),
    button("Delete", "delete", schedule, () => actions.askDelete(schedule), { class: "danger" }),
  );
}

export function scheduleRow(schedule, actions) {
  const state = schedule.enabled ? "Active" : "Paused";
  return h(
    "tr",
    { dataset: { scheduleId: schedule.schedule_id } },
    h("th", { scope: "row" }, schedule.name),
    cell("Runs", schedule.description),
    cell("Next run", nextRun(schedule)),
    cell("Last job", lastJob(schedule)),
    cell("State", h("span", { class: `state ${state.toLowerCase()}` }, state)),
    cell("Actions", actionsCell(schedule, actions)),
  );
}

/** The keyboard-usable confirm step that replaces a row's actions until answered. */
export function confirmDelete(schedule, { confirm, cancel }) {
  const box = h(
    "div",
    { class: "confirm", role: "group", "aria-label": `Delete ${schedule.name}?` },
    h("span", {}, `Delete “${schedule.name}”? Its past jobs stay.`),
    button("Yes, delete", "confirm-delete", schedule, confirm, { class: "danger" }),
    button("Keep it", "cancel-delete", schedule, cancel),
  );
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") cancel();
  });
  return box;
}
