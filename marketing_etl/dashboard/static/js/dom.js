/**
 * Building DOM nodes safely, and formatting numbers and times.
 *
 * Every string that reaches the page goes through a text node (`h` children, `text`), never
 * through innerHTML: sheet names, emails, messages and log lines are user data and must show
 * literally. Links to data-supplied URLs go through `safeHref`, which only lets http(s) through.
 */

/** h("td", {class: "x", title: "..."}, "text", node, ...) */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's content with the given children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing element #${id}`);
  return node;
}

/** The URL if it is http(s) (absolute or relative to this page), else null. */
export function safeHref(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

export function jobHref(jobId) {
  return `/dashboard/jobs/${encodeURIComponent(jobId)}`;
}

const numberFormat = new Intl.NumberFormat();

export function fmtNumber(value) {
  return value === null || value === undefined ? "–" : numberFormat.format(value);
}

export function fmtPct(value, digits = 1) {
  return value === null || value === undefined ? "–" : `${Number(value).toFixed(digits)} %`;
}

export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Local time, to the minute (or second), with the UTC instant left for a tooltip. */
export function fmtTime(iso, withSeconds = false) {
  if (!iso) return "–";
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return withSeconds ? `${day} ${time}:${pad(date.getSeconds())}` : `${day} ${time}`;
}

export function statusBadge(status) {
  return h("span", { class: `badge ${status}` }, status);
}

/** A definition table: rows of [label, value-or-node]. */
export function fillPairs(table, pairs) {
  fill(table, h("tbody", {}, pairs.map(([label, value]) => h("tr", {}, h("th", {}, label), h("td", {}, value ?? "–")))));
}
