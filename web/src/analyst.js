// The analyst's page (/analyst): supervision blind zones ranked with the numbers behind
// each flag, hot spot and emerging hot spot maps, the use of the delegated powers as a
// township × sector matrix, cases per sector per township and over time, and the
// downloads (CSV, GeoJSON) behind them.
import { api, h, fill, fmtNum, iso, sectors, townships, toast, download, SECTOR_PALETTE } from './common.js';
import { mapStyle, newMap, loaded, setGeoJSON, emptyFC, labelTownships, uiScale } from './map.js';

const KIND_ORDER = { double_blank: 0, sector_gap: 1, patrol_gap: 2, none: 3 };
const KIND_NAMES = {
  double_blank: '双空白 double blank', sector_gap: '行业盲区 sector gap', patrol_gap: '巡查空白 patrol gap', none: '—',
};
const EMERGING_COLORS = {
  new_hot: '#fed7d7', consecutive_hot: '#feb2b2', intensifying_hot: '#c53030', persistent_hot: '#e53e3e',
  diminishing_hot: '#fc8181', sporadic_hot: '#f6ad55', oscillating_hot: '#dd6b20', historical_hot: '#9c4221',
  new_cold: '#bee3f8', consecutive_cold: '#90cdf4', intensifying_cold: '#2b6cb0', persistent_cold: '#3182ce',
  diminishing_cold: '#63b3ed', sporadic_cold: '#4fd1c5', oscillating_cold: '#319795', historical_cold: '#2c5282',
};
const WINDOWS = [{ days: 30, label: '30 d' }, { days: 90, label: '90 d' }];

export async function analyst(main, me) {
  // A token confined to one township has one township to compare: nothing. Its blind
  // zones start at its grid areas, and township is not offered (the server refuses it).
  const scoped = Boolean(me && me.township);
  const levels = scoped ? ['grid', 'cell'] : ['township', 'grid', 'cell'];
  const state = { level: levels[0], days: 90, mapMode: 'hotspots' };
  const blindBox = h('section', { class: 'panel', id: 'blindzones', 'aria-label': 'blind zones' });
  const mapBox = h('div', { class: 'minimap', id: 'analyst-map' });
  const mapBar = h('div', { class: 'toolbar', id: 'analyst-map-bar' });
  const mapLegend = h('div', { class: 'small', id: 'analyst-legend' });
  const mapPanel = h('section', { class: 'panel stack', 'aria-label': 'hot spots' }, mapBar, mapBox, mapLegend);
  const chartBox = h('section', { class: 'panel chart', id: 'charts', 'aria-label': 'charts' });
  chartBox.classList.add('span2');
  const powersBox = h('section', { class: 'panel span2', id: 'powers', 'aria-label': 'powers usage' });
  main.append(h('div', { class: 'work' }, blindBox, mapPanel, powersBox, chartBox));

  const [sectorList, towns, grids] = await Promise.all([sectors(), townships(), api('/api/v1/grids')]);
  const townName = Object.fromEntries(towns.map((t) => [t.code, t.name]));
  const gridName = Object.fromEntries(grids.map((g) => [g.code, g.name]));
  const sectorName = Object.fromEntries(sectorList.map((s) => [s.code, s.name_zh]));
  const window_ = () => {
    const to = new Date(Math.ceil(Date.now() / 3600_000) * 3600_000);
    return { from: new Date(to.getTime() - state.days * 86400_000), to };
  };
  const q = () => { const w = window_(); return `from=${iso(w.from)}&to=${iso(w.to)}`; };

  // --- blind zones ---
  async function loadBlind() {
    fill(blindBox, h('h2', {}, '监管盲区 Blind zones'), h('p', {}, '…'));
    const fc = await api(`/api/v1/blindzones?level=${state.level}&${q()}`);
    const rows = fc.features.map((f) => f.properties)
      .sort((a, b) => (KIND_ORDER[a.kind] - KIND_ORDER[b.kind]) || (a.p_adjusted - b.p_adjusted) || (b.expected_other - a.expected_other));
    const flagged = rows.filter((r) => r.kind !== 'none');
    const name = (r) => (state.level === 'township' ? `${townName[r.code] || r.code}` : state.level === 'grid' ? (gridName[r.code] || r.code) : (r.h3 || r.code));
    const shown = state.level === 'cell' ? rows.slice(0, Math.max(200, flagged.length)).slice(0, 1000) : rows;
    const levelSel = h('select', { id: 'blind-level', onchange: (e) => { state.level = e.target.value; loadBlind().catch(fail); } },
      levels.map((l) => h('option', { value: l }, { township: '镇街 township', grid: '网格 grid area', cell: '单元 cell (with neighbours)' }[l])));
    levelSel.value = state.level;
    const base = `/api/v1/blindzones?level=${state.level}&${q()}`;
    fill(blindBox,
      h('div', { class: 'toolbar' },
        h('h2', {}, '监管盲区 Blind zones'),
        levelSel,
        h('span', { class: 'muted', id: 'blind-summary' }, `${flagged.length} flagged of ${rows.length}`),
        h('button', { id: 'blind-csv', onclick: () => download(`${base}&format=csv`, `blindzones-${state.level}.csv`).catch(fail) }, 'CSV'),
        h('button', { id: 'blind-geojson', onclick: () => download(`${base}&format=geojson`, `blindzones-${state.level}.geojson`).catch(fail) }, 'GeoJSON')),
      h('table', { id: 'blind-table' },
        h('thead', {}, h('tr', {}, ['#', 'unit', 'kind', 'patrol h', 'visits', 'core', 'other', 'expected', 'p adj.', 'missing sectors', 'why'].map((t, i) =>
          h('th', { class: i >= 3 && i <= 8 ? 'num' : '' }, t)))),
        h('tbody', {}, shown.map((r, i) => h('tr', { class: `kind-row-${r.kind}`, dataset: { code: r.code || r.h3, kind: r.kind } },
          h('td', { class: 'num' }, String(i + 1)),
          h('td', { class: 'unit' }, name(r)),
          h('td', { class: `kind kind-${r.kind}` }, KIND_NAMES[r.kind] || r.kind),
          h('td', { class: 'num' }, fmtNum(r.patrol_hours, 1)),
          h('td', { class: 'num' }, fmtNum(r.patrol_visits)),
          h('td', { class: 'num' }, fmtNum(r.cases_core)),
          h('td', { class: 'num' }, fmtNum(r.cases_other)),
          h('td', { class: 'num' }, fmtNum(r.expected_other, 1)),
          h('td', { class: 'num' }, fmtP(r.p_adjusted)),
          h('td', { class: 'small' }, (r.sectors_missing || []).map((s) => sectorName[s] || s).join('、') || '—',
            (r.items_unused || []).length ? h('div', { class: 'items-unused', title: r.items_unused.join(' ') },
              `${r.items_unused.length} items held, unused`) : ''),
          h('td', { class: 'reasons' }, r.reason))))));
  }

  // --- the map ---
  const style = await mapStyle();
  const map = newMap(mapBox, style, { center: [120.28, 31.84], zoom: 9.4 });
  window.gridwatch = { map };
  await loaded(map);
  const s = uiScale();
  for (const id of ['coverage-fill', 'tracks-line', 'cases-circle']) map.setLayoutProperty(id, 'visibility', 'none');
  map.addSource('hotspots', { type: 'vector', tiles: [`${location.origin}/tiles/hotspots/{z}/{x}/{y}.mvt?${q()}`], minzoom: 6, maxzoom: 16 });
  map.addSource('emerging', { type: 'geojson', data: emptyFC() });
  const before = map.getLayer('grids-line') ? 'grids-line' : undefined;
  map.addLayer({ id: 'hotspots-fill', type: 'fill', source: 'hotspots', 'source-layer': 'hotspots',
    paint: { 'fill-color': ['match', ['get', 'bin'], 3, '#b2182b', 2, '#d6604d', 1, '#f4a582', -1, '#92c5de', -2, '#4393c3', -3, '#2166ac', 'rgba(0,0,0,0)'], 'fill-opacity': 0.8 } }, before);
  map.addLayer({ id: 'emerging-fill', type: 'fill', source: 'emerging', layout: { visibility: 'none' },
    paint: { 'fill-color': ['match', ['get', 'category'], ...Object.entries(EMERGING_COLORS).flat(), 'rgba(0,0,0,0)'], 'fill-opacity': 0.85 } }, before);
  map.setPaintProperty('townships-line', 'line-width', 2 * s);
  labelTownships(map, towns);
  try {
    const tj = await api('/tiles/townships.json');
    if (Array.isArray(tj.bounds)) map.fitBounds([[tj.bounds[0], tj.bounds[1]], [tj.bounds[2], tj.bounds[3]]], { padding: 20, duration: 0 });
  } catch {
    // keep the default view
  }

  let emergingLoaded = false;
  let emergingSteps = null; // what the last emerging answer says its window can find
  // stepsNote says which steps the emerging analysis used and what they cannot show.
  const day = (t) => new Date(t).toLocaleDateString('zh-CN', { month: 'numeric', day: 'numeric' });
  function stepsNote(a) {
    const n = a.steps.length;
    const parts = [`${n} ${a.step} steps, ${day(a.steps[0].from)} – ${day(a.steps[n - 1].to)}`];
    if (a.left_out) parts.push(`${day(a.left_out.from)} – ${day(a.left_out.to)} left out (less than half a step)`);
    if (a.mostly_steps === n) parts.push(`"90 % of steps" means all ${n}`);
    if (a.unreachable.length) {
      const names = [...new Set(a.unreachable.map((c) => c.replace(/_(hot|cold)$/, '')))];
      parts.push(`this window cannot show: ${names.join(', ')}`);
    }
    return h('div', { class: 'muted', id: 'emerging-limits' }, parts.join(' · '));
  }
  async function drawMap() {
    const hot = state.mapMode === 'hotspots';
    for (const b of mapBar.querySelectorAll('button.seg')) b.setAttribute('aria-pressed', String(b.dataset.mode === state.mapMode));
    map.getSource('hotspots').setTiles([`${location.origin}/tiles/hotspots/{z}/{x}/{y}.mvt?${q()}`]);
    map.setLayoutProperty('hotspots-fill', 'visibility', hot ? 'visible' : 'none');
    map.setLayoutProperty('emerging-fill', 'visibility', hot ? 'none' : 'visible');
    const sw = (c, t) => { const x = h('span', { class: 'swatch' }); x.style.background = c; return h('span', { class: 'legend-item' }, x, ` ${t} `); };
    if (hot) {
      fill(mapLegend, sw('#b2182b', 'hot 99 %'), sw('#d6604d', '95 %'), sw('#f4a582', '90 %'), sw('#92c5de', 'cold 90 %'), sw('#4393c3', '95 %'), sw('#2166ac', '99 %'),
        h('span', { class: 'muted' }, ` Gi*, FDR-corrected, last ${state.days} d`));
    } else {
      if (!emergingLoaded) {
        fill(mapLegend, 'loading emerging hot spots …');
        const fc = await api(`/api/v1/hotspots/emerging?step=week&${q()}`);
        const kept = fc.features.filter((f) => f.properties.category && f.properties.category !== 'no_pattern');
        setGeoJSON(map, 'emerging', { type: 'FeatureCollection', features: kept });
        emergingSteps = fc;
        emergingLoaded = true;
      }
      fill(mapLegend, Object.entries(EMERGING_COLORS).filter(([k]) => k.endsWith('_hot')).map(([k, c]) => sw(c, k.replace('_hot', ''))),
        sw('#3182ce', 'cold patterns'), h('span', { class: 'muted' }, ` weekly space-time cube, last ${state.days} d`),
        stepsNote(emergingSteps));
    }
  }
  const hotQ = () => `/api/v1/hotspots?${q()}`;
  const emQ = () => `/api/v1/hotspots/emerging?step=week&${q()}`;
  const windowSel = h('select', { id: 'analyst-window', onchange: (e) => { state.days = Number(e.target.value); emergingLoaded = false; refresh(); } },
    WINDOWS.map((w) => h('option', { value: w.days }, `last ${w.label}`)));
  windowSel.value = String(state.days);
  fill(mapBar,
    h('button', { class: 'seg', dataset: { mode: 'hotspots' }, onclick: () => { state.mapMode = 'hotspots'; drawMap().catch(fail); } }, '热点 Hot spots'),
    h('button', { class: 'seg', dataset: { mode: 'emerging' }, onclick: () => { state.mapMode = 'emerging'; drawMap().catch(fail); } }, '新兴热点 Emerging'),
    windowSel,
    h('span', { class: 'muted' }, 'download:'),
    h('button', { onclick: () => download(`${hotQ()}&format=csv`, 'hotspots.csv').catch(fail) }, 'hot spots CSV'),
    h('button', { onclick: () => download(`${hotQ()}&format=geojson`, 'hotspots.geojson').catch(fail) }, 'GeoJSON'),
    h('button', { onclick: () => download(`${emQ()}&format=csv`, 'emerging.csv').catch(fail) }, 'emerging CSV'));

  // --- charts ---
  async function drawCharts() {
    const w = window_();
    const list = await api(`/api/v1/cases?from=${iso(w.from)}&to=${iso(w.to)}&limit=10000`);
    const codes = sectorList.map((x) => x.code);
    const color = Object.fromEntries(codes.map((c, i) => [c, SECTOR_PALETTE[i % SECTOR_PALETTE.length]]));
    const byTown = {};
    for (const c of list) {
      const t = c.township || 'outside';
      byTown[t] ??= {};
      byTown[t][c.sector] = (byTown[t][c.sector] || 0) + 1;
    }
    const townRows = Object.entries(byTown).map(([t, counts]) => ({ label: townName[t] || t, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) }))
      .sort((a, b) => b.total - a.total);
    // Weeks ending now: bin i covers [to − (n−i)·7 d, to − (n−i−1)·7 d).
    const weeks = Math.ceil(state.days / 7);
    const byWeek = Array.from({ length: weeks }, () => ({}));
    for (const c of list) {
      const i = weeks - 1 - Math.floor((w.to - new Date(c.reported_at)) / (7 * 86400_000));
      if (i >= 0 && i < weeks) byWeek[i][c.sector] = (byWeek[i][c.sector] || 0) + 1;
    }
    const csv = () => {
      const lines = [['township', ...codes].join(',')];
      for (const r of townRows) lines.push([r.label, ...codes.map((c) => r.counts[c] || 0)].join(','));
      const url = URL.createObjectURL(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }));
      const a = h('a', { href: url, download: 'cases-by-township-sector.csv' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    };
    const legend = h('div', { class: 'chart-legend small' }, codes.map((c) => {
      const x = h('span', { class: 'swatch' });
      x.style.background = color[c];
      return h('span', { class: 'legend-item' }, x, ` ${sectorName[c] || c} `);
    }));
    fill(chartBox,
      h('div', { class: 'toolbar' }, h('h2', {}, `案件 Cases per sector per township and per week, last ${state.days} d (${list.length})`),
        h('button', { id: 'cases-csv', onclick: csv }, 'CSV'),
        h('button', { onclick: () => download(`/api/v1/cases/sla?from=${iso(w.from)}&to=${iso(w.to)}`, 'sla.json').catch(fail) }, 'SLA JSON')),
      legend,
      h('div', { class: 'charts-row' },
        h('div', { id: 'chart-townships' }, stackedBars(townRows, codes, color)),
        h('div', { id: 'chart-weeks' }, stackedColumns(byWeek, codes, color, w.to))));
  }

  // --- powers: items held, cases citing them, zero use, per township and sector ---
  async function drawPowers() {
    fill(powersBox, h('h2', {}, '赋权事项 Powers held and used'), h('p', {}, '…'));
    const usage = await api(`/api/v1/powers/usage?${q()}`);
    const cell = Object.fromEntries(usage.sectors.map((s) => [`${s.township}/${s.sector}`, s]));
    const rowsOf = [...new Set(usage.sectors.map((s) => s.township))].sort();
    const cols = sectorList.map((x) => x.code);
    const zero = usage.sectors.filter((s) => s.zero_use).length;
    fill(powersBox,
      h('div', { class: 'toolbar' },
        h('h2', {}, '赋权事项 Powers held and used'),
        h('span', { class: 'muted', id: 'powers-summary' },
          `${usage.from} – ${usage.to} (${usage.window_days} d): items held / cases citing them; ⚠ zero use (${zero})`),
        h('button', { id: 'powers-csv', onclick: () => download(`/api/v1/powers/usage?format=csv&${q()}`, 'powers-usage.csv').catch(fail) }, 'CSV')),
      h('table', { id: 'powers-matrix' },
        h('thead', {}, h('tr', {}, h('th', {}, 'township'), cols.map((c) => h('th', { class: 'num' }, sectorName[c] || c)))),
        h('tbody', {}, rowsOf.map((t) => h('tr', { dataset: { township: t } },
          h('td', { class: 'unit' }, townName[t] || t),
          cols.map((c) => {
            const s = cell[`${t}/${c}`] || { items: 0, cases: 0, expected: 0, zero_use: false, items_zero_use: 0 };
            const title = `${townName[t] || t} · ${sectorName[c] || c}: ${s.items} items held, ${s.cases} cases, ` +
              `${fmtNum(s.expected, 1)} expected, p adj. ${fmtP(s.p_adjusted)}; ${s.items_zero_use} items unused`;
            return h('td', {
              class: `num powers-cell${s.zero_use ? ' zero-use' : ''}${s.items === 0 ? ' none-held' : ''}`,
              title, dataset: { sector: c, items: String(s.items), cases: String(s.cases), zero: String(s.zero_use) },
            }, s.items === 0 && s.cases === 0 ? '0' : `${s.items} / ${s.cases}${s.zero_use ? ' ⚠' : ''}`);
          }))))));
  }

  function refresh() {
    Promise.all([loadBlind(), drawMap(), drawPowers(), drawCharts()]).catch(fail);
  }
  refresh();
}

/** A p-value as a table shows it: three decimals, or a power of ten when smaller. */
function fmtP(p) {
  if (p === null || p === undefined) return '—';
  if (p === 0) return '< 1e-8';
  return p < 0.001 ? p.toExponential(1) : fmtNum(p, 3);
}

function fail(err) {
  toast(err.message, 'error');
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, ...children) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  for (const c of children.flat()) if (c) n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return n;
}

/** Horizontal stacked bars: one per row ({label, counts, total}), a segment per sector. */
function stackedBars(rows, codes, color) {
  const W = 640;
  const rowH = 18;
  const left = 70;
  const H = rows.length * rowH + 24;
  const max = Math.max(1, ...rows.map((r) => r.total));
  const scale = (W - left - 40) / max;
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'cases per sector per township' },
    rows.map((r, i) => {
      let x = left;
      const y = 4 + i * rowH;
      return svg('g', {},
        svg('text', { x: left - 6, y: y + rowH * 0.65, 'text-anchor': 'end' }, r.label),
        codes.filter((c) => r.counts[c]).map((c) => {
          const w = r.counts[c] * scale;
          const rect = svg('rect', { x, y, width: Math.max(w, 0.5), height: rowH - 4, fill: color[c] }, svg('title', {}, `${r.label} ${c}: ${r.counts[c]}`));
          x += w;
          return rect;
        }),
        svg('text', { x: x + 4, y: y + rowH * 0.65, class: 'total' }, String(r.total)));
    }));
}

/** Vertical stacked columns: one per week, a segment per sector. */
function stackedColumns(weeks, codes, color, to) {
  const W = 640;
  const H = 300;
  const bottom = 24;
  const left = 34;
  const totals = weeks.map((w) => Object.values(w).reduce((a, b) => a + b, 0));
  const max = Math.max(1, ...totals);
  const colW = (W - left - 8) / weeks.length;
  const scale = (H - bottom - 16) / max;
  const ticks = [0, Math.round(max / 2), max];
  return svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'cases per week by sector' },
    svg('g', { class: 'axis' }, ticks.map((t) => svg('text', { x: left - 4, y: H - bottom - t * scale + 4, 'text-anchor': 'end' }, String(t)))),
    weeks.map((wk, i) => {
      let y = H - bottom;
      const x = left + i * colW + 2;
      const end = new Date(to.getTime() - (weeks.length - 1 - i) * 7 * 86400_000);
      const label = `${end.getUTCMonth() + 1}/${end.getUTCDate()}`;
      return svg('g', {},
        codes.filter((c) => wk[c]).map((c) => {
          const hgt = wk[c] * scale;
          y -= hgt;
          return svg('rect', { x, y, width: colW - 4, height: hgt, fill: color[c] }, svg('title', {}, `week to ${label} ${c}: ${wk[c]}`));
        }),
        i % 2 === weeks.length % 2 ? null : svg('text', { x: x + (colW - 4) / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis' }, label));
    }));
}
