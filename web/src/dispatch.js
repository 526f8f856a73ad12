// Dispatch (/dispatch): new cases as they come, the on-duty officers nearest to each
// (GET /cases/{id}/dispatch), assignment in one click, the case's full-process record,
// and the cases intake routed to a department because their township does not hold the
// power (事项) they cite — with the rule that sent them there. A penalty case shows its
// procedure (procedure.js). Legal tokens read here, without dispatch or map, and review.
import {
  api, h, fill, fmtTime, ago, fmtNum, sectors, townships, toast, STATUS_COLORS, STATUS_NAMES, OPEN_STATUSES, PENALTY_STATUSES,
} from './common.js';
import { sideMap, setGeoJSON, emptyFC, fitPoints, uiScale } from './map.js';
import { drawProcedure } from './procedure.js';

/** How often the queue asks for new cases: "at once" for a person at the desk. */
const POLL_MS = 2000;

export async function dispatch(main, me) {
  // Legal reviewers read cases and review; the map's tiles and dispatch are not theirs.
  const dispatcher = ['admin', 'supervisor'].includes(me?.role);
  const queue = h('section', { class: 'panel', id: 'queue', 'aria-label': 'case queue' });
  const info = h('div', { id: 'case-info' });
  // The mini map: the case and the officers suggested for it.
  const mapBox = dispatcher ? h('div', { class: 'minimap', id: 'dispatch-map' }) : null;
  const procedure = h('div', { id: 'case-procedure' });
  const detail = h('section', { class: 'panel stack', id: 'case-detail', 'aria-label': 'case' }, info, procedure, mapBox);
  const history = h('section', { class: 'panel', id: 'case-history', 'aria-label': 'history' });
  main.append(h('div', { class: 'work' }, queue, detail, history));
  fill(info, h('p', { class: 'muted' }, 'Select a case, or wait for a new one: it opens by itself.'));
  fill(history, h('h2', {}, '全过程记录 Case history'), h('p', { class: 'muted' }, '—'));

  const [sectorList, towns, depts, items] = await Promise.all([sectors(), dispatcher ? townships() : [],
    api('/api/v1/departments'), api('/api/v1/powers/items')]);
  const deptName = Object.fromEntries(depts.map((d) => [d.code, d.name]));
  const itemName = Object.fromEntries(items.map((i) => [i.code, i.name]));
  const sectorName = Object.fromEntries(sectorList.map((s) => [s.code, `${s.name_zh} ${s.name_en}`]));
  const townName = Object.fromEntries(towns.map((t) => [t.code, t.name]));

  const known = new Set(); // case ids seen so far
  let firstLoad = true;
  let cases = []; // open cases, newest first
  let routed = []; // referred at intake, newest first
  let penalty = []; // penalty cases not closed, newest first
  let overdue = new Map(); // case id → its overdue stages
  let selectedID = null;
  let selected = null;
  const fresh = new Set(); // ids that arrived while the page was open

  let map = null;
  const mapReady = (async () => {
    if (!mapBox) return;
    map = await sideMap(mapBox);
    const s = uiScale();
    map.addSource('dispatch-officers', { type: 'geojson', data: emptyFC() });
    map.addSource('dispatch-case', { type: 'geojson', data: emptyFC() });
    map.addLayer({ id: 'dispatch-officers', type: 'circle', source: 'dispatch-officers',
      paint: { 'circle-radius': 8 * s, 'circle-color': '#22d3ee', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 * s } });
    map.addLayer({ id: 'dispatch-case', type: 'circle', source: 'dispatch-case',
      paint: { 'circle-radius': 11 * s, 'circle-color': '#f56565', 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 * s } });
  })();

  async function poll() {
    try {
      const [late, penal, referred, ...lists] = await Promise.all([api('/api/v1/cases/overdue'),
        api(`/api/v1/cases?status=${PENALTY_STATUSES.join(',')}&limit=500`),
        ...['referred', ...OPEN_STATUSES].map((s) => api(`/api/v1/cases?status=${s}&limit=500`))]);
      routed = referred.filter((c) => c.jurisdiction && !c.jurisdiction.held);
      overdue = new Map();
      for (const o of late) overdue.set(o.case, [...(overdue.get(o.case) || []), o]);
      // Overdue first, the most overdue on top (the server's order), then the newest.
      const rank = new Map(late.map((o, i) => [o.case, late.length - i]));
      penalty = penal.sort((a, b) => (rank.get(b.id) || 0) - (rank.get(a.id) || 0) || b.id - a.id);
      const next = lists.flat().sort((a, b) => new Date(b.reported_at) - new Date(a.reported_at) || b.id - a.id);
      let newest = null;
      for (const c of next) {
        if (!known.has(c.id)) {
          known.add(c.id);
          if (!firstLoad) {
            fresh.add(c.id);
            if (!newest || c.id > newest.id) newest = c;
          }
        }
      }
      cases = next;
      firstLoad = false;
      drawQueue();
      // A new case opens by itself unless the dispatcher is still on an unassigned one.
      // Never for a legal reviewer, who may be in the middle of a review.
      if (dispatcher && newest && (!selected || selected.status !== 'reported')) select(newest.id);
    } catch (err) {
      toast(`cases: ${err.message}`, 'error');
    }
  }

  function drawQueue() {
    const waiting = cases.filter((c) => c.status === 'reported');
    const working = cases.filter((c) => c.status !== 'reported');
    const row = (c) => h('tr', {
      class: `selectable ${c.id === selectedID ? 'selected' : ''} ${fresh.has(c.id) ? 'new' : ''}`,
      id: `case-${c.id}`, dataset: { id: c.id }, onclick: () => select(c.id),
    },
    h('td', { class: 'num' }, `#${c.id}`),
    h('td', {}, h('div', {}, c.title), h('div', { class: 'muted small' }, `${sectorName[c.sector] || c.sector} · ${townName[c.township] || c.township || 'outside'}`)),
    h('td', {}, statusBadge(c.status), overdue.has(c.id)
      ? h('div', { class: 'overdue small' }, `逾期 overdue: ${overdue.get(c.id).map((o) => `${o.stage} +${o.days_overdue} d`).join(', ')}`)
      : h('div', { class: 'muted small' }, ago(c.reported_at))));
    fill(queue,
      h('h2', {}, `待派 New cases `, h('span', { class: 'muted', id: 'waiting-count' }, `(${waiting.length})`)),
      waiting.length ? h('table', { id: 'waiting' }, h('tbody', {}, waiting.slice(0, 100).map(row))) : h('p', { class: 'muted' }, 'No case waiting.'),
      h('h2', { class: 'spaced' }, `处置中 In progress (${working.length})`),
      h('table', { id: 'working' }, h('tbody', {}, working.slice(0, 100).map(row))),
      h('h2', { class: 'spaced' }, `行政处罚 Penalty cases (${penalty.length}, ${overdue.size} overdue)`),
      h('table', { id: 'penalty' }, h('tbody', {}, penalty.slice(0, 100).map(row))),
      h('h2', { class: 'spaced' }, `移送 Routed to the holding department (${routed.length})`),
      h('table', { id: 'routed' }, h('tbody', {}, routed.slice(0, 30).map(row))));
  }

  async function select(id) {
    selectedID = id;
    drawQueue();
    fill(info, h('p', {}, '…'));
    try {
      const [c, events, verify] = await Promise.all([
        api(`/api/v1/cases/${id}`), api(`/api/v1/cases/${id}/events`), api(`/api/v1/cases/${id}/verify`)]);
      if (selectedID !== id) return;
      selected = c;
      drawHistory(events, verify);
      let suggestions = [];
      if (dispatcher && OPEN_STATUSES.includes(c.status) && c.status !== 'on_site' && c.township) {
        suggestions = await api(`/api/v1/cases/${id}/dispatch`);
      }
      if (selectedID !== id) return;
      drawDetail(c, suggestions, await caseAlert(id));
      await drawProcedure(procedure, c, events, me, { itemName, onChange: async () => { await poll(); await select(id); } });
      await mapReady;
      if (!map) return;
      setGeoJSON(map, 'dispatch-case', { type: 'FeatureCollection', features: [point([c.lon, c.lat], { id: c.id })] });
      const officerPoints = await officerPositions(suggestions);
      setGeoJSON(map, 'dispatch-officers', { type: 'FeatureCollection', features: officerPoints });
      fitPoints(map, [[c.lon, c.lat], ...officerPoints.map((f) => f.geometry.coordinates)], 50);
      if (!officerPoints.length) map.jumpTo({ center: [c.lon, c.lat], zoom: 14 });
    } catch (err) {
      fill(info, h('p', { class: 'error' }, `Case #${id}: ${err.message}`));
    }
  }

  // Suggestions carry no coordinates: the officers' last fixes come from their tracks.
  async function officerPositions(suggestions) {
    const from = new Date(Date.now() - 20 * 60_000).toISOString();
    const out = [];
    await Promise.all(suggestions.slice(0, 8).map(async (s) => {
      try {
        const fc = await api(`/api/v1/officers/${encodeURIComponent(s.officer)}/track?from=${from}`);
        const last = fc.features.at(-1)?.geometry.coordinates.at(-1);
        if (last) out.push(point(last, { officer: s.officer }));
      } catch {
        // no track to show: the list still has the officer
      }
    }));
    return out;
  }

  // The case's case_overdue alert that is not resolved, if any (null for the roles that
  // may not read alerts: only admins, supervisors and analysts may, GET /api/v1/alerts).
  async function caseAlert(id) {
    if (!['admin', 'supervisor', 'analyst'].includes(me?.role)) return null;
    try {
      const { alerts } = await api('/api/v1/alerts?rule=case_overdue');
      return alerts.find((a) => a.subject === String(id) && a.status !== 'resolved') || null;
    } catch {
      return null;
    }
  }

  function drawDetail(c, suggestions, alert = null) {
    const ackAlert = async (button) => {
      button.disabled = true;
      try {
        await api(`/api/v1/alerts/${alert.id}/ack`, { method: 'POST', body: {} });
        await select(c.id);
      } catch (err) {
        button.disabled = false;
        toast(`Acknowledge: ${err.message}`, 'error');
      }
    };
    const assign = async (officer, button) => {
      button.disabled = true;
      try {
        const res = await api(`/api/v1/cases/${c.id}/dispatch`, { method: 'POST', body: officer ? { officer } : {} });
        const who = res?.case?.officer || res?.officer || officer;
        toast(`Case #${c.id} assigned to ${who}`, 'ok');
        fresh.delete(c.id);
        await poll();
        await select(c.id);
      } catch (err) {
        button.disabled = false;
        toast(`Assign: ${err.message}`, 'error');
      }
    };
    const canAssign = ['reported', 'assigned', 'accepted'].includes(c.status);
    const rows = suggestions.map((s, i) => {
      const btn = h('button', { class: i === 0 ? 'primary assign' : 'assign', dataset: { officer: s.officer } }, c.officer === s.officer ? '已派 assigned' : '派遣 Assign');
      btn.disabled = !canAssign || c.officer === s.officer;
      btn.addEventListener('click', () => assign(s.officer, btn));
      return h('tr', { id: `suggest-${s.officer}` },
        h('td', {}, h('div', {}, s.name), h('div', { class: 'muted small mono' }, s.officer)),
        h('td', { class: 'num' }, `${fmtNum(s.distance_m)} m`),
        h('td', { class: 'num' }, `${fmtNum(s.eta_s / 60, 1)} min`),
        h('td', { class: 'num' }, fmtNum(s.open_cases)),
        h('td', { class: 'small' }, ago(s.last_fix)),
        h('td', {}, btn));
    });
    fill(info,
      h('div', {},
        h('h2', { id: 'case-title' }, `#${c.id} ${c.title} `, statusBadge(c.status)),
        h('dl', { class: 'kv' },
          h('dt', {}, '行业 sector'), h('dd', {}, sectorName[c.sector] || c.sector),
          h('dt', {}, '上报 reported'), h('dd', {}, `${fmtTime(c.reported_at)} (${ago(c.reported_at)}) via ${c.source}`),
          h('dt', {}, '位置 where'), h('dd', {}, `${townName[c.township] || c.township || 'outside every township'} · ${c.grid || '—'} · ${c.squadron || '—'}`),
          h('dt', {}, '处置人 officer'), h('dd', { id: 'case-officer' }, c.officer || '—'),
          c.item ? [h('dt', {}, '事项 power'), h('dd', { id: 'case-item' }, `${itemName[c.item] || ''} (${c.item})`),
            h('dt', {}, '管辖 jurisdiction'), h('dd', { id: 'case-jurisdiction', class: c.jurisdiction?.held ? '' : 'routed' },
              jurisdictionText(c))] : null,
          c.description ? [h('dt', {}, '描述 details'), h('dd', {}, c.description)] : null,
          alert ? [h('dt', {}, '告警 alert'), h('dd', { id: 'case-alert', class: 'overdue' },
            `案件超期 case overdue since ${fmtTime(alert.raised_at)} · ${alert.status === 'open' ? '待确认 open' : `已确认 acknowledged by ${alert.acked_by}`} `,
            alert.status === 'open' && dispatcher ? h('button', { class: 'ack', onclick: (e) => ackAlert(e.target) }, '确认 acknowledge') : null)] : null)),
      dispatcher && h('div', {},
        h('h3', {}, '建议派遣 Suggested officers (on duty, nearest first)'),
        suggestions.length
          ? h('table', { id: 'suggestions' },
            h('thead', {}, h('tr', {}, h('th', {}, 'officer'), h('th', { class: 'num' }, 'distance'), h('th', { class: 'num' }, 'ETA'),
              h('th', { class: 'num' }, 'open'), h('th', {}, 'last fix'), h('th', {}, ''))),
            h('tbody', {}, rows))
          : h('p', { class: 'muted', id: 'suggestions' }, canAssign ? 'Nobody of this squadron is on duty (no fix in the last 15 minutes).' : 'This case needs no dispatch now.')));
  }

  function drawHistory(events, verify) {
    fill(history,
      h('h2', {}, '全过程记录 Case history'),
      h('p', { id: 'verify', class: verify.ok ? 'muted' : 'error' },
        verify.ok ? `✓ ${verify.events} events, hash chain verified` : `✗ record broken at event ${verify.broken_at}: ${verify.reason}`),
      h('ol', { class: 'timeline', id: 'events' }, events.map((e) => h('li', { dataset: { type: e.type } },
        h('strong', {}, e.type), ' → ', statusBadge(e.status),
        h('div', { class: 'muted small' }, `${fmtTime(e.at)} · ${e.actor} (${e.actor_role})`),
        e.officer ? h('div', { class: 'small' }, `officer ${e.officer}`) : null,
        e.department ? h('div', { class: 'small' }, `department ${e.department}`) : null,
        e.note ? h('div', { class: 'small' }, e.note) : null))));
  }

  /** Why the case is, or is not, its township's: the rule intake applied. */
  function jurisdictionText(c) {
    const town = townName[c.township] || c.township || 'no township';
    const day = new Date(new Date(c.reported_at).getTime() + 8 * 3600_000).toISOString().slice(0, 10); // China day
    if (c.jurisdiction?.held) return `${town} holds this power on ${day}: the township handles the case`;
    const dept = c.jurisdiction?.holder;
    return `${town} does not hold this power on ${day}: routed at intake to ${deptName[dept] || dept} (${dept}), which holds it`;
  }

  await poll();
  setInterval(poll, POLL_MS);
  // /dispatch?case=ID opens that case.
  const asked = Number(new URLSearchParams(location.search).get('case'));
  if (asked) select(asked);
  else if (cases.length && !selectedID) {
    const first = cases.find((c) => c.status === 'reported') || cases[0];
    select(first.id);
  }
}

export function statusBadge(status) {
  const b = h('span', { class: 'status', dataset: { status } }, STATUS_NAMES[status] || status);
  b.style.background = STATUS_COLORS[status] || '#a0aec0';
  return b;
}

function point(coordinates, properties) {
  return { type: 'Feature', properties, geometry: { type: 'Point', coordinates } };
}
