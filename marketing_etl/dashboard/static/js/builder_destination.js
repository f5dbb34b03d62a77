/**
 * Step 7: where the rows go. A pasted spreadsheet URL is reduced to its id here too (the server
 * does the same), "Check access" asks the server to open the sheet with its service account,
 * and when the sheet is not shared it says with whom to share it, with a Copy button.
 */

import { describeError, postJSON } from "./api.js";
import { byId, fill } from "./dom.js";

const SPREADSHEET_URL = /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/;

/** The id inside a Google Sheets URL, or the text itself (trimmed). */
export function spreadsheetId(text) {
  const value = String(text || "").trim();
  const found = SPREADSHEET_URL.exec(value);
  return found ? found[1] : value;
}

export function destination() {
  return byId("builder").querySelector('input[name="destination"]:checked').value;
}

function render() {
  const sheets = destination() === "sheets";
  byId("sheet-options").hidden = !sheets;
  byId("write-mode").hidden = !sheets;
  const id = spreadsheetId(byId("spreadsheet_id").value);
  fill(byId("spreadsheet-hint"), id && id !== byId("spreadsheet_id").value.trim() ? `Spreadsheet id: ${id}` : "");
}

function showAccess(answer) {
  const box = byId("access-result");
  box.hidden = false;
  box.className = `access ${answer.ok ? "ok" : "bad"}`;
  if (answer.ok) {
    const tabs = answer.tabs && answer.tabs.length ? ` Tabs: ${answer.tabs.join(", ")}.` : "";
    fill(byId("access-message"), `OK: the service account can open “${answer.title}”.${tabs}`);
    byId("share-row").hidden = true;
    return;
  }
  // The server usually words the fix itself; say it here only when it did not.
  const said = answer.client_email && (answer.message || "").includes(answer.client_email);
  const share = answer.client_email && !said ? `Share it with ${answer.client_email} as Editor.` : "";
  fill(byId("access-message"), [answer.message, share].filter(Boolean).join(" "));
  byId("share-email").value = answer.client_email || "";
  byId("share-row").hidden = !answer.client_email;
  fill(byId("copy-state"));
}

async function checkAccess() {
  const button = byId("check-access");
  button.disabled = true;
  try {
    showAccess(await postJSON("/sheets/check-access", { spreadsheet: byId("spreadsheet_id").value }));
  } catch (error) {
    showAccess({ ok: false, message: describeError(error), client_email: null });
  } finally {
    button.disabled = false;
  }
}

async function copyEmail() {
  const field = byId("share-email");
  try {
    await navigator.clipboard.writeText(field.value);
    fill(byId("copy-state"), "Copied.");
  } catch {
    // No clipboard permission (plain http, an old browser): leave it selected to copy by hand.
    field.focus();
    field.select();
    fill(byId("copy-state"), "Selected: press Ctrl+C (⌘C) to copy.");
  }
}

/** The destination part of the create-job body. */
export function destinationBody() {
  const dest = destination();
  const sheets = dest === "sheets";
  return {
    destination: dest,
    spreadsheet_id: sheets ? spreadsheetId(byId("spreadsheet_id").value) || null : null,
    sheet_name: byId("sheet_name").value.trim(),
    is_overwrite: sheets ? byId("builder").querySelector('input[name="write_mode"]:checked').value === "overwrite" : false,
  };
}

export function setDestination(job) {
  const form = byId("builder");
  form.querySelector(`input[name="destination"][value="${job.destination || "sheets"}"]`).checked = true;
  byId("spreadsheet_id").value = job.spreadsheet_id || "";
  byId("sheet_name").value = job.sheet_name || "";
  form.querySelector(`input[name="write_mode"][value="${job.is_overwrite === false ? "append" : "overwrite"}"]`).checked = true;
  render();
}

export function initDestination() {
  for (const radio of byId("builder").querySelectorAll('input[name="destination"]')) radio.addEventListener("change", render);
  byId("spreadsheet_id").addEventListener("input", () => {
    byId("access-result").hidden = true;
    render();
  });
  byId("check-access").addEventListener("click", checkAccess);
  byId("copy-email").addEventListener("click", copyEmail);
  render();
}
