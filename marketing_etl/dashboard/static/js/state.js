/**
 * What the user is looking at: tab, time range, the jobs table's filters, sort and page, and
 * how often the view refreshes itself (refresh_s, 30 s unless the URL says otherwise).
 *
 * Kept in the page's query string (replaceState, no reload), so a refresh, the back button
 * after opening a job, or a shared link all return to the same place.
 */

const DEFAULTS = {
  tab: "overview",
  time_range: "7d",
  q: "",
  status: "",
  task_type: "",
  template_name: "",
  user_email: "",
  sort: "-created_at",
  page: 1,
  page_size: 50,
  refresh_s: 30,
};
const TABS = ["overview", "facebook", "tiktok"];
const RANGES = ["24h", "7d", "30d", "all"];

export const state = { ...DEFAULTS };

export function loadState() {
  const params = new URLSearchParams(window.location.search);
  for (const key of Object.keys(DEFAULTS)) {
    if (params.has(key)) state[key] = params.get(key);
  }
  if (!TABS.includes(state.tab)) state.tab = DEFAULTS.tab;
  if (!RANGES.includes(state.time_range)) state.time_range = DEFAULTS.time_range;
  state.page = Math.max(1, parseInt(state.page, 10) || 1);
  state.page_size = Math.min(500, Math.max(1, parseInt(state.page_size, 10) || DEFAULTS.page_size));
  state.refresh_s = Math.min(3600, Math.max(1, parseInt(state.refresh_s, 10) || DEFAULTS.refresh_s));
}

/** Write the non-default parts to the URL of an overview page. */
export function saveState() {
  if (!window.location.pathname.replace(/\/$/, "").endsWith("/dashboard")) return;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (String(value) !== String(DEFAULTS[key])) params.set(key, String(value));
  }
  const search = params.toString();
  window.history.replaceState(null, "", `/dashboard${search ? `?${search}` : ""}`);
}

/** The /api/dashboard query for the jobs table. */
export function jobsQuery() {
  const { time_range, q, status, task_type, template_name, user_email, sort, page, page_size } = state;
  return { time_range, q, status, task_type, template_name, user_email, sort, page, page_size };
}
