/**
 * The job page's "Totals check" panel: per account and metric, the platform's own total, the
 * sum of the job's rows, the difference, and whether it is within tolerance (✓ / ⚠, in words
 * too). Hidden while the job has no check (still running, TOTALS_CHECK=0, or a source without
 * totals). Text nodes only.
 */
import { getJSON, jobPath } from "./api.js";
import { byId, fill, h } from "./dom.js";

const OUTCOMES = {
  match: "✓ every total matches",
  mismatch: "⚠ some totals differ",
  skipped: "nothing to compare",
};

export async function renderTotals(jobId) {
  const check = await getJSON(jobPath(jobId, "/totals-check"));
  const panel = byId("totals-panel");
  panel.hidden = !check;
  if (!check) return;
  const outcome = fill(byId("totals-outcome"), OUTCOMES[check.outcome] || check.outcome);
  outcome.className = `totals-${check.outcome}`;
  fill(byId("totals-notes"), check.notes.join(" "));
  fill(
    byId("totals-table"),
    h("caption", { class: "muted" }, "Sums of the report's rows against the platform's account totals"),
    h(
      "thead",
      {},
      h("tr", {}, ...["Account", "Metric", "Platform total", "Report total", "Difference", "Result"].map((t) => h("th", { scope: "col" }, t))),
    ),
    h("tbody", {}, ...check.comparisons.map(row)),
  );
}

function row(c) {
  const same = c.platform_total === c.report_total || Number(c.difference) === 0;
  let result = "✓ matches";
  if (!c.matches) result = "⚠ differs";
  else if (!same) result = "✓ within tolerance";
  if (c.note) result = "✓ explained";
  return h(
    "tr",
    { class: c.matches ? null : "totals-differs" },
    h("th", { scope: "row" }, c.account),
    h("td", {}, c.metric),
    h("td", { class: "num" }, c.platform_total),
    h("td", { class: "num" }, c.report_total),
    h("td", { class: "num" }, c.difference),
    h("td", { title: c.note || null }, result, c.note ? h("span", { class: "muted" }, ` (${c.note})`) : null),
  );
}
