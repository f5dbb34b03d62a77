/**
 * A job's own page (/dashboard/jobs/{id}): parameters (the token is never sent by the server),
 * status, progress with message and ETA, result link, API usage, the live log, and Cancel /
 * Retry, which post to /api/dashboard/jobs/{id}/cancel|retry (same rules as /reports/*, behind
 * the dashboard login, so no API key is needed in the browser).
 */

import { describeError, getJSON, jobPath, postJSON } from "./api.js";
import { byId, fill, fillPairs, fmtDuration, fmtNumber, fmtTime, h, safeHref, statusBadge } from "./dom.js";
import { LogStream } from "./log_stream.js";
import { sandboxSheetHref } from "./sandbox.js";
import { renderNotifications } from "./notifications.js";
import { renderTotals } from "./totals_check.js";
import { initUsageCharts, renderUsage } from "./usage_charts.js";

let jobId = null;
let detail = null;
let stream = null;

export function jobIdFromPath() {
  const match = window.location.pathname.match(/^\/dashboard\/jobs\/([^/]+)\/?$/);
  return match ? decodeURIComponent(match[1]) : null;
}

export async function openJob(id) {
  jobId = id;
  document.title = `Job ${id} · Marketing ETL`;
  fill(byId("job-id"), id);
  byId("log-download").href = `/api/dashboard${jobPath(id, "/log.txt")}`;
  byId("copy-job").href = `/dashboard/new?from=${encodeURIComponent(id)}`;
  byId("cancel-job").addEventListener("click", cancel);
  byId("retry-job").addEventListener("click", () => retry(null));
  const form = byId("retry-token");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    retry(form.elements.access_token.value.trim());
  });
  form.querySelector("[data-close]").addEventListener("click", () => (form.hidden = true));
  initUsageCharts();
  stream = new LogStream(id, { onJob: applyState, onEnd: () => refreshJob() });
  await refreshJob();
  stream.open();
}

export async function refreshJob() {
  const [fresh, usage] = await Promise.all([getJSON(jobPath(jobId)), getJSON(jobPath(jobId, "/api-usage"))]);
  detail = fresh;
  renderDetail();
  renderUsage(usage);
  await renderTotals(jobId);
  await renderNotifications(jobId);
}

function renderDetail() {
  const job = detail.job;
  fill(byId("job-status"), job.status).className = `badge ${job.status}`;
  fill(byId("job-attempt"), `attempt ${job.attempt}`);
  byId("cancel-job").hidden = !detail.can_cancel;
  byId("retry-job").hidden = !detail.can_retry;
  applyState({ ...job, eta_s: detail.eta_s });
  renderResult(job);
  // Fields the job does not use (a store for a Facebook job, say) are left out.
  fillPairs(byId("job-params"), params(job).filter(([, value]) => value !== null && value !== undefined));
}

/** Status and progress, from the detail or from the log stream's `job` events. */
function applyState(s) {
  const status = byId("job-status");
  const changed = status.textContent !== s.status;
  fill(status, s.status).className = `badge ${s.status}`;
  byId("job-progress").value = s.progress;
  fill(byId("job-percent"), `${s.progress} %`);
  fill(byId("job-message"), s.message);
  fill(byId("job-eta"), s.eta_s !== null && s.eta_s !== undefined ? `About ${fmtDuration(s.eta_s)} left` : "");
  if (detail && changed) {
    // A new status changes which buttons apply and what the result is: ask the server.
    refreshJob().catch(showError);
  }
}

function renderResult(job) {
  // Files are fetched through the dashboard's own route: /reports/* may need an API key.
  const fileHref =
    job.destination === "sheets" || !job.destination_url ? null : `/api/dashboard${jobPath(job.job_id, "/download")}`;
  const href = fileHref || sandboxSheetHref(job) || safeHref(job.destination_url);
  const rows = `${fmtNumber(job.rows_written)} rows written`;
  if (!href && !job.destination_url) fill(byId("job-result"), rows);
  else if (href) fill(byId("job-result"), `${rows} · `, h("a", { href, target: "_blank", rel: "noopener noreferrer", id: "job-link" }, job.destination === "sheets" ? "Open the sheet" : "Download the file"));
  else fill(byId("job-result"), `${rows} · ${job.destination_url}`);
}

function params(job) {
  const accounts = job.accounts.map((a) => (a.name ? `${a.id} (${a.name})` : a.id)).join(", ");
  return [
    ["Task type", job.task_type],
    ["Template", job.template_name],
    ["User", job.user_email],
    ["Dates", `${job.start_date} → ${job.end_date}`],
    ["Accounts", accounts || null],
    ["Advertiser", job.advertiser_id ? `${job.advertiser_id}${job.advertiser_name ? ` (${job.advertiser_name})` : ""}` : null],
    ["Store", job.store_id ? `${job.store_id}${job.store_name ? ` (${job.store_name})` : ""}` : null],
    ["Destination", job.destination],
    ["Spreadsheet", job.spreadsheet_id],
    ["Sheet name", job.sheet_name],
    ["Overwrite", job.is_overwrite ? "yes" : "no"],
    ["Selected fields", job.selected_fields.length ? job.selected_fields.join(", ") : null],
    ["Task id", job.task_id],
    ["Created", fmtTime(job.created_at, true)],
    ["Started", fmtTime(job.started_at, true)],
    ["Finished", fmtTime(job.finished_at, true)],
    ["Duration", fmtDuration(job.duration_s)],
  ];
}

async function cancel() {
  await act(() => postJSON(jobPath(jobId, "/cancel")));
}

async function retry(token) {
  const form = byId("retry-token");
  if (token === null && detail && !detail.token_stored && !detail.uses_connection) {
    form.hidden = false;
    form.elements.access_token.focus();
    return;
  }
  const ok = await act(() => postJSON(jobPath(jobId, "/retry"), token ? { access_token: token } : undefined));
  if (ok) {
    form.hidden = true;
    form.reset();
    // The earlier stream ended with the previous attempt; follow the new one.
    stream.open();
  }
}

async function act(call) {
  const banner = byId("action-result");
  for (const button of [byId("cancel-job"), byId("retry-job")]) button.disabled = true;
  try {
    const result = await call();
    banner.className = "banner ok";
    fill(banner, result.message);
    banner.hidden = false;
    await refreshJob();
    return true;
  } catch (error) {
    if (error.status === 422 && JSON.stringify(error.detail).includes("access_token")) byId("retry-token").hidden = false;
    showError(error);
    return false;
  } finally {
    for (const button of [byId("cancel-job"), byId("retry-job")]) button.disabled = false;
  }
}

function showError(error) {
  const banner = byId("action-result");
  banner.className = "banner error";
  fill(banner, describeError(error));
  banner.hidden = false;
}
