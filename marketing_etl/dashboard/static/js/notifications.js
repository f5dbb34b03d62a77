/**
 * Notifications on the dashboard. The job page's "Notifications" panel: each notification sent
 * about the job, per channel, its state and every delivery attempt with the channel's answer
 * (hidden while there are none). The overview's banner: channels whose latest delivery failed
 * after every retry. Channel names and answers only (the server never sends a secret); text
 * nodes only.
 */
import { getJSON, jobPath } from "./api.js";
import { byId, fill, fmtTime, h } from "./dom.js";

const STATES = { pending: "⏳ retrying", sent: "✓ sent", failed: "⚠ failed" };

export async function renderNotifications(jobId) {
  const found = await getJSON(jobPath(jobId, "/notifications"));
  const panel = byId("notifications-panel");
  panel.hidden = found.notifications.length === 0;
  if (panel.hidden) return;
  fill(
    byId("notifications-table"),
    h("thead", {}, h("tr", {}, ...["Event", "Channel", "State", "Attempts"].map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...found.notifications.map(row)),
  );
}

function row(n) {
  const next = n.state === "pending" && n.next_attempt_at ? ` (next try ${fmtTime(n.next_attempt_at)})` : "";
  return h(
    "tr",
    { class: n.state === "failed" ? "notify-failed" : null },
    h("th", { scope: "row", title: n.event }, n.title),
    h("td", {}, n.channel),
    h("td", { class: `notify-state notify-${n.state}` }, (STATES[n.state] || n.state) + next),
    h("td", {}, h("ol", { class: "attempts" }, ...n.attempts.map(attempt))),
  );
}

function attempt(a) {
  return h("li", { class: a.ok ? null : "attempt-failed" }, `${fmtTime(a.at, true)} — ${a.ok ? "ok" : "failed"}: ${a.detail}`);
}

export async function renderBrokenChannels() {
  const found = await getJSON("/notifications/channels");
  const banner = byId("notify-broken");
  const broken = found.channels.filter((c) => c.broken);
  banner.hidden = broken.length === 0;
  fill(
    banner,
    broken.map((c) =>
      h("p", {}, `Notification channel "${c.channel}" is broken: its latest ${c.last_event} notification failed after every retry (${c.last_detail}).`),
    ),
  );
}
