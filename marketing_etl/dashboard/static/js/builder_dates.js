/**
 * Date presets, computed in the browser's own time zone: "yesterday" is the user's yesterday.
 * The "last N days" ranges end yesterday and "this month" includes today, as the schedules'
 * date ranges do on the server (schedules/dates.py), so a run now and a scheduled run agree.
 */

import { byId, fill } from "./dom.js";

export const SCHEDULE_RANGES = ["yesterday", "last_7_days", "last_30_days", "month_to_date", "last_month"];

function pad(n) {
  return String(n).padStart(2, "0");
}

export function isoDate(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** [start, end] as YYYY-MM-DD for a preset, relative to `today` (local). */
export function presetRange(preset, today = new Date()) {
  const day = (offset) => new Date(today.getFullYear(), today.getMonth(), today.getDate() + offset);
  if (preset === "yesterday") return [isoDate(day(-1)), isoDate(day(-1))];
  if (preset === "last_7_days") return [isoDate(day(-7)), isoDate(day(-1))];
  if (preset === "last_30_days") return [isoDate(day(-30)), isoDate(day(-1))];
  if (preset === "month_to_date") return [isoDate(new Date(today.getFullYear(), today.getMonth(), 1)), isoDate(today)];
  if (preset === "last_month") {
    const first = new Date(today.getFullYear(), today.getMonth() - 1, 1);
    return [isoDate(first), isoDate(new Date(today.getFullYear(), today.getMonth(), 0))];
  }
  return null;
}

export function currentDates() {
  const preset = byId("date-preset").value;
  const range = presetRange(preset);
  const [start, end] = range || [byId("start_date").value, byId("end_date").value];
  return { preset, start_date: start, end_date: end };
}

function render() {
  const preset = byId("date-preset").value;
  byId("custom-dates").hidden = preset !== "custom";
  const range = presetRange(preset);
  fill(byId("date-range-text"), range ? `${range[0]} → ${range[1]}` : "Pick the first and last day.");
}

export function setDates(preset, start, end) {
  byId("date-preset").value = preset;
  if (start) byId("start_date").value = start;
  if (end) byId("end_date").value = end;
  render();
}

export function initDates() {
  const [start, end] = presetRange("last_7_days");
  byId("start_date").value = start;
  byId("end_date").value = end;
  byId("date-preset").addEventListener("change", render);
  render();
}
