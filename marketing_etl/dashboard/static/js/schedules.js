/**
 * Entry point of /dashboard/schedules: lists every schedule and steers them through
 * /api/dashboard/schedules (pause, resume, run now, delete; editing opens the report builder).
 * After an action the table is re-drawn from the server and the focus returns to the same
 * control, so a keyboard user keeps their place; results are announced in a live region.
 */

import { describeError, getJSON, postJSON, sendJSON } from "./api.js";
import { byId, fill, fmtTime, h, jobHref } from "./dom.js";
import { loadServer } from "./sandbox.js";
import { confirmDelete, scheduleRow } from "./schedules_table.js";

const PATH = "/schedules";
let schedules = [];

function schedulePath(scheduleId, suffix = "") {
  return `${PATH}/${encodeURIComponent(scheduleId)}${suffix}`;
}

function showError(error) {
  const banner = byId("error");
  banner.hidden = !error;
  if (error) fill(banner, describeError(error));
}

function notify(...children) {
  fill(byId("notice"), ...children);
}

function focusControl(scheduleId, action) {
  for (const control of byId("schedules-body").querySelectorAll(`[data-action="${action}"]`)) {
    if (control.dataset.id === scheduleId) return control.focus();
  }
  return byId("refresh").focus();
}

function render() {
  const actions = { toggle, runNow, askDelete };
  fill(byId("schedules-body"), schedules.map((schedule) => scheduleRow(schedule, actions)));
  byId("empty").hidden = schedules.length > 0;
  byId("schedules-table").hidden = schedules.length === 0;
}

async function refresh() {
  byId("content").setAttribute("aria-busy", "true");
  try {
    schedules = (await getJSON(PATH)).schedules;
    render();
    showError(null);
    fill(byId("updated"), `Updated ${fmtTime(new Date().toISOString(), true).slice(11)}`);
  } catch (error) {
    showError(error);
  } finally {
    byId("content").setAttribute("aria-busy", "false");
  }
}

/** Run an action, then re-draw and put the focus back on `focusAction` of this schedule. */
async function act(schedule, focusAction, call) {
  try {
    await call();
    showError(null);
  } catch (error) {
    showError(error);
  }
  await refresh();
  focusControl(schedule.schedule_id, focusAction);
}

function toggle(schedule) {
  const verb = schedule.enabled ? "pause" : "resume";
  return act(schedule, "toggle", async () => {
    await postJSON(schedulePath(schedule.schedule_id, `/${verb}`));
    notify(`“${schedule.name}” ${schedule.enabled ? "paused" : "resumed"}.`);
  });
}

function runNow(schedule) {
  return act(schedule, "run-now", async () => {
    const answer = await postJSON(schedulePath(schedule.schedule_id, "/run-now"));
    const link = h("a", { href: jobHref(answer.job_id), id: "new-job-link" }, answer.job_id);
    const said = answer.created ? "started job" : "already has this minute's job";
    notify(`“${schedule.name}” ${said} `, link, ".");
  });
}

function askDelete(schedule) {
  const row = [...byId("schedules-body").rows].find((tr) => tr.dataset.scheduleId === schedule.schedule_id);
  const cellBox = row.querySelector(".actions").parentElement;
  const cancel = () => {
    render();
    focusControl(schedule.schedule_id, "delete");
  };
  const confirm = async () => {
    try {
      await sendJSON("DELETE", schedulePath(schedule.schedule_id));
      notify(`“${schedule.name}” deleted; its past jobs stay.`);
      showError(null);
    } catch (error) {
      showError(error);
    }
    await refresh();
    byId("refresh").focus();
  };
  fill(cellBox, confirmDelete(schedule, { confirm, cancel }));
  cellBox.querySelector('[data-action="cancel-delete"]').focus();
}

async function start() {
  byId("refresh").addEventListener("click", refresh);
  loadServer().catch(showError);
  await refresh();
}

start();
