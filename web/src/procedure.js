// A penalty case's procedure in the case view: the stages with their deadlines (green met
// or not yet due, amber due within 2 days, red overdue or done late), the evidence
// gallery with its checks, the review panel for legal tokens, and links to the printable
// documents.
import { api, h, fill, fmtTime, fmtNum, toast } from './common.js';

/** The stages of the 一般程序 in order, with the event that does each. */
const STAGES = [
  { event: 'file', zh: '立案', en: 'filed' },
  { event: 'investigate', zh: '调查取证', en: 'investigation' },
  { event: 'notify', zh: '告知', en: 'notice' },
  { event: 'review', zh: '法制审核', en: 'legal review' },
  { event: 'decide', zh: '决定', en: 'decision' },
  { event: 'deliver', zh: '送达', en: 'delivery' },
  { event: 'execute', zh: '执行', en: 'execution' },
  { event: 'close', zh: '结案', en: 'closed' },
];

/** Where each deadline is shown: the stage that meets it. */
const DEADLINE_STAGE = { decide: 'decide', hearing_request: 'notify', deliver: 'deliver', execute: 'execute' };

/** The printable documents (GET /api/v1/cases/{id}/documents/{kind}). */
const DOCUMENTS = [
  { kind: 'filing', zh: '立案审批表' },
  { kind: 'inspection', zh: '现场检查笔录' },
  { kind: 'notice', zh: '行政处罚事先告知书' },
  { kind: 'decision', zh: '行政处罚决定书' },
  { kind: 'receipt', zh: '送达回证' },
];

/** Amber: a deadline not met yet whose last day is at most this many (calendar) days away. */
export const AMBER_DAYS = 2;

/** Today in China time, as YYYY-MM-DD. */
function chinaToday(now = Date.now()) {
  return new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Days from day a to day b (YYYY-MM-DD). */
function daysBetween(a, b) {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86400_000);
}

/**
 * A deadline's colour and words: red (overdue, or done late), amber (not done, due within
 * AMBER_DAYS), green (done in time, or not yet due).
 */
export function deadlineState(d, today = chinaToday()) {
  if (d.met === true) return { colour: 'green', text: `met: done ${fmtTime(d.done_at)}, due ${d.due}` };
  if (d.met === false) {
    if (d.done_at) return { colour: 'red', text: `late: done ${fmtTime(d.done_at)}, due ${d.due}` };
    return { colour: 'red', text: `overdue ${daysBetween(d.due, today)} d: due ${d.due}` };
  }
  const left = daysBetween(today, d.due);
  if (d.party) return { colour: left <= AMBER_DAYS ? 'amber' : 'green', text: `the party's period: until ${d.due}` };
  if (left <= AMBER_DAYS) return { colour: 'amber', text: `due ${d.due} (${left === 0 ? 'today' : `in ${left} d`})` };
  return { colour: 'green', text: `due ${d.due} (in ${left} d)` };
}

let blobURLs = []; // the gallery's object URLs, revoked when it is drawn again

/**
 * Draws the procedure of case c (with its deadlines, from GET /cases/{id}) into box, or
 * empties box when c was never filed. onChange runs after a review is posted.
 */
export async function drawProcedure(box, c, events, me, { itemName = {}, onChange } = {}) {
  for (const u of blobURLs) URL.revokeObjectURL(u);
  blobURLs = [];
  if (!events.some((e) => e.type === 'file')) {
    fill(box);
    return;
  }
  let evidence = [];
  try {
    evidence = await api(`/api/v1/cases/${c.id}/evidence`);
  } catch (err) {
    toast(`evidence: ${err.message}`, 'error');
  }
  fill(box,
    h('h3', {}, '行政处罚程序 Penalty procedure', c.item ? h('span', { class: 'muted small' }, ` · ${itemName[c.item] || ''} (${c.item})`) : null),
    timeline(c, events),
    c.calendar ? h('p', { class: 'muted small' }, `calendar: ${c.calendar}`) : null,
    me?.role === 'legal' ? reviewPanel(c, onChange) : null,
    documents(c),
    gallery(evidence));
}

function timeline(c, events) {
  const today = chinaToday();
  const deadlines = c.deadlines || [];
  const items = STAGES.map((s) => {
    const done = events.filter((e) => e.type === s.event);
    const last = done.at(-1);
    const dls = deadlines.filter((d) => DEADLINE_STAGE[d.stage] === s.event);
    const states = dls.map((d) => ({ d, ...deadlineState(d, today) }));
    const worst = ['red', 'amber', 'green'].find((k) => states.some((x) => x.colour === k));
    return h('li', { class: `stage ${last ? 'done' : 'todo'} ${worst ? `deadline-${worst}` : ''}`, dataset: { stage: s.event } },
      h('strong', {}, `${s.zh} ${s.en}`),
      last ? h('span', { class: 'muted small' }, ` ${fmtTime(last.at)} · ${last.actor}`) : h('span', { class: 'muted small' }, ' —'),
      last ? detailText(s.event, last) : null,
      states.map((x) => h('div', { class: `deadline ${x.colour}`, dataset: { stage: x.d.stage, colour: x.colour }, title: x.d.basis },
        `${x.d.stage === 'hearing_request' ? '听证申请 hearing request' : '期限 deadline'}: ${x.text}`)));
  });
  return h('ol', { class: 'procedure', id: 'procedure' }, items);
}

/** The facts a penalty event recorded, in a line. */
function detailText(type, e) {
  const d = e.detail || {};
  const parts = [];
  if (type === 'notify' && d.hearing) parts.push(`hearing ${d.hearing}`);
  if (type === 'review') {
    parts.push(d.outcome === 'approve' ? '通过 approved' : d.outcome === 'reject' ? '退回 rejected' : '');
    if (d.qualification) parts.push(`qualification ${d.qualification}`);
  }
  if (type === 'decide') {
    if (d.amount_yuan !== undefined) parts.push(`${fmtNum(d.amount_yuan)} yuan`);
    if (d.level) parts.push(d.level);
    if (d.party) parts.push(d.party);
    if (d.licence_revoked) parts.push('licence revoked');
    if (d.major) parts.push(`major: ${d.major}`);
  }
  return parts.length ? h('div', { class: 'small' }, parts.filter(Boolean).join(' · ')) : null;
}

function reviewPanel(c, onChange) {
  const reasons = h('textarea', { id: 'review-note', rows: 2, placeholder: '审核意见 reasons (needed to reject)' });
  const error = h('p', { class: 'error', id: 'review-error', role: 'alert' });
  const post = async (outcome, button) => {
    error.textContent = '';
    button.disabled = true;
    try {
      await api(`/api/v1/cases/${c.id}/events`, { method: 'POST', body: { type: 'review', outcome, note: reasons.value.trim() } });
      toast(`Case #${c.id}: review ${outcome === 'approve' ? 'approved' : 'rejected'}`, 'ok');
      if (onChange) await onChange();
    } catch (err) {
      // The server's own words: 查审分离, the order of events, a missing reason.
      error.textContent = err.message;
      button.disabled = false;
    }
  };
  const open = c.status === 'notified';
  const approve = h('button', { class: 'primary', id: 'review-approve', disabled: !open }, '通过 Approve');
  const reject = h('button', { id: 'review-reject', disabled: !open }, '退回 Reject');
  approve.addEventListener('click', () => post('approve', approve));
  reject.addEventListener('click', () => post('reject', reject));
  return h('div', { class: 'review', id: 'review-panel' },
    h('h4', {}, '法制审核 Legal review'),
    open ? null : h('p', { class: 'muted small' }, `A review follows the notice: this case is ${c.status}.`),
    reasons, h('div', { class: 'buttons' }, approve, reject), error);
}

/**
 * Links to the printable documents; each opens in a new tab. A tab cannot send the bearer
 * token, and a document handed over as a blob: URL would run under this page's CSP, which
 * blocks its print style; so the page asks, with its token, for a signed link that lasts
 * two minutes, and the tab opens the document there, under the document's own CSP.
 */
function documents(c) {
  const links = DOCUMENTS.map((d) => {
    const path = `/api/v1/cases/${c.id}/documents/${d.kind}`;
    return h('a', {
      href: path, target: '_blank', class: 'doc', dataset: { kind: d.kind },
      onclick: (ev) => {
        ev.preventDefault();
        // Open the tab in the click (no popup blocker), then send it to the signed link.
        const tab = window.open('', '_blank');
        if (tab) tab.opener = null;
        api(`${path}/link`)
          .then((link) => {
            if (tab) tab.location.href = new URL(link.url, window.location.href).href;
          })
          .catch((err) => {
            tab?.close();
            toast(`${d.zh}: ${err.message}`, 'error');
          });
      },
    }, d.zh);
  });
  return h('div', { class: 'documents', id: 'documents' }, h('h4', {}, '文书 Documents'), links);
}

/** The position check in plain words. */
function positionText(e) {
  switch (e.position_check) {
    case 'ok': return 'position ok';
    case 'far': return `position far: ${fmtNum(e.distance_m)} m from the track`;
    case 'no_track': return 'position: no track';
    default: return 'no capture position';
  }
}

function gallery(evidence) {
  const cards = evidence.map((e) => {
    const thumb = h('div', { class: 'thumb' }, e.kind);
    if (e.kind === 'photo') {
      // An img cannot send the token: fetch the bytes and show them from a blob URL.
      api(`/api/v1/evidence/${e.sha256}`, { raw: true })
        .then((res) => res.blob())
        .then((blob) => {
          const url = URL.createObjectURL(blob);
          blobURLs.push(url);
          fill(thumb, h('img', { src: url, alt: e.filename || e.sha256 }));
        })
        .catch((err) => fill(thumb, h('span', { class: 'error small' }, err.message)));
    }
    return h('figure', { class: `evidence ${e.position_check || 'none'}`, dataset: { sha256: e.sha256, check: e.position_check || '' } },
      thumb,
      h('figcaption', { class: 'small' },
        h('div', {}, h('strong', {}, e.kind), ` · ${fmtTime(e.captured_at || e.uploaded_at)}`),
        h('div', { class: `check ${e.position_check || ''}` }, positionText(e)),
        e.mock_location ? h('div', { class: 'mock' }, '⚠ 模拟定位 mock location') : null,
        e.url ? h('div', { class: 'muted mono' }, e.url) : null,
        h('div', { class: 'muted mono', title: e.sha256 }, `${e.sha256.slice(0, 12)}… · ${e.uploader}`)));
  });
  return h('div', { id: 'evidence' },
    h('h4', {}, `证据 Evidence (${evidence.length})`),
    evidence.length ? h('div', { class: 'gallery' }, cards) : h('p', { class: 'muted small' }, 'No evidence recorded.'));
}
