/**
 * The jobs table: server-side search, filters, sort and pagination over GET /api/dashboard.
 *
 * The table only ever holds one page. A refresh re-asks for the same page with the same
 * filters, and replaces the rows in place, so the user keeps their place.
 *
 * Previous / Next send the answer's prev_cursor / next_cursor: the server reads the page from a
 * job's position (keyset), so page 1,000 comes as fast as page 1, and a refresh re-reads from
 * the same position. Only the page number is kept in the address bar: a reload or a shared
 * link asks for that page by number instead, which still works, just slower far in. Past
 * 10,000 jobs the server stops counting and the table says "10,000+".
 */

import { getJSON } from "./api.js";
import { byId, fill, fmtDuration, fmtNumber, fmtTime, h, jobHref, statusBadge } from "./dom.js";
import { sandboxSheetHref } from "./sandbox.js";
import { jobsQuery, saveState, state } from "./state.js";

let onError = () => {};
let searchTimer = null;
let latestRequest = 0;
// The cursor that read the page on screen, valid for the same question and page number.
let position = null;
// The last answer's cursors, and the question they belong to.
let links = { question: null, next: null, prev: null };

export function initJobsTable(reportError) {
  onError = reportError;
  const form = byId("job-filters");
  for (const name of ["q", "status", "task_type", "template_name"]) form.elements[name].value = state[name];
  byId("page-size").value = String(state.page_size);

  form.addEventListener("submit", (event) => event.preventDefault());
  form.elements.q.addEventListener("input", () => {
    // Search as the user types, but not on every keystroke.
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setFilter("q", form.elements.q.value.trim()), 300);
  });
  for (const name of ["status", "task_type", "template_name"]) {
    form.elements[name].addEventListener("change", () => setFilter(name, form.elements[name].value));
  }
  form.querySelector(".chip-clear").addEventListener("click", () => setFilter("user_email", ""));

  for (const th of byId("jobs-table").querySelectorAll("th[data-sort]")) {
    th.addEventListener("click", () => {
      const field = th.dataset.sort;
      state.sort = state.sort === `-${field}` ? field : `-${field}`;
      state.page = 1;
      changed();
    });
  }
  for (const button of document.querySelectorAll(".pager button[data-page]")) {
    button.addEventListener("click", () => turnPage(button.dataset.page));
  }
  byId("page-size").addEventListener("change", (event) => {
    state.page_size = parseInt(event.target.value, 10);
    state.page = 1;
    changed();
  });
}

/** Used by the top-users lists too: filter the table to one user (and maybe one status). */
export function setFilter(name, value, extra = {}) {
  const form = byId("job-filters");
  // What is typed in the search box counts even if its pause has not elapsed yet.
  clearTimeout(searchTimer);
  state.q = form.elements.q.value.trim();
  state[name] = value;
  Object.assign(state, extra);
  state.page = 1;
  for (const key of ["status", "task_type", "template_name"]) form.elements[key].value = state[key];
  changed();
}

function changed() {
  saveState();
  refreshJobs().catch(onError);
}

/** Everything the list depends on but the page: filters, sort, page size, time range. */
function question() {
  const { page, ...rest } = jobsQuery();
  return JSON.stringify(rest);
}

function turnPage(direction) {
  const cursor = direction === "next" ? links.next : links.prev;
  state.page = Math.max(1, state.page + (direction === "next" ? 1 : -1));
  // Without a cursor for this very list (none came yet), the page number asks the same thing.
  position = cursor && links.question === question() ? { question: question(), page: state.page, cursor } : null;
  changed();
}

export async function refreshJobs() {
  const request = ++latestRequest;
  const asked = question();
  const params = jobsQuery();
  // Filters, sort or time range changed since (they set page 1): the cursor no longer applies.
  if (position && position.question === asked && position.page === state.page) params.cursor = position.cursor;
  const data = await getJSON("", params);
  // Answers can arrive out of order; only the latest question's answer may be shown.
  if (request !== latestRequest) return data;
  if (data.page !== state.page) {
    // Going back reached the start sooner than counted (jobs were deleted meanwhile).
    state.page = data.page;
    saveState();
  }
  links = { question: asked, next: data.next_cursor, prev: data.prev_cursor };
  position = params.cursor && data.prev_cursor ? { question: asked, page: data.page, cursor: params.cursor } : null;
  renderUserChip();
  renderSort();
  renderPager(data);
  const body = byId("jobs-table").querySelector("tbody");
  if (!data.jobs.length) {
    fill(body, h("tr", {}, h("td", { colspan: 11, class: "muted" }, "No jobs match.")));
    return data;
  }
  fill(body, data.jobs.map(row));
  return data;
}

function row(job) {
  return h(
    "tr",
    { dataset: { jobId: job.job_id } },
    h("td", {}, h("a", { href: jobHref(job.job_id), class: "job-link" }, job.job_id)),
    h("td", {}, job.task_type),
    h("td", {}, job.template_name || "–"),
    h("td", {}, job.user_email),
    h("td", { class: "sheet" }, sheetCell(job)),
    h("td", {}, statusBadge(job.status)),
    h("td", { title: job.created_at }, fmtTime(job.created_at)),
    h("td", { title: job.finished_at || "" }, fmtTime(job.finished_at)),
    h("td", {}, fmtDuration(job.duration_s)),
    h("td", {}, fmtNumber(job.rows_written)),
    h("td", { class: "message" }, job.status === "RUNNING" ? `${job.progress} % · ${job.message}` : job.message),
  );
}

function sheetCell(job) {
  const href = sandboxSheetHref(job);
  return href ? h("a", { href, class: "sheet-link" }, job.sheet_name) : job.sheet_name;
}

function renderUserChip() {
  const chip = byId("user-filter");
  chip.hidden = !state.user_email;
  fill(chip.querySelector(".chip-label"), `User: ${state.user_email}`);
}

function renderPager(data) {
  const pages = Math.max(1, Math.ceil(data.total / data.page_size));
  const total = fmtNumber(data.total);
  // Past the count's cap the server says how many it counted, and that there are more.
  const info = data.total_capped
    ? `Page ${data.page} of ${fmtNumber(Math.max(pages, data.page))}+ · ${total}+ jobs`
    : `Page ${data.page} of ${pages} · ${total} jobs`;
  fill(byId("page-info"), info);
  document.querySelector('.pager [data-page="prev"]').disabled = !data.prev_cursor && data.page <= 1;
  document.querySelector('.pager [data-page="next"]').disabled = !data.next_cursor;
}

function renderSort() {
  const field = state.sort.replace(/^-/, "");
  for (const th of byId("jobs-table").querySelectorAll("th[data-sort]")) {
    th.classList.toggle("sorted-asc", th.dataset.sort === field && !state.sort.startsWith("-"));
    th.classList.toggle("sorted-desc", th.dataset.sort === field && state.sort.startsWith("-"));
  }
}

/** Offer the templates seen in the time range, keeping the current choice even if unseen. */
export function setTemplateOptions(counts) {
  const select = byId("job-filters").elements.template_name;
  const names = Object.keys(counts).sort();
  if (state.template_name && !names.includes(state.template_name)) names.unshift(state.template_name);
  fill(select, h("option", { value: "" }, "Any template"), names.map((name) => h("option", { value: name }, name)));
  select.value = state.template_name;
}
