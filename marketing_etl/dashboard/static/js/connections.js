/**
 * The connections page (/dashboard/connections): save a platform access token under a name (it
 * is checked with the platform and never shown again), see each connection's owner, scopes,
 * expiry and last check, check it again, delete it (a second click confirms, no dialog).
 */

import { getJSON, postJSON, sendJSON } from "./api.js";
import { byId, fill, fmtTime, h } from "./dom.js";
import { clearErrors, showApiError } from "./form_errors.js";
import { loadServer } from "./sandbox.js";

function banner(id, text) {
  const node = byId(id);
  fill(node, text || "");
  node.hidden = !text;
}

export function expiryText(connection) {
  const days = connection.expires_in_days;
  if (days === null || days === undefined) return connection.expires_at ? fmtTime(connection.expires_at) : "never expires";
  if (days <= 0) return connection.expires_at && new Date(connection.expires_at) < new Date() ? "expired" : "expires today";
  return `expires in ${days} day${days === 1 ? "" : "s"}`;
}

function checkText(connection) {
  if (!connection.checked_at) return "not checked yet";
  const verdict = connection.check_ok ? "OK" : "failed";
  return `${fmtTime(connection.checked_at)} · ${verdict}${connection.check_message ? `: ${connection.check_message}` : ""}`;
}

function actions(connection) {
  const path = `/connections/${encodeURIComponent(connection.connection_id)}`;
  const check = h("button", { type: "button", "aria-label": `Check ${connection.name} now` }, "Check now");
  check.addEventListener("click", () => act(check, () => postJSON(`${path}/check`), `Checked ${connection.name}.`));
  const remove = h("button", { type: "button", class: "danger", "aria-label": `Delete ${connection.name}` }, "Delete");
  remove.addEventListener("click", () => {
    if (remove.dataset.confirm) return act(remove, () => sendJSON("DELETE", path), `Deleted ${connection.name}.`);
    remove.dataset.confirm = "1";
    fill(remove, "Click again to delete");
  });
  return h("div", { class: "row" }, check, remove);
}

function row(connection) {
  const expiry = expiryText(connection);
  const soon = connection.expires_in_days !== null && connection.expires_in_days !== undefined && connection.expires_in_days <= 7;
  return h(
    "tr",
    { dataset: { connectionId: connection.connection_id } },
    h("td", {}, connection.name),
    h("td", {}, connection.platform),
    h("td", {}, connection.owner_name ? `${connection.owner_name}${connection.owner_id ? ` (${connection.owner_id})` : ""}` : "–"),
    h("td", { class: "scopes" }, connection.scopes && connection.scopes.length ? connection.scopes.join(", ") : "–"),
    h("td", { class: soon ? "expiry bad" : "expiry" }, expiry),
    h("td", { class: connection.check_ok === false ? "bad" : "" }, checkText(connection)),
    h("td", {}, actions(connection)),
  );
}

async function refresh() {
  const { connections } = await getJSON("/connections");
  fill(byId("connections-table").querySelector("tbody"), connections.map(row));
  byId("connections-empty").hidden = connections.length > 0;
}

async function act(button, call, done) {
  button.disabled = true;
  banner("connections-error");
  try {
    await call();
    banner("connections-result", done);
    await refresh();
  } catch (error) {
    banner("connections-error", showApiError(byId("add-connection"), error));
    button.disabled = false;
  }
}

async function save(event) {
  event.preventDefault();
  const form = byId("add-connection");
  clearErrors(form);
  banner("connections-error");
  banner("connections-result");
  const body = { platform: byId("platform").value, name: byId("name").value.trim(), access_token: byId("access_token").value.trim() };
  byId("save-connection").disabled = true;
  try {
    const saved = await postJSON("/connections", body);
    form.reset();
    banner("connections-result", `Saved “${saved.name}”: ${expiryText(saved)}. The token will not be shown again.`);
    await refresh();
  } catch (error) {
    banner("connections-error", showApiError(form, error));
  } finally {
    // The token field is emptied either way: a refused token should not sit in the page.
    byId("access_token").value = "";
    byId("save-connection").disabled = false;
  }
}

async function start() {
  byId("add-connection").addEventListener("submit", save);
  await Promise.all([loadServer(), refresh()]);
}

start().catch((error) => banner("connections-error", showApiError(byId("add-connection"), error)));
