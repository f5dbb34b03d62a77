/**
 * The report builder (/dashboard/new): platform → connection → accounts (or advertiser and
 * store) → template and fields → dates → destination → currency → Run now or Schedule.
 *
 * /dashboard/new?from=<job_id> opens it filled with that job's parameters ("Run again with
 * changes"; the token is never copied, the job's connection is picked when it had one), and
 * /dashboard/new?schedule=<id> edits a schedule.
 */

import { describeError, getJSON, jobPath } from "./api.js";
import { initAccounts, loadAccounts, loadAdvertisers, loadConnections, setPicked, showConnections } from "./builder_accounts.js";
import { initDates, setDates } from "./builder_dates.js";
import { initDestination, setDestination } from "./builder_destination.js";
import { initFields, loadTemplates, showTemplate } from "./builder_fields.js";
import { initSchedule, setSchedule } from "./builder_schedule.js";
import { editing, platform, rememberedEmail, submit } from "./builder_submit.js";
import { byId, fill } from "./dom.js";
import { loadServer } from "./sandbox.js";

function showError(error) {
  const banner = byId("builder-error");
  fill(banner, describeError(error));
  banner.hidden = false;
}

/** Show the steps of the chosen platform and load what its connection can read. */
async function showPlatform(wanted = {}) {
  const tiktok = platform() === "tiktok";
  byId("step-accounts").hidden = tiktok;
  byId("step-template").hidden = tiktok;
  byId("step-fields").hidden = tiktok;
  byId("step-advertiser").hidden = !tiktok;
  byId("step-tiktok-report").hidden = !tiktok;
  showConnections(platform(), wanted.connection_id);
  await loadTarget(wanted);
}

async function loadTarget(wanted = {}) {
  if (platform() === "tiktok") await loadAdvertisers(wanted);
  else await loadAccounts();
}

function setPlatform(name) {
  byId("builder").querySelector(`input[name="platform"][value="${name}"]`).checked = true;
}

/** Fill the form from a create-job body (a finished job's report, or a schedule's job). */
async function prefill(job) {
  const tiktok = Boolean(job.advertiser_id) || !String(job.task_type).startsWith("facebook");
  setPlatform(tiktok ? "tiktok" : "facebook");
  if (tiktok) byId("tiktok-task").value = job.task_type;
  else {
    setPicked(job.accounts || []);
    showTemplate(job.template_name, job.selected_fields);
  }
  setDestination(job);
  byId("user_email").value = job.user_email || rememberedEmail();
  byId("target_currency").value = job.target_currency || "";
  byId("fx_rates").value = Object.entries(job.fx_rates || {}).map(([pair, rate]) => `${pair} ${rate}`).join("\n");
  await showPlatform(job);
}

async function fromJob(jobId) {
  const { job } = await getJSON(jobPath(jobId));
  fill(byId("builder-title"), "Run again with changes");
  fill(byId("builder-origin"), `A copy of job ${jobId}. ${job.connection_id ? "" : "Pick a connection: the job's token is not copied."}`);
  setDates("custom", job.start_date, job.end_date);
  await prefill(job);
}

async function fromSchedule(scheduleId) {
  const schedule = await getJSON(`/schedules/${encodeURIComponent(scheduleId)}`);
  editing.scheduleId = scheduleId;
  fill(byId("builder-title"), `Edit schedule ${schedule.name}`);
  setDates(schedule.date_range);
  setSchedule(schedule);
  await prefill(schedule.job);
}

async function start() {
  initAccounts(showError);
  initFields();
  initDates();
  initDestination();
  initSchedule();
  byId("user_email").value = rememberedEmail();
  for (const radio of byId("builder").querySelectorAll('input[name="platform"]')) {
    radio.addEventListener("change", () => showPlatform().catch(showError));
  }
  byId("connection_id").addEventListener("change", () => loadTarget().catch(showError));
  byId("builder").addEventListener("submit", submit);
  await Promise.all([loadServer(), loadConnections(), loadTemplates()]);
  showTemplate();
  const params = new URLSearchParams(window.location.search);
  if (params.get("from")) await fromJob(params.get("from"));
  else if (params.get("schedule")) await fromSchedule(params.get("schedule"));
  else await showPlatform();
  byId("builder").dataset.ready = "true";
}

start().catch(showError);
