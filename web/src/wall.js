// The map wall (/): the city on one screen for a command center — townships, grid areas,
// cells coloured by a chosen metric, officers moving live with short trails, cases by
// status, counters, and what is known about a cell when it is clicked.
import {
  api, h, fill, fmtTime, ago, fmtNum, iso, hourFloor, chinaMidnight, sectors, townships, toast,
  STATUS_COLORS, STATUS_NAMES, OPEN_STATUSES,
} from './common.js';
import { mapStyle, newMap, loaded, setGeoJSON, emptyFC, uiScale, labelTownships, townshipShapes, maplibregl } from './map.js';
import { liveFeed } from './live.js';

/** An officer whose last fix is older than this is off duty (as dispatch counts it). */
export const STALE_MS = 15 * 60 * 1000;
/** How much of an officer's recent path the trail shows. */
const TRAIL_MS = 10 * 60 * 1000;
const TRAIL_POINTS = 30;

const WINDOWS = [
  { hours: 24, label: '24 h' },
  { hours: 24 * 7, label: '7 d' },
  { hours: 24 * 30, label: '30 d' },
  { hours: 24 * 90, label: '90 d' },
];

// Analyses need enough cases to say anything: hot spots and blind zones look back at least
// this far even when the window is shorter.
const ANALYSIS_MIN_HOURS = 24 * 30;

export const METRICS = {
  coverage: {
    zh: '巡查覆盖', en: 'patrol coverage',
    legend: [['#3b0d0d', 'not patrolled'], ['#12324a', '1–4 visits'], ['#1f6f8b', '5–19 visits'], ['#38b2ac', '20+ visits']],
  },
  hotspot: {
    zh: '热点', en: 'hot spots (Gi* bin)',
    legend: [['#b2182b', 'hot, 99 %'], ['#d6604d', 'hot, 95 %'], ['#f4a582', 'hot, 90 %'],
      ['#92c5de', 'cold, 90 %'], ['#4393c3', 'cold, 95 %'], ['#2166ac', 'cold, 99 %']],
  },
  blind: {
    zh: '监管盲区', en: 'blind zones (kind)',
    legend: [['#e53e3e', '双空白 double blank'], ['#dd6b20', '行业盲区 sector gap'], ['#805ad5', '巡查空白 patrol gap']],
  },
};

const BIN_COLORS = ['match', ['get', 'bin'], 3, '#b2182b', 2, '#d6604d', 1, '#f4a582', -1, '#92c5de', -2, '#4393c3', -3, '#2166ac', 'rgba(0,0,0,0)'];
const KIND_COLORS = ['match', ['get', 'kind'], 'double_blank', '#e53e3e', 'sector_gap', '#dd6b20', 'patrol_gap', '#805ad5', 'rgba(0,0,0,0)'];

export async function wall(main, me) {
  document.body.classList.add('wall-body');
  const saved = JSON.parse(localStorage.getItem('gridwatch.wall') || '{}');
  const state = {
    metric: METRICS[saved.metric] ? saved.metric : 'coverage',
    hours: WINDOWS.some((w) => w.hours === saved.hours) ? saved.hours : 24 * 7,
    sector: saved.sector || '',
    status: saved.status || '',
  };
  const save = () => localStorage.setItem('gridwatch.wall', JSON.stringify(state));
  let selected = null; // the clicked cell: {lngLat, h3}
  const urls = {}; // source id → its tile URL now

  const mapBox = h('div', { id: 'map', class: 'map' });
  const counters = h('section', { id: 'counters', class: 'panel counters', 'aria-label': 'counters' });
  const controls = h('section', { id: 'controls', class: 'panel controls', 'aria-label': 'map controls' });
  const legend = h('section', { id: 'legend', class: 'panel legend', 'aria-label': 'legend' });
  const cellPanel = h('section', { id: 'cell', class: 'panel cell', hidden: true, 'aria-label': 'cell' });
  const liveState = h('span', { id: 'live-state', class: 'live-state closed' }, '实时 live: connecting');
  const tray = h('section', { id: 'alerts', class: 'panel alerts', 'aria-label': 'alerts' });
  main.append(mapBox, controls, counters, legend, cellPanel, tray);

  const [style, sectorList, towns] = await Promise.all([mapStyle(), sectors(), townships()]);
  const sectorName = Object.fromEntries(sectorList.map((s) => [s.code, s]));

  // Before the map queues its tiles (a browser opens at most 6 connections to a host):
  // the township shapes for the labels, and the live feed, which keeps its connection.
  const shapes = townshipShapes(towns);
  const live = new Map(); // officer id → {lon, lat, time, trail: [[lon, lat, ms]]}
  const early = []; // positions that came before the map could show them
  let onPosition = (p) => early.push(p);
  const earlyAlerts = [];
  let onAlert = (a) => earlyAlerts.push(a);
  liveFeed((p) => onPosition(p), {
    onAlert: (a) => onAlert(a),
    onState: (st) => {
      liveState.className = `live-state ${st}`;
      liveState.textContent = st === 'open' ? '实时 live: connected' : '实时 live: reconnecting';
    },
  });
  const map = newMap(mapBox, style, { center: [120.28, 31.84], zoom: 9.6 });
  map.on('error', (e) => {
    // Reported on the page, not the console: a wall has nobody reading its console.
    toast(`map: ${e.error?.message || 'error'}`, 'error');
  });
  window.gridwatch = { map, live, state };
  await loaded(map);
  addLayers(map);

  // Fit the city: the townships' TileJSON holds its extent.
  try {
    const tj = await api('/tiles/townships.json');
    if (Array.isArray(tj.bounds)) {
      map.fitBounds([[tj.bounds[0], tj.bounds[1]], [tj.bounds[2], tj.bounds[3]]], { padding: 40 * uiScale(), duration: 0 });
    }
  } catch {
    // keep the style's view
  }

  // --- controls ---
  const metricButtons = Object.entries(METRICS).map(([key, m]) => h('button', {
    class: 'seg', dataset: { metric: key }, 'aria-pressed': String(key === state.metric),
    onclick: () => { state.metric = key; save(); apply(); },
  }, h('span', { class: 'zh' }, m.zh), ' ', h('span', { class: 'en' }, m.en.replace(/ \(.*/, ''))));
  const windowButtons = WINDOWS.map((w) => h('button', {
    class: 'seg', dataset: { hours: w.hours }, 'aria-pressed': String(w.hours === state.hours),
    onclick: () => { state.hours = w.hours; save(); apply(); refreshCounters(); },
  }, w.label));
  const sectorSelect = h('select', { id: 'case-sector', 'aria-label': 'case sector', onchange: (e) => { state.sector = e.target.value; save(); apply(); } },
    h('option', { value: '' }, '全部行业 all sectors'),
    h('option', { value: 'non_core' }, '非城管安监 non-core'),
    sectorList.map((s) => h('option', { value: s.code }, `${s.name_zh} ${s.name_en}`)));
  sectorSelect.value = state.sector;
  const statusSelect = h('select', { id: 'case-status', 'aria-label': 'case status', onchange: (e) => { state.status = e.target.value; save(); apply(); } },
    h('option', { value: '' }, '全部状态 all statuses'),
    Object.keys(STATUS_COLORS).map((s) => h('option', { value: s }, STATUS_NAMES[s])));
  statusSelect.value = state.status;
  fill(controls,
    h('div', { class: 'row' }, h('label', {}, '着色 Colour by'), h('div', { class: 'segs', id: 'metric' }, metricButtons)),
    h('div', { class: 'row' }, h('label', {}, '时段 Window'), h('div', { class: 'segs', id: 'window' }, windowButtons)),
    h('div', { class: 'row' }, h('label', {}, '案件 Cases'), sectorSelect, statusSelect),
    h('div', { class: 'row small' }, liveState));

  function apply() {
    for (const b of metricButtons) b.setAttribute('aria-pressed', String(b.dataset.metric === state.metric));
    for (const b of windowButtons) b.setAttribute('aria-pressed', String(Number(b.dataset.hours) === state.hours));
    const to = new Date(hourFloor(Date.now()).getTime() + 3600_000);
    const from = new Date(to.getTime() - state.hours * 3600_000);
    const analysisFrom = new Date(to.getTime() - Math.max(state.hours, ANALYSIS_MIN_HOURS) * 3600_000);
    const trackFrom = new Date(to.getTime() - Math.min(state.hours, 24 * 7) * 3600_000);
    const win = `from=${iso(from)}&to=${iso(to)}`;
    const tiles = (layer, q) => {
      urls[layer] = `${location.origin}/tiles/${layer}/{z}/{x}/{y}.mvt?${q}`;
      map.getSource(layer).setTiles([urls[layer]]);
    };
    tiles('coverage', win);
    tiles('tracks', `from=${iso(trackFrom)}&to=${iso(to)}`);
    let cq = win;
    if (state.sector) cq += `&sector=${encodeURIComponent(state.sector)}`;
    if (state.status) cq += `&status=${encodeURIComponent(state.status)}`;
    tiles('cases', cq);
    const aq = `from=${iso(analysisFrom)}&to=${iso(to)}`;
    tiles('hotspots', aq);
    tiles('blindzones', `${aq}&level=cell`);
    map.setLayoutProperty('coverage-fill', 'visibility', state.metric === 'coverage' ? 'visible' : 'none');
    map.setLayoutProperty('hotspots-fill', 'visibility', state.metric === 'hotspot' ? 'visible' : 'none');
    map.setLayoutProperty('blindzones-fill', 'visibility', state.metric === 'blind' ? 'visible' : 'none');
    const windowNote = state.metric === 'coverage' ? `last ${WINDOWS.find((w) => w.hours === state.hours).label}`
      : `last ${Math.max(state.hours, ANALYSIS_MIN_HOURS) / 24} d`;
    drawLegend(windowNote);
    if (selected) showCell(selected.lngLat, selected.h3);
  }

  function drawLegend(windowNote) {
    const m = METRICS[state.metric];
    const sw = (color, label, cls = 'swatch') => h('li', {}, h('span', { class: cls, dataset: { color } }), label);
    fill(legend,
      h('h2', {}, `${m.zh} ${m.en}`, h('small', {}, ` · ${windowNote}`)),
      h('ul', { class: 'legend-list' }, m.legend.map(([c, l]) => sw(c, l))),
      h('h2', {}, '案件 cases by status'),
      h('ul', { class: 'legend-list cols' }, Object.entries(STATUS_COLORS).map(([s, c]) => sw(c, STATUS_NAMES[s], 'dot'))),
      h('h2', {}, '警员 officers'),
      h('ul', { class: 'legend-list' }, sw('#22d3ee', 'on duty (fix < 15 min), with trail', 'dot'), sw('#6b7280', 'stale (no fix for 15 min)', 'dot')));
    // Colours come from data attributes: CSP forbids inline style attributes in markup,
    // but setting the style property from script is allowed.
    for (const s of legend.querySelectorAll('[data-color]')) s.style.background = s.dataset.color;
  }

  // --- live officers ---
  const officers = new Map();
  api('/api/v1/officers').then((list) => { for (const o of list) officers.set(o.id, o); }).catch(() => {});
  let renderPending = false;
  const renderLive = () => {
    renderPending = false;
    const now = Date.now();
    const points = [];
    const trails = [];
    let onDuty = 0;
    for (const [id, o] of live) {
      const stale = now - o.ms > STALE_MS;
      if (!stale) onDuty++;
      points.push({ type: 'Feature', properties: { officer: id, stale, time: o.time }, geometry: { type: 'Point', coordinates: [o.lon, o.lat] } });
      const trail = o.trail.filter((p) => o.ms - p[2] <= TRAIL_MS);
      if (!stale && trail.length > 1) {
        trails.push({ type: 'Feature', properties: { officer: id }, geometry: { type: 'LineString', coordinates: trail.map((p) => [p[0], p[1]]) } });
      }
    }
    setGeoJSON(map, 'live', { type: 'FeatureCollection', features: points });
    setGeoJSON(map, 'live-trails', { type: 'FeatureCollection', features: trails });
    setCounter('on-duty', onDuty);
  };
  const scheduleLive = () => {
    if (!renderPending) {
      renderPending = true;
      setTimeout(renderLive, 300);
    }
  };
  onPosition = (p) => {
    const ms = new Date(p.time).getTime();
    let o = live.get(p.officer);
    if (o && ms <= o.ms) return; // a repeat, or older than what we show
    if (!o) {
      o = { trail: [] };
      live.set(p.officer, o);
    }
    Object.assign(o, { lon: p.lon, lat: p.lat, time: p.time, ms, h3: p.h3 });
    o.trail.push([p.lon, p.lat, ms]);
    if (o.trail.length > TRAIL_POINTS) o.trail.splice(0, o.trail.length - TRAIL_POINTS);
    scheduleLive();
  };
  for (const p of early.splice(0)) onPosition(p);
  setInterval(renderLive, 30_000); // officers turn stale with time alone

  // --- counters ---
  const counterDefs = [
    ['on-duty', '在岗警员', 'officers on duty'],
    ['open-cases', '未结案件', 'open cases'],
    ['cases-today', '今日案件', 'cases today'],
    ['unpatrolled', '7日未巡查单元', 'cells not patrolled in 7 days'],
  ];
  fill(counters, counterDefs.map(([id, zh, en]) => h('div', { class: 'counter', id: `counter-${id}` },
    h('div', { class: 'value' }, '…'), h('div', { class: 'label' }, h('span', { class: 'zh' }, zh), h('span', { class: 'en' }, en)))));
  function setCounter(id, n) {
    const v = document.querySelector(`#counter-${id} .value`);
    if (v) v.textContent = fmtNum(n);
  }
  let lastCoverage = 0;
  async function refreshCounters() {
    try {
      const open = await Promise.all(OPEN_STATUSES.map((s) => api(`/api/v1/cases?status=${s}&limit=10000`)));
      setCounter('open-cases', open.reduce((n, l) => n + l.length, 0));
      const today = await api(`/api/v1/cases?from=${iso(chinaMidnight())}&to=${iso(Date.now() + 3600_000)}&limit=10000`);
      setCounter('cases-today', today.length);
      if (Date.now() - lastCoverage > 5 * 60_000) {
        const to = new Date(hourFloor(Date.now()).getTime() + 3600_000);
        const cov = await api(`/api/v1/coverage?from=${iso(to.getTime() - 7 * 86400_000)}&to=${iso(to)}`);
        setCounter('unpatrolled', cov.filter((c) => !c.visits).length);
        lastCoverage = Date.now();
      }
    } catch (err) {
      toast(`counters: ${err.message}`, 'error');
    }
  }
  refreshCounters();
  setInterval(refreshCounters, 30_000);
  // Tiles of changing data (new cases, new fixes) are fetched again now and then; the
  // server answers 304 for those that did not change.
  setInterval(() => { for (const id of ['cases', 'coverage', 'tracks']) map.getSource(id).setTiles([urls[id]]); }, 60_000);

  // --- clicking ---
  const popup = new maplibregl.Popup({ closeButton: true, maxWidth: 'none', className: 'gw-popup' });
  map.on('click', (e) => {
    const near = 8 * uiScale();
    const box = [[e.point.x - near, e.point.y - near], [e.point.x + near, e.point.y + near]];
    const hit = map.queryRenderedFeatures(box, { layers: ['live-officers'] })[0];
    if (hit) {
      const id = hit.properties.officer;
      const o = live.get(id);
      const info = officers.get(id);
      popup.setLngLat(hit.geometry.coordinates).setDOMContent(h('div', { class: 'officer-pop' },
        h('strong', {}, info?.name || id), h('div', {}, id),
        h('div', {}, `last fix ${fmtTime(o?.time)} (${ago(o?.time)})`))).addTo(map);
      return;
    }
    if (!map.queryRenderedFeatures(e.point, { layers: ['townships-hit'] }).length) return;
    showCell(e.lngLat);
  });
  map.on('mousemove', (e) => {
    map.getCanvas().style.cursor = map.queryRenderedFeatures(e.point, { layers: ['townships-hit'] }).length ? 'pointer' : '';
  });

  async function showCell(lngLat, knownH3) {
    cellPanel.hidden = false;
    fill(cellPanel, h('p', {}, '…'));
    try {
      const loc = await api(`/api/v1/locate?lat=${lngLat.lat}&lon=${lngLat.lng}`);
      if (knownH3 && loc.h3 !== knownH3) return;
      selected = { lngLat, h3: loc.h3 };
      const to = new Date(hourFloor(Date.now()).getTime() + 3600_000);
      const from = new Date(to.getTime() - state.hours * 3600_000);
      const lookback = new Date(to.getTime() - 90 * 86400_000);
      const t = loc.township.code;
      const [cov, list, hexes] = await Promise.all([
        api(`/api/v1/coverage?township=${t}&from=${iso(lookback)}&to=${iso(to)}`),
        api(`/api/v1/cases?township=${t}&from=${iso(from)}&to=${iso(to)}&limit=10000`),
        loc.grid ? api(`/api/v1/cells?grid=${encodeURIComponent(loc.grid.code)}`) : Promise.resolve(emptyFC()),
      ]);
      const c = cov.find((x) => x.h3 === loc.h3);
      const here = list.filter((x) => x.h3 === loc.h3);
      const bySector = {};
      for (const x of here) bySector[x.sector] = (bySector[x.sector] || 0) + 1;
      const area = hexes.features || [];
      setGeoJSON(map, 'selected-area', { type: 'FeatureCollection', features: area });
      setGeoJSON(map, 'selected-cell', { type: 'FeatureCollection', features: area.filter((f) => String(f.id) === loc.h3 || f.properties?.h3 === loc.h3) });
      const max = Math.max(1, ...Object.values(bySector));
      fill(cellPanel,
        h('button', { class: 'close', 'aria-label': 'close', onclick: () => { cellPanel.hidden = true; selected = null; setGeoJSON(map, 'selected-area', emptyFC()); setGeoJSON(map, 'selected-cell', emptyFC()); } }, '×'),
        h('h2', {}, `${loc.township.name} · ${loc.grid?.name || '—'}`),
        h('dl', {},
          h('dt', {}, '镇街 township'), h('dd', { id: 'cell-township' }, `${loc.township.name} (${loc.township.code})`),
          h('dt', {}, '网格 grid area'), h('dd', { id: 'cell-grid' }, loc.grid ? `${loc.grid.name} (${loc.grid.code})` : 'none'),
          h('dt', {}, '中队 squadron'), h('dd', {}, loc.squadron?.name || '—'),
          h('dt', {}, 'H3 cell'), h('dd', { class: 'mono' }, loc.h3),
          h('dt', {}, '最近巡查 last visit'), h('dd', { id: 'cell-last-visit' }, c?.last_visit ? `${fmtTime(c.last_visit)} (${ago(c.last_visit)})` : 'not in 90 days'),
          h('dt', {}, '巡查 visits, 90 d'), h('dd', {}, c ? `${fmtNum(c.visits)} by ${fmtNum(c.officers)} officers, ${fmtNum((c.dwell_s || 0) / 60)} min` : '—')),
        h('h3', {}, `案件 cases here, last ${WINDOWS.find((w) => w.hours === state.hours).label}: ${here.length}`),
        here.length ? h('ul', { class: 'bars', id: 'cell-sectors' }, Object.entries(bySector).sort((a, b) => b[1] - a[1]).map(([s, n]) =>
          h('li', {}, h('span', { class: 'name' }, sectorName[s] ? `${sectorName[s].name_zh} ${sectorName[s].name_en}` : s),
            h('span', { class: 'bar', dataset: { w: n / max } }), h('span', { class: 'n' }, String(n)))))
          : h('p', { class: 'muted', id: 'cell-sectors' }, 'No case in this cell in the window.'));
      for (const b of cellPanel.querySelectorAll('.bar')) b.style.width = `${Number(b.dataset.w) * 100}%`;
    } catch (err) {
      fill(cellPanel, h('p', { class: 'error' }, `This cell: ${err.message}`));
    }
  }

  // --- alerts ---
  onAlert = alertTray(map, tray, me, live, officers);
  for (const a of earlyAlerts.splice(0)) onAlert(a);

  apply();
  labelTownships(map, towns, 26, shapes);
  return map;
}

/** Names of the alert rules. */
export const RULE_NAMES = {
  sos: '求助 SOS',
  offline: '失联 offline',
  left_area: '离开网格 left area',
  off_plan: '偏离计划 off plan',
  mock_location: '虚拟定位 mock location',
  case_overdue: '案件超期 case overdue',
  hotspot: '热点 hot spot',
};

/**
 * What an alert in the tray is about: the case, the hot spot's cell, or the officer (and
 * which half of off_plan).
 */
function alertWho(a, name) {
  switch (a.rule) {
    case 'case_overdue': return `案件 case #${a.subject}${name ? ` · ${name}` : ''}`;
    case 'hotspot': return `单元 cell ${a.subject}${a.detail?.category ? ` · ${a.detail.category}` : ''}`;
    case 'off_plan': return `${name} · ${a.subject.endsWith('/route') ? '偏离路线 away from the route' : '漏巡 missed cells'}`;
    default: return name;
  }
}

/**
 * The alert tray: the open and acknowledged alerts, newest first, kept current by the
 * live feed; a beep for each new one (muted with a click, remembered), the officer's
 * marker flashing while an alert of theirs is open, acknowledgement in one click for the
 * roles that may. Returns the live feed's alert handler.
 */
function alertTray(map, tray, me, live, officers) {
  const alerts = new Map(); // id → alert, not resolved
  const mayAck = me.role === 'admin' || me.role === 'supervisor';
  let muted = localStorage.getItem('gridwatch.muted') === '1';
  let audio = null;
  const beep = () => {
    if (muted) return;
    try {
      audio ??= new AudioContext();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch {
      // no audio on this machine: the tray and the flashing still tell
    }
  };
  const ack = async (a, button) => {
    button.disabled = true;
    try {
      update(await api(`/api/v1/alerts/${a.id}/ack`, { method: 'POST', body: {} }));
    } catch (err) {
      toast(`acknowledge: ${err.message}`, 'error');
      button.disabled = false;
    }
  };
  const render = () => {
    const list = [...alerts.values()].sort((x, y) => (y.raised_at > x.raised_at ? 1 : -1));
    const open = list.filter((a) => a.status === 'open').length;
    const muteButton = h('button', { id: 'alerts-mute', 'aria-pressed': String(muted), onclick: () => {
      muted = !muted;
      localStorage.setItem('gridwatch.muted', muted ? '1' : '0');
      render();
    } }, muted ? '静音 muted' : '声音 sound on');
    fill(tray,
      h('h2', {}, `告警 alerts `, h('span', { id: 'alerts-open', class: open ? 'badge hot' : 'badge' }, String(open)), ' ', muteButton),
      list.length ? h('ul', { class: 'alert-list' }, list.map((a) => {
        const name = a.officer ? (officers.get(a.officer)?.name || a.officer) : '';
        const who = alertWho(a, name);
        return h('li', { class: `alert-item ${a.status}`, dataset: { id: a.id, rule: a.rule } },
          h('div', {}, h('strong', {}, RULE_NAMES[a.rule] || a.rule), ' · ', who),
          h('div', { class: 'muted small' }, `${fmtTime(a.observed_at)} (${ago(a.observed_at)}) · ${a.status === 'open' ? '待确认 open' : `已确认 acknowledged by ${a.acked_by}`}`),
          a.status === 'open' && mayAck ? h('button', { class: 'ack', onclick: (e) => ack(a, e.target) }, '确认 acknowledge') : null);
      })) : h('p', { class: 'muted', id: 'alerts-none' }, '无告警 no alerts'));
    marks();
  };
  // The flashing marks: open alerts at the officer's live position (or where it was raised).
  map.addSource('alert-marks', { type: 'geojson', data: emptyFC() });
  map.addLayer({ id: 'alert-marks', type: 'circle', source: 'alert-marks',
    paint: { 'circle-radius': 16 * uiScale(), 'circle-color': '#ef4444', 'circle-opacity': 0.35, 'circle-stroke-color': '#fecaca', 'circle-stroke-width': 2 * uiScale() } },
  'live-officers');
  const marks = () => {
    const features = [];
    for (const a of alerts.values()) {
      if (a.status !== 'open') continue;
      const o = a.officer ? live.get(a.officer) : null;
      const at = o ? [o.lon, o.lat] : (a.lon != null ? [a.lon, a.lat] : null);
      if (at) features.push({ type: 'Feature', properties: { id: a.id, officer: a.officer || '', rule: a.rule }, geometry: { type: 'Point', coordinates: at } });
    }
    setGeoJSON(map, 'alert-marks', { type: 'FeatureCollection', features });
  };
  let on = false;
  setInterval(() => {
    on = !on;
    map.setPaintProperty('alert-marks', 'circle-opacity', on ? 0.85 : 0.2);
  }, 500);
  setInterval(marks, 5_000); // follow the officers as they move
  const seen = new Map(); // id → when the live feed brought it (ms), for tests and for the record
  const update = (a) => {
    const known = alerts.get(a.id);
    if (!seen.has(a.id)) seen.set(a.id, Date.now());
    if (a.status === 'resolved') alerts.delete(a.id);
    else alerts.set(a.id, a);
    if (!known && a.status === 'open') beep();
    render();
  };
  render();
  Promise.all(['open', 'acknowledged'].map((st) => api(`/api/v1/alerts?status=${st}`)))
    .then((lists) => {
      for (const l of lists) for (const a of l.alerts) if (!alerts.has(a.id)) alerts.set(a.id, a);
      render();
    })
    .catch((err) => toast(`alerts: ${err.message}`, 'error'));
  window.gridwatch.alerts = alerts;
  window.gridwatch.alertsSeen = seen;
  return update;
}


/** The wall's own layers on top of the server's style. */
function addLayers(map) {
  const s = uiScale();
  const firstSymbol = map.getStyle().layers.find((l) => l.type === 'symbol')?.id;
  const vector = (id) => map.addSource(id, { type: 'vector', tiles: [`${location.origin}/tiles/${id}/{z}/{x}/{y}.mvt`], minzoom: 6, maxzoom: 16 });
  vector('hotspots');
  vector('blindzones');
  map.addLayer({ id: 'hotspots-fill', type: 'fill', source: 'hotspots', 'source-layer': 'hotspots', layout: { visibility: 'none' },
    paint: { 'fill-color': BIN_COLORS, 'fill-opacity': 0.75 } }, 'grids-line');
  map.addLayer({ id: 'blindzones-fill', type: 'fill', source: 'blindzones', 'source-layer': 'blindzones', layout: { visibility: 'none' },
    paint: { 'fill-color': KIND_COLORS, 'fill-opacity': 0.7 } }, 'grids-line');
  map.setPaintProperty('coverage-fill', 'fill-opacity', 0.7);
  map.setLayerZoomRange('grids-line', 9, 24);
  map.setPaintProperty('grids-line', 'line-color', '#7b8aa0');
  map.setPaintProperty('grids-line', 'line-width', ['interpolate', ['linear'], ['zoom'], 9, 0.6 * s, 13, 1.5 * s]);
  map.setPaintProperty('townships-line', 'line-width', 3 * s);
  map.addLayer({ id: 'townships-hit', type: 'fill', source: 'townships', 'source-layer': 'townships', paint: { 'fill-color': '#000', 'fill-opacity': 0 } }, 'grids-line');
  // Historical tracks only when zoomed in: at city scale they would bury everything.
  map.setLayerZoomRange('tracks-line', 12, 24);
  map.setPaintProperty('tracks-line', 'line-opacity', 0.45);
  map.setPaintProperty('tracks-line', 'line-width', 1.2 * s);
  map.setPaintProperty('tracks-line', 'line-color', '#d69e2e');
  // Below zoom 12 cases come as clusters with a count and no status.
  map.setPaintProperty('cases-circle', 'circle-opacity', ['case', ['has', 'status'], 0.95, 0.55]);
  map.setPaintProperty('cases-circle', 'circle-color', ['match', ['coalesce', ['get', 'status'], ''],
    ...Object.entries(STATUS_COLORS).flat(), '#cbd5e0']);
  map.addLayer({ id: 'cells-line', type: 'line', source: 'cells', 'source-layer': 'cells', minzoom: 13, paint: { 'line-color': '#334155', 'line-width': 0.5 * s } }, 'grids-line');

  map.addSource('selected-area', { type: 'geojson', data: emptyFC() });
  map.addSource('selected-cell', { type: 'geojson', data: emptyFC() });
  map.addLayer({ id: 'selected-area-line', type: 'line', source: 'selected-area', paint: { 'line-color': '#fbd38d', 'line-width': 1 * s, 'line-opacity': 0.6 } }, firstSymbol);
  map.addLayer({ id: 'selected-cell-line', type: 'line', source: 'selected-cell', paint: { 'line-color': '#fefcbf', 'line-width': 3 * s } }, firstSymbol);

  map.addSource('live-trails', { type: 'geojson', data: emptyFC() });
  map.addSource('live', { type: 'geojson', data: emptyFC() });
  map.addLayer({ id: 'live-trails', type: 'line', source: 'live-trails', layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': '#22d3ee', 'line-width': 3 * s, 'line-opacity': 0.7 } });
  map.addLayer({ id: 'live-officers', type: 'circle', source: 'live', layout: { 'circle-sort-key': ['case', ['get', 'stale'], 0, 1] },
    paint: {
      'circle-radius': ['case', ['get', 'stale'], 4.5 * s, 8 * s],
      'circle-color': ['case', ['get', 'stale'], '#6b7280', '#22d3ee'],
      'circle-stroke-color': ['case', ['get', 'stale'], '#374151', '#ffffff'],
      'circle-stroke-width': ['case', ['get', 'stale'], 1 * s, 2.5 * s],
      'circle-opacity': ['case', ['get', 'stale'], 0.75, 1],
    } });
}
