// What every page shares: the token, API calls, DOM building, formatting, the page frame.

const TOKEN_KEY = 'gridwatch.token';

/** The signed-in token, or '' before sign-in. Kept in localStorage so a wall survives a reload. */
export function token() {
  return localStorage.getItem(TOKEN_KEY) || '';
}

export function setToken(t) {
  if (t) localStorage.setItem(TOKEN_KEY, t);
  else localStorage.removeItem(TOKEN_KEY);
}

/** An API answer other than 2xx, with the problem document's detail when there is one. */
export class APIError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

/**
 * Calls the API with the token. Answers parsed JSON (null for 204), or the Response with
 * {raw: true}. Throws APIError for a non-2xx answer.
 */
export async function api(path, { method = 'GET', body, signal, raw = false } = {}) {
  const headers = { Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      // not a problem document
    }
    throw new APIError(res.status, problem);
  }
  if (raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

/** Fetches path with the token and hands the body to the browser as a download named filename. */
export async function download(path, filename) {
  const res = await api(path, { raw: true });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Builds an element: h('div', {class: 'x', onclick: f, dataset: {id: 1}}, 'text', child).
 * Text goes in as text nodes, never as HTML.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'value') node.value = v;
    else if (v === true) node.setAttribute(k, '');
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** Replaces a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

// The city's clock: China Standard Time, UTC+8 all year.
const CST_OFFSET_MS = 8 * 3600 * 1000;

/** Midnight today in China time, as a Date. */
export function chinaMidnight(now = new Date()) {
  const local = new Date(now.getTime() + CST_OFFSET_MS);
  local.setUTCHours(0, 0, 0, 0);
  return new Date(local.getTime() - CST_OFFSET_MS);
}

const timeFmt = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
});

/** A time as the command center reads it: MM/DD HH:mm, China time. */
export function fmtTime(t) {
  if (!t) return '—';
  return timeFmt.format(new Date(t));
}

/** How long ago t was, in words. */
export function ago(t, now = Date.now()) {
  if (!t) return 'never';
  const s = Math.max(0, (now - new Date(t).getTime()) / 1000);
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

export function fmtNum(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** RFC 3339 without milliseconds, for query parameters. */
export function iso(d) {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The start of the hour of d (coverage works in whole hours). */
export function hourFloor(d) {
  const t = new Date(d);
  t.setUTCMinutes(0, 0, 0);
  return t;
}

/** Colours of case statuses, shared by the map and the lists. */
export const STATUS_COLORS = {
  reported: '#f56565', assigned: '#ed8936', accepted: '#ecc94b', on_site: '#48bb78',
  resolved: '#a0aec0', referred: '#9f7aea', closed: '#718096',
  filed: '#90cdf4', investigating: '#63b3ed', notified: '#f6e05e', reviewed: '#b794f4',
  decided: '#fbb6ce', delivered: '#9ae6b4', executed: '#81e6d9',
};
export const OPEN_STATUSES = ['reported', 'assigned', 'accepted', 'on_site'];
/** The statuses of a penalty case (一般程序) not yet closed. */
export const PENALTY_STATUSES = ['filed', 'investigating', 'notified', 'reviewed', 'decided', 'delivered', 'executed'];
export const STATUS_NAMES = {
  reported: '待派 reported', assigned: '已派 assigned', accepted: '已接 accepted', on_site: '到场 on site',
  resolved: '办结 resolved', referred: '流转 referred', closed: '结案 closed',
  filed: '立案 filed', investigating: '调查 investigating', notified: '告知 notified', reviewed: '审核 reviewed',
  decided: '决定 decided', delivered: '送达 delivered', executed: '执行 executed',
};

/** A colour for each sector, in the order of GET /sectors. */
export const SECTOR_PALETTE = ['#63b3ed', '#f6ad55', '#68d391', '#fc8181', '#b794f4', '#f6e05e',
  '#4fd1c5', '#f687b3', '#a3bffa', '#fbd38d', '#9ae6b4', '#feb2b2'];

let sectorsPromise = null;
/** The sectors (cached for the page's life). */
export function sectors() {
  sectorsPromise ??= api('/api/v1/sectors');
  return sectorsPromise;
}

let townshipsPromise = null;
/** The townships the token may see (cached). */
export function townships() {
  townshipsPromise ??= api('/api/v1/townships');
  return townshipsPromise;
}

/** Which roles may open each page. */
export const PAGES = [
  { path: '/', zh: '地图墙', en: 'Map wall', roles: ['admin', 'supervisor', 'analyst'] },
  // Legal reviewers read cases here and review penalty cases; they dispatch nothing.
  { path: '/dispatch', zh: '调度', en: 'Dispatch', roles: ['admin', 'supervisor', 'legal'] },
  { path: '/planner', zh: '巡查计划', en: 'Planner', roles: ['admin', 'supervisor'] },
  { path: '/analyst', zh: '研判分析', en: 'Analyst', roles: ['admin', 'supervisor', 'analyst'] },
  // 双随机一公开 and 案卷评查: planners draw and follow tasks; legal reviewers score case files.
  { path: '/inspections', zh: '双随机评查', en: 'Inspections', roles: ['admin', 'supervisor', 'legal'] },
  // 监督考核: readers see the ranking, a scoped token its township's units.
  { path: '/assessment', zh: '监督考核', en: 'Assessment', roles: ['admin', 'supervisor', 'analyst'] },
];

/** The page frame: a top bar with the brand, the pages this token may open, who is signed in. */
export function frame(me, current, townshipName) {
  const nav = PAGES.filter((p) => p.roles.includes(me.role)).map((p) =>
    h('a', { href: p.path, class: p.path === current ? 'active' : '', 'aria-current': p.path === current ? 'page' : null },
      h('span', { class: 'zh' }, p.zh), ' ', h('span', { class: 'en' }, p.en)));
  const who = [me.name, me.role, me.township ? (townshipName || me.township) : '全市 whole city'].join(' · ');
  const signOut = h('button', { class: 'link', id: 'sign-out', onclick: () => { setToken(''); location.reload(); } }, 'Sign out');
  return h('header', { class: 'top' },
    h('div', { class: 'brand' }, h('strong', {}, 'Gridwatch'), ' ', h('span', { class: 'zh' }, '网格化指挥中心')),
    h('nav', {}, nav),
    h('div', { class: 'who', id: 'who' }, who, ' ', signOut));
}

/** A small status line for errors and progress, shown in a page's corner. */
export function toast(message, kind = 'info') {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  const t = h('div', { class: `toast ${kind}` }, message);
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 10_000 : 4_000);
}
