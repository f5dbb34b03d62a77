/**
 * The Facebook and TikTok tabs (GET /api/dashboard/facebook, /api/dashboard/tiktok).
 *
 * Facebook: calls bucketed by their highest usage figure, which the server reads as the
 * percentage the source recorded (Safe < 75 %, Warning 75-95 %, Critical > 95 %; never x100,
 * the original's bug), total rate-limit wait, template mix, statuses, calls over time.
 * TikTok: product / creative mix, statuses, API totals and timeline per endpoint, and today's
 * report calls against the daily quota (TIKTOK_MAX_CALLS_PER_DAY).
 */

import { getJSON } from "./api.js";
import { STATUS_COLORS, bars, lines, pie } from "./charts.js";
import { byId, fill, fmtDuration, fmtNumber, h } from "./dom.js";
import { bucketLabels, card, jobCards, timelineSeries } from "./overview.js";
import { state } from "./state.js";

const LOAD_COLORS = ["#1f9d55", "#d98e04", "#d64545", "#8a94a6"];

export async function refreshFacebook() {
  const data = await getJSON("/facebook", { time_range: state.time_range });
  const b = data.usage_buckets;
  fill(
    byId("facebook-cards"),
    jobCards(data.jobs),
    card("API calls", fmtNumber(data.api_calls)),
    card("Critical calls (> 95 %)", fmtNumber(b.critical)),
    card("Rate-limit wait", fmtDuration(data.total_wait_s)),
    card("Longest time to regain access", data.max_regain_min === null ? "–" : `${data.max_regain_min} min`),
  );
  bars(
    byId("chart-fb-load"),
    ["Safe (< 75 %)", "Warning (75–95 %)", "Critical (> 95 %)", "No usage reported"],
    [b.safe, b.warning, b.critical, b.unknown],
    { colors: LOAD_COLORS, label: "calls" },
  );
  const templates = data.jobs.counts_by_template;
  pie(byId("chart-fb-templates"), Object.keys(templates).length ? templates : { "(none)": 0 }, { type: "pie" });
  pie(byId("chart-fb-status"), data.jobs.counts_by_status, { colors: STATUS_COLORS });
  lines(byId("chart-fb-timeline"), bucketLabels(data.api_timeline), timelineSeries(data.api_timeline, false), {
    yTitle: "calls",
  });
}

export async function refreshTikTok() {
  const data = await getJSON("/tiktok", { time_range: state.time_range });
  const totalCalls = Object.values(data.api_totals).reduce((a, b) => a + b, 0);
  const quota = data.report_quota;
  fill(
    byId("tiktok-cards"),
    jobCards(data.jobs),
    card("API calls", fmtNumber(totalCalls)),
    card("Report calls today (UTC)", `${fmtNumber(quota.used)} / ${fmtNumber(quota.limit)}`),
  );
  pie(byId("chart-tt-types"), data.jobs.counts_by_task_type, { type: "pie" });
  pie(byId("chart-tt-status"), data.jobs.counts_by_status, { colors: STATUS_COLORS });
  const entries = Object.entries(data.api_totals);
  fill(
    byId("tt-api-totals"),
    h("thead", {}, h("tr", {}, h("th", {}, "Endpoint"), h("th", {}, "Calls"))),
    h(
      "tbody",
      {},
      entries.length
        ? entries.map(([endpoint, count]) => h("tr", {}, h("td", {}, endpoint), h("td", {}, fmtNumber(count))))
        : h("tr", {}, h("td", { class: "muted", colspan: 2 }, "No TikTok API calls in this time range.")),
    ),
  );
  lines(byId("chart-tt-timeline"), bucketLabels(data.api_timeline), timelineSeries(data.api_timeline, false), {
    yTitle: "calls",
  });
}
