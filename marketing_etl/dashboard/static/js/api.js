/**
 * The dashboard's calls to its server. Paths are relative to the page's origin (the original
 * hard-coded http://localhost:8011, which broke every other deployment). The browser re-sends
 * the dashboard login (HTTP Basic) by itself; actions add the X-Dashboard header the server
 * requires of them, which a cross-site form cannot send.
 */

export const API = "/api/dashboard";

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : `request failed (${status})`);
    this.status = status;
    this.detail = detail;
  }
}

function query(params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function parse(response) {
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && body.detail !== undefined ? body.detail : response.statusText;
    throw new ApiError(response.status, detail);
  }
  return body;
}

export async function getJSON(path, params) {
  const response = await fetch(`${API}${path}${query(params)}`, { headers: { Accept: "application/json" } });
  return parse(response);
}

export async function postJSON(path, body) {
  const response = await fetch(`${API}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-Dashboard": "1" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parse(response);
}

/** PUT or DELETE (or POST) with the dashboard action header. */
export async function sendJSON(method, path, body) {
  const response = await fetch(`${API}${path}`, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-Dashboard": "1" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.status === 204 ? null : parse(response);
}

export function jobPath(jobId, suffix = "") {
  return `/jobs/${encodeURIComponent(jobId)}${suffix}`;
}

/** A readable sentence from an error, including FastAPI's 422 list of field problems. */
export function describeError(error) {
  if (error instanceof ApiError && Array.isArray(error.detail)) {
    return error.detail.map((item) => item.msg).join("; ");
  }
  return error instanceof Error ? error.message : String(error);
}
