/**
 * Sandbox mode (SANDBOX=1): the platforms are simulated. Every view shows a banner saying so,
 * and a job's sheet opens in the sandbox's own spreadsheet viewer rather than Google Sheets.
 */

import { getJSON } from "./api.js";
import { byId } from "./dom.js";

export const server = { sandbox: false, sandbox_sheets_url: null };

export async function loadServer() {
  Object.assign(server, await getJSON("/server"));
  byId("sandbox-banner").hidden = !server.sandbox;
}

/** The viewer's page for a sandbox job's tab; null outside the sandbox or for file jobs. */
export function sandboxSheetHref(job) {
  if (!server.sandbox || job.destination !== "sheets" || !job.spreadsheet_id) return null;
  return `${server.sandbox_sheets_url}/${encodeURIComponent(job.spreadsheet_id)}?tab=${encodeURIComponent(job.sheet_name)}`;
}
