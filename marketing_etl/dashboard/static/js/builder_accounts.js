/**
 * Steps 2 and 3: the connection, then what it can read. Facebook: the ad accounts, searched on
 * the server and paged ("Show more"), with the picks kept across searches (a pick from an
 * earlier search stays picked and listed). TikTok: the advertisers and their GMV Max stores.
 */

import { getJSON } from "./api.js";
import { byId, fill, h } from "./dom.js";

const SEARCH_DELAY_MS = 250;
const PAGE_SIZE = 50;

export const picked = new Map(); // account_id -> name, in pick order
let connections = [];
let advertisers = [];
let next = null;
let searchTimer = null;
let loadSeq = 0;

function connectionPath(suffix) {
  return `/connections/${encodeURIComponent(byId("connection_id").value)}${suffix}`;
}

export async function loadConnections() {
  connections = (await getJSON("/connections")).connections;
}

/** Fill the connection list for a platform; keeps `wanted` selected when it is one of them. */
export function showConnections(platform, wanted) {
  const select = byId("connection_id");
  const mine = connections.filter((c) => c.platform === platform);
  fill(
    select,
    mine.length ? null : h("option", { value: "" }, `No ${platform} connection yet: add one first`),
    mine.map((c) => h("option", { value: c.connection_id }, `${c.name}${c.owner_name ? ` (${c.owner_name})` : ""}`)),
  );
  if (wanted && mine.some((c) => c.connection_id === wanted)) select.value = wanted;
}

function accountLabel(account) {
  const facts = [account.account_id, account.currency, account.timezone_name, account.status].filter(Boolean);
  return `${account.name || account.account_id} · ${facts.join(" · ")}`;
}

function accountItem(account) {
  const box = h("input", { type: "checkbox", value: account.account_id, checked: picked.has(account.account_id) });
  box.addEventListener("change", () => {
    if (box.checked) picked.set(account.account_id, account.name || "");
    else picked.delete(account.account_id);
    renderCount();
  });
  return h("li", {}, h("label", { class: "check" }, box, ` ${accountLabel(account)}`));
}

function renderCount() {
  const names = [...picked.entries()].map(([id, name]) => name || id);
  fill(byId("account-count"), names.length ? `${names.length} selected: ${names.join(", ")}` : "None selected yet.");
}

/** Fetch the first page for the search box's text, or the next page when `more`. */
export async function loadAccounts(more = false) {
  const list = byId("account-list");
  if (!byId("connection_id").value) {
    fill(list);
    byId("account-more").hidden = true;
    return;
  }
  const seq = ++loadSeq;
  const params = { q: byId("account-search").value.trim(), limit: PAGE_SIZE, after: more ? next : undefined };
  const page = await getJSON(connectionPath("/ad-accounts"), params);
  if (seq !== loadSeq) return; // a newer search answered first
  next = page.next;
  const items = page.accounts.map(accountItem);
  if (more) list.append(...items);
  else fill(list, items.length ? items : h("li", { class: "muted" }, "No account matches."));
  byId("account-more").hidden = !next;
  renderCount();
}

export async function loadAdvertisers(wanted = {}) {
  advertisers = byId("connection_id").value ? (await getJSON(connectionPath("/advertisers"))).advertisers : [];
  fill(
    byId("advertiser_id"),
    advertisers.map((a) => h("option", { value: a.advertiser_id }, `${a.name} (${a.advertiser_id}) · ${a.currency}`)),
  );
  if (wanted.advertiser_id) byId("advertiser_id").value = wanted.advertiser_id;
  showStores(wanted.store_id);
}

function showStores(wantedStore) {
  const advertiser = advertisers.find((a) => a.advertiser_id === byId("advertiser_id").value);
  const stores = advertiser ? advertiser.stores : [];
  fill(byId("store_id"), stores.map((s) => h("option", { value: s.store_id }, `${s.name} (${s.store_id})`)));
  if (wantedStore) byId("store_id").value = wantedStore;
}

/** The TikTok part of the body, names included (the job page shows them). */
export function tiktokTarget() {
  const advertiser = advertisers.find((a) => a.advertiser_id === byId("advertiser_id").value);
  const store = advertiser && advertiser.stores.find((s) => s.store_id === byId("store_id").value);
  return {
    advertiser_id: advertiser ? advertiser.advertiser_id : null,
    advertiser_name: advertiser ? advertiser.name : null,
    store_id: store ? store.store_id : null,
    store_name: store ? store.name : null,
  };
}

export function pickedAccounts() {
  return [...picked.entries()].map(([id, name]) => ({ id, name }));
}

export function setPicked(accounts) {
  picked.clear();
  for (const account of accounts) picked.set(account.id, account.name || "");
  renderCount();
}

export function initAccounts(onError) {
  byId("account-search").addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => loadAccounts().catch(onError), SEARCH_DELAY_MS);
  });
  byId("account-more").addEventListener("click", () => loadAccounts(true).catch(onError));
  byId("advertiser_id").addEventListener("change", () => showStores());
  renderCount();
}
