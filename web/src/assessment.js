// 监督考核: the ranking of townships, squadrons or officers for a month, quarter or year,
// each score with its 90 % interval and its range of ranks (overlapping ranges are
// ties), each unit's indicators with their reasons, its trend over the last periods, and
// a print view. The method is docs/analytics.md "The assessment".
import { api, download, h, fill, toast } from './common.js';

const LEVELS = { township: '镇街 Townships', squadron: '中队 Squadrons', officer: '执法人员 Officers' };
const PERIODS = { month: '月 Month', quarter: '季 Quarter', year: '年 Year' };
const TREND = 6; // periods shown in a unit's trend

/** The first day (YYYY-MM-DD) of the period `back` periods before the one starting at first. */
export function periodBefore(first, period, back) {
  const [y, m] = first.split('-').map(Number);
  const months = { month: 1, quarter: 3, year: 12 }[period] * back;
  const d = new Date(Date.UTC(y, m - 1 - months, 1));
  return d.toISOString().slice(0, 10);
}

const pct = (v) => (v === null || v === undefined ? '无数据' : v.toFixed(1));

/** A bar of 0–100 with the interval and a mark at the score; 50 is the city's level. */
function intervalBar(lo, score, hi) {
  if (score === null) return h('span', { class: 'muted' }, '无数据');
  // Positions through the CSSOM: the pages' CSP refuses style attributes.
  const range = h('span', { class: 'range' });
  range.style.left = `${lo}%`;
  range.style.width = `${Math.max(hi - lo, 0.5)}%`;
  const mark = h('span', { class: 'mark' });
  mark.style.left = `${score}%`;
  return h('div', { class: 'interval', title: `${lo}–${hi}` }, h('span', { class: 'city' }), range, mark);
}

/** The volume broken down by sector: cases against what the city's rate expects of the unit's patrol hours. */
function sectorTable(volume) {
  if (!volume?.sectors?.length) return '';
  return h('div', {},
    h('h3', {}, '执法体量分领域 Volume by sector'),
    h('table', { id: 'as-sectors' },
      h('thead', {}, h('tr', {}, ['领域 Sector', '件数', '按全市应有', '与全市之比 (90 %)'].map((x) => h('th', {}, x)))),
      h('tbody', {}, volume.sectors.map((s) => h('tr', { class: s.ratio_hi < 1 ? 'below' : '', dataset: { sector: s.sector } },
        h('td', {}, s.name), h('td', { class: 'num' }, `${s.cases}`), h('td', { class: 'num' }, s.expected.toFixed(1)),
        h('td', { class: 'num' }, `${s.ratio} (${s.ratio_lo}–${s.ratio_hi})`))))));
}

export async function assessment(main, me) {
  const level = h('select', { id: 'as-level' }, Object.entries(LEVELS).map(([k, v]) => h('option', { value: k }, v)));
  const period = h('select', { id: 'as-period' }, Object.entries(PERIODS).map(([k, v]) => h('option', { value: k }, v)));
  const from = h('input', { id: 'as-from', type: 'date', title: '期内任一天 a day in the period; empty: the last whole period' });
  const heading = h('h2', { id: 'as-heading' }, '监督考核 Assessment');
  const rows = h('tbody', { id: 'as-rows' });
  const detail = h('section', { class: 'panel stack', id: 'as-detail' }, h('p', { class: 'muted' }, '选择单位查看指标与理由 Select a unit.'));
  const note = h('p', { class: 'muted', id: 'as-note' });
  let report = null;
  const trends = new Map(); // first day → report of that period at the level

  const query = (extra = '') => {
    const q = new URLSearchParams({ level: level.value, period: period.value });
    if (from.value) q.set('from', from.value);
    return `/api/v1/assessment?${q}${extra}`;
  };

  async function load() {
    try {
      report = await api(query());
    } catch (err) {
      toast(`Assessment: ${err.message}`, 'error');
      return;
    }
    trends.clear();
    const lr = report.levels[0];
    fill(heading, `监督考核 ${LEVELS[lr.level]} · ${report.first} – ${report.end}${report.partial ? ' (未结束 partial)' : ''}`);
    fill(note, `权重 weights: ${Object.entries(report.weights).map(([k, v]) => `${k} ${v}`).join(', ')} · 50 = 全市水平 city level · 区间 90 %`);
    fill(rows, lr.units.map((u) => h('tr', { class: 'selectable', dataset: { unit: u.code }, onclick: () => show(u) },
      h('td', { class: 'num rank' }, u.rank_best ? (u.rank_best === u.rank_worst ? `${u.rank_best}` : `${u.rank_best}–${u.rank_worst}`) : '—'),
      h('td', {}, u.name || u.code), h('td', {}, u.township),
      h('td', { class: 'num score' }, pct(u.score)),
      h('td', { class: 'num' }, u.score === null ? '' : `${pct(u.score_lo)}–${pct(u.score_hi)}`),
      h('td', { class: 'bar' }, intervalBar(u.score_lo, u.score, u.score_hi)))));
    if (lr.units.length) await show(lr.units[0]);
  }

  async function trendOf(u) {
    const firsts = Array.from({ length: TREND }, (_, i) => periodBefore(report.first, report.period, TREND - 1 - i));
    const out = [];
    for (const f of firsts) {
      if (!trends.has(f)) {
        const q = new URLSearchParams({ level: level.value, period: report.period, from: f });
        trends.set(f, api(`/api/v1/assessment?${q}`).catch(() => null));
      }
      const r = await trends.get(f);
      const unit = r?.levels[0].units.find((x) => x.code === u.code);
      out.push({ first: f, score: unit ? unit.score : null });
    }
    return out;
  }

  async function show(u) {
    for (const tr of rows.children) tr.classList.toggle('selected', tr.dataset.unit === u.code);
    fill(detail,
      h('h2', { id: 'as-unit' }, `${u.name || u.code} · ${pct(u.score)}`),
      h('table', { id: 'as-indicators' },
        h('thead', {}, h('tr', {}, ['指标 Indicator', '实际', '全市', '收缩估计 (90 %)', '得分', '理由 Reason'].map((x) => h('th', {}, x)))),
        h('tbody', {}, u.indicators.map((i) => h('tr', { class: i.no_data ? 'no-data' : '', dataset: { key: i.key } },
          h('td', {}, i.name), h('td', { class: 'num' }, i.no_data ? '无数据' : `${i.observed}`),
          h('td', { class: 'num' }, `${i.expected}`),
          h('td', { class: 'num' }, i.no_data ? '' : `${i.estimate} (${i.lo}–${i.hi})`),
          h('td', { class: 'num' }, pct(i.score)), h('td', { class: 'reason' }, i.reason))))),
      sectorTable(u.indicators.find((i) => i.key === 'volume')),
      h('h3', {}, '趋势 Trend'), h('p', { class: 'muted', id: 'as-trend' }, '…'));
    const trend = await trendOf(u);
    const el = detail.querySelector('#as-trend');
    if (el) {
      fill(el, h('table', { class: 'trend' },
        h('tr', {}, trend.map((t) => h('th', {}, t.first.slice(0, 7)))),
        h('tr', {}, trend.map((t) => h('td', { class: 'num' }, pct(t.score))))));
      el.classList.remove('muted');
    }
  }

  const name = () => `assessment-${period.value}-${report?.first || 'latest'}`;
  const controls = h('form', { id: 'as-controls', class: 'controls no-print' },
    level, period, from,
    h('button', { type: 'submit', class: 'primary' }, '查询 Show'),
    h('button', { type: 'button', id: 'as-csv', onclick: () => download(query('&format=csv'), `${name()}.csv`).catch((e) => toast(e.message, 'error')) }, 'CSV'),
    h('button', { type: 'button', id: 'as-xlsx', onclick: () => download(query('&format=xlsx').replace(/level=[a-z]+&/, ''), `${name()}.xlsx`).catch((e) => toast(e.message, 'error')) }, 'XLSX'),
    h('button', { type: 'button', id: 'as-print', onclick: () => window.print() }, '打印 Print'));
  controls.addEventListener('submit', (e) => { e.preventDefault(); load(); });

  fill(main, h('div', { class: 'work' },
    h('section', { class: 'panel stack' }, controls, heading, note,
      h('table', { id: 'as-ranking' },
        h('thead', {}, h('tr', {}, ['名次', '单位 Unit', '镇街', '得分', '区间 90 %', ''].map((x) => h('th', {}, x)))), rows)),
    detail));
  await load();
}
