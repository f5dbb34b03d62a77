/**
 * The Overview tab: cards, jobs by status and task type, top users (clicking one filters the
 * jobs table to theirs), API calls per platform and endpoint over time, and the jobs table.
 * Data: GET /api/dashboard/summary (aggregates only) and GET /api/dashboard (one page of jobs).
 */

import { getJSON } from "./api.js";
import { STATUS_COLORS, bars, lines, pie } from "./charts.js";
import { byId, fill, fmtDuration, fmtNumber, fmtPct, fmtTime, h } from "./dom.js";
import { refreshJobs, setFilter, setTemplateOptions } from "./jobs_table.js";
import { renderBrokenChannels } from "./notifications.js";
import { state } from "./state.js";

export function card(label, value) {
  return h("div", { class: "card" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value));
}

export function jobCards(jobs) {
  return [
    card("Total jobs", fmtNumber(jobs.total)),
    card("Succeeded", fmtNumber(jobs.succeeded)),
    card("Success rate", fmtPct(jobs.success_rate_pct)),
    card("Distinct users", fmtNumber(jobs.distinct_users)),
    card("Average duration", fmtDuration(jobs.avg_duration_s)),
    card("Rows written", fmtNumber(jobs.rows_written)),
  ];
}

/** Labels for a call timeline: hours within a day or a week, dates beyond. */
export function bucketLabels(timeline) {
  return timeline.buckets.map((iso) => (timeline.bucket_s >= 86400 ? fmtTime(iso).slice(0, 10) : fmtTime(iso).slice(5)));
}

export function timelineSeries(timeline, withPlatform) {
  return timeline.series.map((s) => ({
    label: withPlatform ? `${s.platform} ${s.endpoint}` : s.endpoint,
    data: s.counts,
  }));
}

export async function refreshOverview() {
  const [summary] = await Promise.all([
    getJSON("/summary", { time_range: state.time_range }),
    refreshJobs(),
    renderBrokenChannels(),
  ]);
  const jobs = summary.jobs;
  fill(byId("overview-cards"), ...jobCards(jobs), card("Totals mismatches", fmtNumber(summary.totals_mismatches)));
  pie(byId("chart-status"), jobs.counts_by_status, { colors: STATUS_COLORS });
  pie(byId("chart-task-type"), jobs.counts_by_task_type, { type: "pie" });
  renderTopUsers(summary.top_users);
  renderFailedUsers(summary.top_failed_users);
  const calls = summary.api_calls;
  fill(byId("api-calls-bucket"), calls.bucket_s >= 86400 ? "(per day)" : "(per hour)");
  lines(byId("chart-api-calls"), bucketLabels(calls), timelineSeries(calls, true), { yTitle: "calls" });
  setTemplateOptions(jobs.counts_by_template);
}

function userButton(email, extra) {
  return h("button", { type: "button", class: "link user-link", title: "Show this user's jobs", onclick: () => {
    setFilter("user_email", email, extra);
    byId("jobs-panel").scrollIntoView({ behavior: "smooth", block: "start" });
  } }, email);
}

function renderTopUsers(users) {
  const top5 = users.slice(0, 5);
  // The original labelled bars by the part before "@"; the table below has the full address.
  bars(byId("chart-top-users"), top5.map((u) => u.user_email.split("@")[0]), top5.map((u) => u.count), {
    horizontal: true,
    label: "jobs",
  });
  fill(
    byId("top-users"),
    h("thead", {}, h("tr", {}, h("th", {}, "User"), h("th", {}, "Jobs"))),
    h("tbody", {}, users.map((u) => h("tr", {}, h("td", {}, userButton(u.user_email, { status: "" })), h("td", {}, fmtNumber(u.count))))),
  );
}

function renderFailedUsers(users) {
  const table = byId("top-failed-users");
  if (!users.length) {
    fill(table, h("tbody", {}, h("tr", {}, h("td", { class: "muted" }, "No failed jobs in this time range."))));
    return;
  }
  fill(
    table,
    h("thead", {}, h("tr", {}, h("th", {}, "User"), h("th", {}, "Failed jobs"))),
    h("tbody", {}, users.map((u) => h("tr", {}, h("td", {}, userButton(u.user_email, { status: "FAILED" })), h("td", {}, fmtNumber(u.count))))),
  );
}
