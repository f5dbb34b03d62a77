/**
 * Schedule mode of the builder: how often (the presets of cron_presets.js, or a cron line), in
 * which time zone, with the server's own words for it and its next runs shown as the user types.
 */

import { getJSON } from "./api.js";
import { WEEKDAYS, PresetError, cronToPreset, presetToCron } from "./cron_presets.js";
import { byId, fill, h } from "./dom.js";

const PREVIEW_DELAY_MS = 300;
let previewTimer = null;

export function isSchedule() {
  return byId("builder").querySelector('input[name="mode"]:checked').value === "schedule";
}

function preset() {
  return {
    kind: byId("schedule-kind").value,
    time: byId("schedule-time").value,
    weekday: byId("schedule-weekday").value,
    day: byId("schedule-day").value,
    cron: byId("schedule-cron").value,
  };
}

/** The cron line; throws PresetError (with the field) when an input is out of range. */
export function scheduleCron() {
  return presetToCron(preset());
}

function renderKind() {
  const kind = byId("schedule-kind").value;
  byId("schedule-time-label").hidden = kind === "custom";
  byId("schedule-weekday-label").hidden = kind !== "weekly";
  byId("schedule-day-label").hidden = kind !== "monthly";
  byId("schedule-cron-label").hidden = kind !== "custom";
}

async function preview() {
  const out = byId("schedule-preview");
  let cron;
  try {
    cron = scheduleCron();
  } catch (error) {
    if (error instanceof PresetError) return fill(out, error.message);
    throw error;
  }
  try {
    const answer = await getJSON("/schedules/describe", { cron, timezone: byId("timezone").value.trim() });
    const runs = answer.next_runs.slice(0, 3).map((run) => new Date(run).toLocaleString()).join(", ");
    fill(out, `${answer.description}. Next runs: ${runs}.`);
  } catch {
    fill(out, `Cron: ${cron}`);
  }
}

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, PREVIEW_DELAY_MS);
}

export function renderMode() {
  const schedule = isSchedule();
  byId("schedule-options").hidden = !schedule;
  fill(byId("submit"), schedule ? "Save schedule" : "Run now");
  if (schedule) schedulePreview();
}

export function setSchedule(definition) {
  byId("builder").querySelector('input[name="mode"][value="schedule"]').checked = true;
  byId("name").value = definition.name;
  byId("timezone").value = definition.timezone;
  byId("enabled").checked = definition.enabled;
  const found = cronToPreset(definition.cron);
  byId("schedule-kind").value = found.kind;
  if (found.time) byId("schedule-time").value = found.time;
  if (found.weekday !== undefined) byId("schedule-weekday").value = String(found.weekday);
  if (found.day !== undefined) byId("schedule-day").value = String(found.day);
  if (found.kind === "custom") byId("schedule-cron").value = found.cron;
  renderKind();
  renderMode();
}

export function initSchedule() {
  fill(byId("schedule-weekday"), WEEKDAYS.map((d) => h("option", { value: d.value }, d.label)));
  byId("schedule-weekday").value = "1";
  byId("timezone").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  for (const radio of byId("builder").querySelectorAll('input[name="mode"]')) radio.addEventListener("change", renderMode);
  byId("schedule-kind").addEventListener("change", () => {
    renderKind();
    schedulePreview();
  });
  for (const id of ["schedule-time", "schedule-weekday", "schedule-day", "schedule-cron", "timezone"]) {
    byId(id).addEventListener("input", schedulePreview);
  }
  renderKind();
  renderMode();
}
