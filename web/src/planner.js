// The patrol planner (/planner): a squadron's shift planned (POST /plans), each officer's
// route on the map with why each cell is on it, the GPX for the officers' phones, and how
// well past plans were followed (GET /plans/{id}/compliance).
import { api, h, fill, fmtTime, fmtNum, townships, toast, download } from './common.js';
import { sideMap, setGeoJSON, emptyFC, fitPoints, uiScale } from './map.js';

const ROUTE_COLORS = ['#f6e05e', '#63b3ed', '#f687b3', '#68d391', '#fbd38d', '#b794f4', '#4fd1c5', '#fc8181',
  '#a3bffa', '#9ae6b4', '#feb2b2', '#faf089'];
const START_FROM = { live_position: 'live position', squadron_base: 'squadron base', squadron_area: "squadron's area" };

/** The next 08:00 China time as the value of a datetime-local input (read as China time). */
function nextShift(now = new Date()) {
  const cst = new Date(now.getTime() + 8 * 3600_000);
  if (cst.getUTCHours() >= 8) cst.setUTCDate(cst.getUTCDate() + 1);
  cst.setUTCHours(8, 0, 0, 0);
  return cst.toISOString().slice(0, 16);
}

/** A datetime-local value read as China time, as a Date. */
function fromChinaLocal(value) {
  return new Date(`${value}:00+08:00`);
}

export async function planner(main, me) {
  const form = h('form', { id: 'plan-form', class: 'form-grid' });
  const pastBox = h('div', { id: 'past-plans' });
  const left = h('section', { class: 'panel stack', 'aria-label': 'plan a shift' },
    h('h2', {}, '巡查计划 Plan a shift'), form, h('h2', { class: 'spaced' }, '历史计划 Past plans and compliance'), pastBox);
  const mapBox = h('div', { class: 'minimap', id: 'plan-map' });
  const result = h('div', { id: 'plan-result', class: 'plan-result' }, h('p', { class: 'muted' }, 'Pick a squadron and its officers, then generate a plan.'));
  const right = h('section', { class: 'panel stack', 'aria-label': 'plan' }, mapBox, result);
  main.append(h('div', { class: 'work' }, left, right));

  const towns = await townships();
  const townSelect = h('select', { id: 'plan-township', name: 'township' }, towns.map((t) => h('option', { value: t.code }, `${t.name} ${t.code}`)));
  if (me.township) townSelect.value = me.township;
  const squadronSelect = h('select', { id: 'plan-squadron', name: 'squadron' });
  const officerBox = h('div', { class: 'officer-list', id: 'plan-officers' });
  const start = h('input', { type: 'datetime-local', id: 'plan-start', value: nextShift(), required: true });
  const duration = h('input', { type: 'number', id: 'plan-duration', min: 30, max: 1440, step: 30, value: 480, required: true });
  const speed = h('input', { type: 'number', id: 'plan-speed', min: 1, max: 60, step: 0.5, value: 5, required: true });
  const dwell = h('input', { type: 'number', id: 'plan-dwell', min: 0, max: 120, value: 5, required: true });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'plan-generate' }, '生成计划 Generate plan');
  fill(form,
    h('label', { for: 'plan-township' }, '镇街 Township'), townSelect,
    h('label', { for: 'plan-squadron' }, '中队 Squadron'), squadronSelect,
    h('label', {}, '警员 Officers'), officerBox,
    h('label', { for: 'plan-start' }, '班次开始 Shift start (China time)'), start,
    h('label', { for: 'plan-duration' }, '时长 Duration, min'), duration,
    h('label', { for: 'plan-speed' }, '速度 Speed, km/h'), speed,
    h('label', { for: 'plan-dwell' }, '停留 Dwell per cell, min'), dwell,
    h('span', {}), submit);

  let map = null;
  const mapReady = (async () => {
    map = await sideMap(mapBox);
    const s = uiScale();
    map.setLayoutProperty('cases-circle', 'visibility', 'none');
    map.addSource('plan-routes', { type: 'geojson', data: emptyFC() });
    map.addSource('plan-stops', { type: 'geojson', data: emptyFC() });
    map.addLayer({ id: 'plan-routes', type: 'line', source: 'plan-routes', layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': ['get', 'color'], 'line-width': 3 * s } });
    map.addLayer({ id: 'plan-stops', type: 'circle', source: 'plan-stops',
      paint: { 'circle-radius': ['case', ['get', 'start'], 8 * s, 5 * s], 'circle-color': ['get', 'color'], 'circle-stroke-color': '#0b1220', 'circle-stroke-width': 1.5 * s } });
  })();

  async function loadSquadrons() {
    const list = await api(`/api/v1/squadrons?township=${encodeURIComponent(townSelect.value)}`);
    fill(squadronSelect, list.map((q) => h('option', { value: q.code }, `${q.name} ${q.code}`)));
    await loadOfficers();
  }
  async function loadOfficers() {
    const q = squadronSelect.value;
    if (!q) {
      fill(officerBox, h('span', { class: 'muted' }, 'no squadron'));
      return;
    }
    const list = await api(`/api/v1/officers?squadron=${encodeURIComponent(q)}`);
    fill(officerBox, list.map((o) => h('label', {}, h('input', { type: 'checkbox', value: o.id, checked: true }), ` ${o.name} `, h('span', { class: 'muted mono small' }, o.id))));
    await loadPast();
  }
  townSelect.addEventListener('change', () => loadSquadrons().catch((e) => toast(e.message, 'error')));
  squadronSelect.addEventListener('change', () => loadOfficers().catch((e) => toast(e.message, 'error')));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const officers = [...officerBox.querySelectorAll('input:checked')].map((i) => i.value);
    if (!officers.length) {
      toast('Pick at least one officer.', 'error');
      return;
    }
    submit.disabled = true;
    fill(result, h('p', {}, `Planning ${officers.length} routes …`));
    try {
      const plan = await api('/api/v1/plans', {
        method: 'POST',
        body: {
          squadron: squadronSelect.value, start: fromChinaLocal(start.value).toISOString(), duration_min: Number(duration.value),
          speed_kmh: Number(speed.value), dwell_min: Number(dwell.value), officers,
        },
      });
      await showPlan(plan);
      await loadPast();
    } catch (err) {
      fill(result, h('p', { class: 'error' }, `No plan: ${err.message}`));
    } finally {
      submit.disabled = false;
    }
  });

  let shownID = null;
  async function showPlan(plan) {
    shownID = plan.id;
    const lines = [];
    const stops = [];
    const all = [];
    plan.routes.forEach((r, i) => {
      const color = ROUTE_COLORS[i % ROUTE_COLORS.length];
      if (r.line) lines.push({ type: 'Feature', properties: { officer: r.officer, color }, geometry: r.line });
      stops.push({ type: 'Feature', properties: { officer: r.officer, color, start: true }, geometry: { type: 'Point', coordinates: r.start } });
      all.push(r.start);
      for (const w of r.waypoints || []) {
        stops.push({ type: 'Feature', properties: { officer: r.officer, color, start: false, h3: w.h3 }, geometry: { type: 'Point', coordinates: [w.lon, w.lat] } });
        all.push([w.lon, w.lat]);
      }
    });
    const gpx = h('button', { id: 'plan-gpx', onclick: () => download(`/api/v1/plans/${plan.id}.gpx`, `plan-${plan.id}.gpx`).catch((e) => toast(e.message, 'error')) }, '下载 GPX');
    const compliance = h('button', { onclick: () => showCompliance(plan.id) }, '执行情况 Compliance');
    const cells = plan.routes.reduce((n, r) => n + (r.waypoints?.length || 0), 0);
    fill(result,
      h('div', { class: 'toolbar' },
        h('h2', { id: 'plan-title' }, `计划 Plan #${plan.id}`),
        h('span', { class: 'muted' }, `${plan.squadron} · ${fmtTime(plan.start)}–${fmtTime(plan.end)} · ${cells} cells of ${plan.cells_considered} considered · priority ${fmtNum(plan.priority, 2)}`),
        gpx, compliance),
      h('div', { id: 'compliance' }),
      h('div', { class: 'routes', id: 'plan-routes' }, plan.routes.map((r, i) => {
        const key = h('span', { class: 'route-key' });
        key.style.background = ROUTE_COLORS[i % ROUTE_COLORS.length];
        return h('details', { class: 'route', open: i === 0, dataset: { officer: r.officer } },
          h('summary', {}, key, h('strong', {}, r.officer),
            ` · ${(r.waypoints || []).length} cells · travel ${fmtNum(r.travel_s / 60)} min · dwell ${fmtNum(r.dwell_s / 60)} min · from ${START_FROM[r.start_from] || r.start_from}`),
          h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'ETA'), h('th', {}, 'cell'), h('th', { class: 'num' }, 'priority'), h('th', {}, 'reasons'))),
            h('tbody', {}, (r.waypoints || []).map((w, j) => h('tr', {},
              h('td', {}, String(j + 1)), h('td', {}, fmtTime(w.eta)), h('td', { class: 'mono small' }, w.h3),
              h('td', { class: 'num' }, fmtNum(w.priority, 2)), h('td', { class: 'reasons' }, (w.reasons || []).join('; ')))))));
      })));
    await mapReady;
    setGeoJSON(map, 'plan-routes', { type: 'FeatureCollection', features: lines });
    setGeoJSON(map, 'plan-stops', { type: 'FeatureCollection', features: stops });
    map.resize();
    fitPoints(map, all, 40);
  }

  async function showCompliance(id) {
    if (shownID !== id) await showPlan(await api(`/api/v1/plans/${id}`));
    const box = document.getElementById('compliance');
    try {
      const c = await api(`/api/v1/plans/${id}/compliance`);
      fill(box, h('h3', {}, `执行情况 Compliance of plan #${id}: ${fmtNum(c.visited_percent, 1)} % visited`),
        h('table', { id: 'compliance-table' },
          h('thead', {}, h('tr', {}, ['officer', 'planned', 'on time', 'late', 'missed', 'unplanned'].map((t, i) => h('th', { class: i ? 'num' : '' }, t)))),
          h('tbody', {}, c.officers.map((o) => h('tr', {}, h('td', { class: 'mono' }, o.officer), h('td', { class: 'num' }, String(o.planned)),
            h('td', { class: 'num' }, String(o.visited?.length || 0)), h('td', { class: 'num' }, String(o.late?.length || 0)),
            h('td', { class: 'num' }, String(o.missed?.length || 0)), h('td', { class: 'num' }, String(o.unplanned?.length || 0))))),
          h('tfoot', {}, h('tr', {}, h('td', {}, 'total'), h('td', { class: 'num' }, String(c.planned)), h('td', { class: 'num' }, String(c.visited)),
            h('td', { class: 'num' }, String(c.late)), h('td', { class: 'num' }, String(c.missed)), h('td', {})))));
    } catch (err) {
      fill(box, h('p', { class: 'error' }, `Compliance: ${err.message}`));
    }
  }

  async function loadPast() {
    const q = squadronSelect.value;
    if (!q) return;
    const list = await api(`/api/v1/plans?squadron=${encodeURIComponent(q)}&limit=20`);
    fill(pastBox, list.length
      ? h('table', { id: 'past-plans-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'plan'), h('th', {}, 'shift'), h('th', {}, 'by'), h('th', {}, ''))),
        h('tbody', {}, list.map((p) => h('tr', { dataset: { id: p.id } },
          h('td', {}, `#${p.id}`), h('td', {}, `${fmtTime(p.start)}–${fmtTime(p.end)}`), h('td', { class: 'small' }, p.created_by),
          h('td', {}, h('button', { class: 'link', onclick: () => api(`/api/v1/plans/${p.id}`).then(showPlan).catch((e) => toast(e.message, 'error')) }, 'show'), ' ',
            h('button', { class: 'link', onclick: () => showCompliance(p.id) }, 'compliance'))))))
      : h('p', { class: 'muted' }, 'No plan for this squadron yet.'));
  }

  await loadSquadrons();
}
