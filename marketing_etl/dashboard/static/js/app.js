/**
 * Entry point: picks the view from the URL (/dashboard?tab=... or /dashboard/jobs/{id}),
 * wires the time range, the tabs and the refresh, and re-fetches the visible view every
 * refresh_s seconds (30 by default; skipped while the browser tab is hidden; the live log
 * streams on its own).
 */

import { describeError } from "./api.js";
import { byId, fill, fmtTime } from "./dom.js";
import { jobIdFromPath, openJob, refreshJob } from "./job_detail.js";
import { initJobsTable } from "./jobs_table.js";
import { refreshOverview } from "./overview.js";
import { refreshFacebook, refreshTikTok } from "./platforms.js";
import { loadServer } from "./sandbox.js";
import { loadState, saveState, state } from "./state.js";

// A fast answer shows no spinner; only one the user would otherwise wonder about.
const SPINNER_DELAY_MS = 300;
// Marks when the first view is drawn, for the dashboard benchmark's render timing.
const FIRST_RENDER_MARK = "dashboard-first-render";
const VIEWS = { overview: refreshOverview, facebook: refreshFacebook, tiktok: refreshTikTok };

let jobId = null;
let busy = false;
let again = false;
let spinnerTimer = null;

function showError(error) {
  const banner = byId("error");
  if (error) {
    fill(banner, `Could not load the dashboard data: ${describeError(error)}`);
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
}

/** While a refresh is in flight the content is aria-busy, and a spinner shows once it is slow. */
function showBusy(on) {
  byId("content").setAttribute("aria-busy", String(on));
  clearTimeout(spinnerTimer);
  if (on) spinnerTimer = setTimeout(() => (byId("loading").hidden = false), SPINNER_DELAY_MS);
  else byId("loading").hidden = true;
}

/**
 * Re-fetch the visible view, one refresh at a time, so a slow server never gets a pile of
 * requests. What the user asks for during a refresh (a click, another tab, a new time range)
 * must not be lost: it runs once after it. An auto-refresh tick during one is dropped: the
 * next tick comes anyway.
 */
async function refresh({ queue = true } = {}) {
  if (busy) {
    again = again || queue;
    return;
  }
  busy = true;
  showBusy(true);
  try {
    do {
      again = false;
      try {
        await (jobId ? refreshJob() : VIEWS[state.tab]());
        showError(null);
        fill(byId("updated"), `Updated ${fmtTime(new Date().toISOString(), true).slice(11)}`);
        if (!performance.getEntriesByName(FIRST_RENDER_MARK).length) performance.mark(FIRST_RENDER_MARK);
      } catch (error) {
        showError(error);
      }
    } while (again);
  } finally {
    busy = false;
    showBusy(false);
  }
}

function showTab(tab) {
  state.tab = tab;
  for (const link of document.querySelectorAll(".tabs a")) link.classList.toggle("active", !jobId && link.dataset.tab === tab);
  for (const name of Object.keys(VIEWS)) byId(`view-${name}`).hidden = Boolean(jobId) || name !== tab;
}

function start() {
  loadState();
  jobId = jobIdFromPath();
  byId("time-range").value = state.time_range;
  byId("time-range").disabled = Boolean(jobId);
  byId("view-job").hidden = !jobId;
  showTab(state.tab);

  // Only the view tabs: Schedules and New report are pages of their own.
  for (const link of document.querySelectorAll(".tabs a[data-tab]")) {
    link.addEventListener("click", (event) => {
      if (jobId) return; // a real link back to the overview
      event.preventDefault();
      showTab(link.dataset.tab);
      saveState();
      refresh();
    });
  }
  byId("time-range").addEventListener("change", (event) => {
    state.time_range = event.target.value;
    state.page = 1;
    saveState();
    refresh();
  });
  byId("refresh").addEventListener("click", () => refresh());
  fill(byId("refresh-every"), `${state.refresh_s} s`);
  setInterval(() => {
    if (byId("auto-refresh").checked && !document.hidden) refresh({ queue: false });
  }, state.refresh_s * 1000);

  if (jobId) {
    byId("back-to-jobs").href = document.referrer.includes("/dashboard") && !document.referrer.includes("/dashboard/jobs/") ? document.referrer : "/dashboard";
  } else {
    initJobsTable(showError);
  }
  // Sandbox or not decides where sheet links go: known before the first rows are drawn.
  loadServer()
    .catch(showError)
    .finally(() => (jobId ? openJob(jobId).then(() => showError(null), showError) : refresh()));
}

start();
