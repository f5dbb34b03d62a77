/**
 * Step 9: the form as a create-job body, then Run now (POST /api/dashboard/jobs, then the new
 * job's page) or Schedule (POST, or PUT when editing, /api/dashboard/schedules). Problems the
 * browser can see for itself (no connection, no account) are said before anything is sent; the
 * rest come back as the API's 422 and land next to their fields.
 */

import { postJSON, sendJSON } from "./api.js";
import { pickedAccounts, tiktokTarget } from "./builder_accounts.js";
import { SCHEDULE_RANGES, currentDates } from "./builder_dates.js";
import { destinationBody } from "./builder_destination.js";
import { chosenFields, currentTemplate } from "./builder_fields.js";
import { isSchedule, scheduleCron } from "./builder_schedule.js";
import { PresetError } from "./cron_presets.js";
import { byId, fill, jobHref } from "./dom.js";
import { clearErrors, showApiError, showFieldError } from "./form_errors.js";

const EMAIL_KEY = "marketing-etl.builder.email";
const PAIR_LINE = /^([A-Za-z]{3})\s*\/\s*([A-Za-z]{3})\s*[=:\s]\s*([0-9.]+)$/;

export const editing = { scheduleId: null };

export function platform() {
  return byId("builder").querySelector('input[name="platform"]:checked').value;
}

/** A readable id that will not collide: platform, local time to the second, 4 random letters. */
export function newJobId(now = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  const suffix = Math.random().toString(36).slice(2, 6).padEnd(4, "0");
  return `${platform() === "facebook" ? "fb" : "tt"}-${stamp}-${suffix}`;
}

/** {"USD/VND": "25400"} from "USD/VND 25400" lines; throws with the bad line. */
export function parseRates(text) {
  const rates = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter(Boolean)) {
    const match = PAIR_LINE.exec(line);
    if (!match) throw new Error(`“${line}” is not a rate: write it like USD/VND 25400`);
    rates[`${match[1].toUpperCase()}/${match[2].toUpperCase()}`] = match[3];
  }
  return rates;
}

function platformPart() {
  if (platform() === "tiktok") return { task_type: byId("tiktok-task").value, ...tiktokTarget() };
  const template = currentTemplate();
  return {
    task_type: template ? template.task_type : "facebook_daily",
    template_name: template ? template.name : null,
    selected_fields: chosenFields(),
    accounts: pickedAccounts(),
  };
}

/** Checks the browser can make; each problem is shown at its field. */
function precheck(form) {
  let ok = true;
  const say = (field, message) => {
    showFieldError(form, field, message);
    ok = false;
  };
  if (!byId("connection_id").value) say("connection_id", "Pick a connection, or add one on the Connections page.");
  if (platform() === "facebook" && pickedAccounts().length === 0) say("accounts", "Pick at least one ad account.");
  if (platform() === "facebook" && chosenFields().length === 0) say("selected_fields", "Pick at least one field.");
  if (!byId("sheet_name").value.trim()) say("sheet_name", "Name the tab (or the file) to write.");
  if (isSchedule() && !SCHEDULE_RANGES.includes(byId("date-preset").value)) {
    say("date_range", "A schedule repeats: pick a rolling range (yesterday, last 7 days, …), not custom dates.");
  }
  return ok;
}

function jobBody() {
  const dates = currentDates();
  const currency = byId("target_currency").value.trim();
  return {
    job_id: newJobId(),
    connection_id: byId("connection_id").value,
    start_date: dates.start_date,
    end_date: dates.end_date,
    user_email: byId("user_email").value.trim(),
    ...destinationBody(),
    ...platformPart(),
    target_currency: currency || null,
    fx_rates: parseRates(byId("fx_rates").value),
  };
}

function scheduleBody(job) {
  const { job_id: _id, start_date: _start, end_date: _end, ...rest } = job;
  return {
    name: byId("name").value.trim(),
    cron: scheduleCron(),
    timezone: byId("timezone").value.trim(),
    date_range: byId("date-preset").value,
    enabled: byId("enabled").checked,
    job: rest,
  };
}

async function saveSchedule(job) {
  const body = scheduleBody(job);
  const saved = editing.scheduleId
    ? await sendJSON("PUT", `/schedules/${encodeURIComponent(editing.scheduleId)}`, body)
    : await postJSON("/schedules", body);
  editing.scheduleId = saved.schedule_id;
  window.history.replaceState(null, "", `/dashboard/new?schedule=${encodeURIComponent(saved.schedule_id)}`);
  const next = saved.next_run_local || saved.next_run_at;
  fill(byId("submit-state"), `Schedule “${saved.name}” saved${next ? `; next run ${next}` : ""}.`);
}

function bodyOrError(form) {
  try {
    return jobBody();
  } catch (error) {
    showFieldError(form, "fx_rates", error.message);
    return null;
  }
}

export async function submit(event) {
  event.preventDefault();
  const form = byId("builder");
  const banner = byId("builder-error");
  clearErrors(form);
  banner.hidden = true;
  fill(byId("submit-state"));
  const job = precheck(form) ? bodyOrError(form) : null;
  if (!job) return form.querySelector(".field-error:not([hidden])").scrollIntoView({ block: "center" });
  localStorage.setItem(EMAIL_KEY, job.user_email);
  byId("submit").disabled = true;
  try {
    if (isSchedule()) await saveSchedule(job);
    else {
      const answer = await postJSON("/jobs", job);
      window.location.assign(jobHref(answer.job_id || job.job_id));
    }
  } catch (error) {
    const rest = error instanceof PresetError ? (showFieldError(form, "cron", error.message), "") : showApiError(form, error);
    if (rest) {
      fill(banner, rest);
      banner.hidden = false;
    }
  } finally {
    byId("submit").disabled = false;
  }
}

export function rememberedEmail() {
  return localStorage.getItem(EMAIL_KEY) || "";
}
