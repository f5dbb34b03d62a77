/**
 * What the server says about itself, shown on every view. Sandbox mode (SANDBOX=1): the platforms
 * are simulated, a banner says so, and a job's sheet opens in the sandbox's own spreadsheet viewer
 * rather than Google Sheets. Platform warnings (a retiring FACEBOOK_API_VERSION): the server
 * words them; they are shown as text, one paragraph each.
 */

import { getJSON } from "./api.js";
import { byId, fill, h } from "./dom.js";

export const server = { sandbox: false, sandbox_sheets_url: null, warnings: [] };

export async function loadServer() {
  Object.assign(server, await getJSON("/server"));
  byId("sandbox-banner").hidden = !server.sandbox;
  const warnings = byId("platform-warnings");
  fill(warnings, server.warnings.map((text) => h("p", {}, text)));
  warnings.hidden = server.warnings.length === 0;
}

/** The viewer's page for a sandbox job's tab; null outside the sandbox or for file jobs. */
export function sandboxSheetHref(job) {
  if (!server.sandbox || job.destination !== "sheets" || !job.spreadsheet_id) return null;
  return `${server.sandbox_sheets_url}/${encodeURIComponent(job.spreadsheet_id)}?tab=${encodeURIComponent(job.sheet_name)}`;
}
