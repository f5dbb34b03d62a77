/**
 * A job's API usage: four charts over its calls and the involved-accounts table.
 * Data: GET /api/dashboard/jobs/{id}/api-usage, one point per call, oldest first.
 *
 * The server reads each figure from the call's recorded `usage` (ApiCall.usage) under these
 * keys, first present wins (the Facebook source's names first, then the raw header names),
 * and sends null when none is present. Values are percentages as recorded, never multiplied
 * by 100 (the original dashboard's bug 8):
 *   app_pct               app_usage_pct                      (X-App-Usage)
 *   insights_app_pct      insights_app_usage_pct | app_id_util_pct   (X-FB-Ads-Insights-Throttle)
 *   account_pct           account_usage_pct | acc_id_util_pct        (X-Ad-Account-Usage)
 *   insights_account_pct  insights_account_usage_pct | insights_usage_pct
 *   call_count_pct        buc_call_count_pct | call_count | buc_call_count   (X-Business-Use-Case-Usage)
 *   cputime_pct           buc_total_cputime_pct | total_cputime | buc_total_cputime
 *   time_pct              buc_total_time_pct | total_time | buc_total_time
 *   regain_min            estimated_time_to_regain_access_min | estimated_time_to_regain_access
 *                         | regain_access_min                (minutes)
 *   wait_s                wait_s | backoff_s                 (seconds slept for rate limits)
 *   tier                  ads_api_access_tier | access_tier
 *   account_id            account_id | ad_account_id         (bare digits shown as act_<digits>)
 * load_pct is the highest of the percentages. The charts draw the app, account and insights
 * figures and the BUC CPU / total time / call count with the 75 % (warning) and 95 %
 * (critical) lines, and regain_min; the account selector narrows them to one account's calls.
 */

import { lines } from "./charts.js";
import { byId, fill, fmtNumber, fmtPct, h } from "./dom.js";

let lastUsage = null;

export function initUsageCharts() {
  byId("usage-account").addEventListener("change", () => lastUsage && drawCharts(lastUsage));
}

export function renderUsage(usage) {
  lastUsage = usage;
  fill(byId("usage-count"), `(${fmtNumber(usage.calls)} calls${usage.calls > usage.points.length ? `, latest ${usage.points.length} drawn` : ""})`);
  renderAccountOptions(usage.accounts);
  renderAccountsTable(usage.accounts);
  drawCharts(usage);
}

function renderAccountOptions(accounts) {
  const select = byId("usage-account");
  const chosen = select.value;
  fill(
    select,
    h("option", { value: "" }, "All accounts"),
    accounts.map((a) => h("option", { value: a.account_id }, a.account_id)),
  );
  select.value = accounts.some((a) => a.account_id === chosen) ? chosen : "";
}

function renderAccountsTable(accounts) {
  const table = byId("job-accounts");
  if (!accounts.length) {
    fill(table, h("tbody", {}, h("tr", {}, h("td", { class: "muted" }, "No account-level usage was reported."))));
    return;
  }
  fill(
    table,
    h("thead", {}, h("tr", {}, ["Account", "Max account usage", "Max load", "Max time to regain access", "Access tier", "Calls"].map((t) => h("th", {}, t)))),
    h(
      "tbody",
      {},
      accounts.map((a) =>
        h(
          "tr",
          {},
          h("td", {}, a.account_id),
          h("td", {}, fmtPct(a.max_account_pct)),
          h("td", {}, fmtPct(a.max_load_pct)),
          h("td", { class: a.max_regain_min > 0 ? "bad" : "" }, a.max_regain_min === null ? "–" : `${a.max_regain_min} min`),
          h("td", {}, a.tier || "–"),
          h("td", {}, fmtNumber(a.calls)),
        ),
      ),
    ),
  );
}

function drawCharts(usage) {
  const account = byId("usage-account").value;
  const points = account ? usage.points.filter((p) => p.account_id === account) : usage.points;
  const labels = points.map((p) => p.ts.slice(11, 19));
  const limits = [
    { label: `Warning (${usage.warning_pct} %)`, value: usage.warning_pct, color: "#d98e04" },
    { label: `Critical (${usage.critical_pct} %)`, value: usage.critical_pct, color: "#d64545" },
  ];
  const pick = (field) => points.map((p) => p[field]);
  lines(
    byId("chart-usage-app"),
    labels,
    [
      { label: "App usage %", data: pick("app_pct") },
      { label: "Insights app usage %", data: pick("insights_app_pct") },
    ],
    { limits, yMax: 100 },
  );
  lines(
    byId("chart-usage-account"),
    labels,
    [
      { label: "Ad account usage %", data: pick("account_pct") },
      { label: "Insights account usage %", data: pick("insights_account_pct") },
    ],
    { limits, yMax: 100 },
  );
  lines(
    byId("chart-usage-time"),
    labels,
    [
      { label: "CPU time %", data: pick("cputime_pct") },
      { label: "Total time %", data: pick("time_pct") },
      { label: "Call count %", data: pick("call_count_pct") },
    ],
    { limits, yMax: 100 },
  );
  lines(byId("chart-usage-regain"), labels, [{ label: "Minutes to regain access", data: pick("regain_min"), color: "#7c4dcc" }], {
    yTitle: "minutes",
  });
}
