// 双随机一公开 and 案卷评查: plan a draw, publish its commitment, draw, follow its tasks or
// reviews. Planners (admin, supervisor) see draws and tasks; legal reviewers score the
// drawn case files. The public record of a draw is the server's page /public/draws/{id}.
import { api, h, fill, fmtTime, toast } from './common.js';

const KIND_NAMES = { inspection: '双随机检查 inspection', case_review: '案卷评查 case review' };
const STATUS_NAMES = { draft: '草案 draft', published: '已发布 published', drawn: '已抽取 drawn' };
const OUTCOMES = { no_problem: '未发现问题', problem_found: '发现问题 (立案)', not_found: '检查对象未找到' };
const CHECKS = {
  deadlines_met: '期限遵守 deadlines met', evidence_present: '有证据 evidence', evidence_positions: '证据位置核验 positions',
  review_before_decision: '决定前法制审核 review', documents_generated: '文书齐全 documents', reasons_written: '说理 reasons',
};
const AREAS = { procedure: '程序', evidence: '取证', documents: '文书', reasoning: '说理' };

const list = (s) => s.split(/[,，、\s]+/).map((x) => x.trim()).filter(Boolean);

/** Reads "high:2, low:10%" as quotas. */
export function parseQuotas(s) {
  return list(s).map((q) => {
    const [stratum, n] = q.split(':');
    if (!stratum || !n) throw new Error(`quota "${q}": write stratum:count or stratum:percent%`);
    return n.endsWith('%') ? { stratum, percent: Number(n.slice(0, -1)) } : { stratum, count: Number(n) };
  });
}

export async function inspections(main, me) {
  const planner = me.role === 'admin' || me.role === 'supervisor';
  const draws = h('tbody', { id: 'draws' });
  const detail = h('div', { id: 'draw-detail' }, h('p', { class: 'muted' }, planner ? 'Select a draw.' : 'Drawn case files to review.'));
  let selected = null;

  const field = (label, input) => h('label', { class: 'field' }, h('span', {}, label), input);
  const kind = h('select', { id: 'plan-kind' }, Object.entries(KIND_NAMES).map(([k, v]) => h('option', { value: k }, v)));
  const title = h('input', { id: 'plan-title', required: true, placeholder: '2026 第四季度双随机抽查' });
  const towns = h('input', { id: 'plan-townships', placeholder: me.township || '乡镇代码, …', value: me.township || '' });
  const sectors = h('input', { id: 'plan-sectors', placeholder: 'urban_management, …' });
  const items = h('input', { id: 'plan-items', placeholder: '事项编码, …' });
  const quotas = h('input', { id: 'plan-quotas', required: true, placeholder: 'high:2, medium:10%, low:5%  (评查: 乡镇:数量)' });
  const perUnit = h('input', { id: 'plan-per-unit', type: 'number', min: 0, max: 10, value: 2 });
  const ownArea = h('input', { id: 'plan-own-area', type: 'checkbox', checked: true });
  const squadrons = h('input', { id: 'plan-squadrons', type: 'checkbox', checked: true });
  const closedFrom = h('input', { id: 'plan-closed-from', type: 'date' });
  const closedTo = h('input', { id: 'plan-closed-to', type: 'date' });
  const form = h('form', { id: 'plan-form', class: 'stack' },
    h('h2', {}, '新抽查计划 New draw'),
    field('类型 Kind', kind), field('标题 Title', title), field('乡镇 Townships', towns), field('领域 Sectors', sectors),
    field('事项 Items', items), field('配额 Quotas', quotas), field('每个对象检查人员 Inspectors per target', perUnit),
    h('label', {}, ownArea, ' 不检查本人网格 not in own grid area'), h('label', {}, squadrons, ' 两人不同中队 different squadrons'),
    field('结案自 Closed from (评查)', closedFrom), field('结案至 Closed to (评查)', closedTo),
    h('button', { type: 'submit', class: 'primary', id: 'plan-save' }, '保存计划 Save plan'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const review = kind.value === 'case_review';
      const plan = {
        townships: list(towns.value), sectors: list(sectors.value), items: list(items.value),
        rules: {
          quotas: parseQuotas(quotas.value), inspectors_per_unit: review ? 0 : Number(perUnit.value),
          exclude_own_area: !review && ownArea.checked, distinct_squadrons: !review && squadrons.checked,
        },
      };
      if (review) {
        plan.closed_from = `${closedFrom.value}T00:00:00+08:00`;
        plan.closed_to = `${closedTo.value}T00:00:00+08:00`;
      }
      const d = await api('/api/v1/inspection/draws', { method: 'POST', body: { kind: kind.value, title: title.value, plan } });
      toast(`Draw ${d.id} planned`);
      await load(d.id);
    } catch (err) {
      toast(`Plan: ${err.message}`, 'error');
    }
  });

  async function step(d, action) {
    try {
      await api(`/api/v1/inspection/draws/${d.id}/${action}`, { method: 'POST' });
      await load(d.id);
    } catch (err) {
      toast(`${action}: ${err.message}`, 'error');
    }
  }

  async function load(select) {
    const all = await api('/api/v1/inspection/draws');
    fill(draws, all.map((d) => h('tr', { class: `selectable${d.id === select ? ' selected' : ''}`, dataset: { id: d.id }, onclick: () => load(d.id) },
      h('td', { class: 'num' }, d.id), h('td', {}, d.title), h('td', {}, KIND_NAMES[d.kind]),
      h('td', { class: 'draw-status' }, STATUS_NAMES[d.status]),
      h('td', {}, h('code', { title: d.commitment || '' }, d.commitment ? `${d.commitment.slice(0, 12)}…` : '—')),
      h('td', {},
        d.status === 'draft' ? h('button', { class: 'publish', onclick: (e) => { e.stopPropagation(); step(d, 'publish'); } }, '发布 Publish') : null,
        d.status === 'published' ? h('button', { class: 'run', onclick: (e) => { e.stopPropagation(); step(d, 'draw'); } }, '抽取 Draw') : null,
        d.status !== 'draft' ? h('a', { href: `/public/draws/${d.id}`, target: '_blank', rel: 'noopener', class: 'public-link' }, '公开记录 Public') : null))));
    selected = all.find((d) => d.id === select) || null;
    if (selected) await show(selected);
  }

  async function show(d) {
    if (d.status !== 'drawn') {
      fill(detail, h('p', {}, `Draw ${d.id} is ${STATUS_NAMES[d.status]}: ${d.pools ? d.pools.units.length : '—'} in the pool.`));
      return;
    }
    if (d.kind === 'inspection') {
      const tasks = await api(`/api/v1/inspection/tasks?draw=${d.id}`);
      fill(detail, h('h2', {}, `检查任务 Tasks of draw ${d.id}`), h('p', {}, h('code', { id: 'draw-seed' }, `seed ${d.seed}`)),
        h('table', { id: 'tasks' }, h('thead', {}, h('tr', {}, ['对象 Target', '乡镇', '检查人员 Inspectors', '公示期限 Publish by', '结果 Result'].map((x) => h('th', {}, x)))),
          h('tbody', {}, tasks.map((k) => h('tr', { class: k.overdue ? 'overdue' : '' },
            h('td', {}, k.target_name), h('td', {}, k.township), h('td', {}, k.inspectors.join('、')), h('td', {}, k.publish_by),
            h('td', {}, k.outcome ? `${OUTCOMES[k.outcome]}${k.case ? ` · 案件 ${k.case}` : ''}` : (k.overdue ? '逾期 overdue' : '待检查')))))));
      return;
    }
    await showReviews(d.id);
  }

  async function showReviews(drawID) {
    const reviews = await api(`/api/v1/inspection/reviews${drawID ? `?draw=${drawID}` : ''}`);
    const rows = [];
    for (const r of reviews) {
      const full = r.checks ? r : await api(`/api/v1/inspection/reviews/${r.id}`);
      rows.push(h('tr', { dataset: { review: r.id } },
        h('td', {}, h('a', { href: `/dispatch?case=${r.case}` }, r.case)), h('td', {}, r.township),
        h('td', { class: 'checks' }, Object.entries(CHECKS).map(([k, v]) => h('div', { class: full.checks[k] ? 'ok' : 'fail' }, `${full.checks[k] ? '✓' : '✗'} ${v}`))),
        h('td', { class: 'num score' }, r.score ?? '—'),
        h('td', {}, reviewAction(r))));
    }
    fill(detail, h('h2', {}, '案卷评查 Case-file reviews'),
      h('table', { id: 'reviews' }, h('thead', {}, h('tr', {}, ['案件 Case', '乡镇', '系统预检 Checks', '得分 Score', ''].map((x) => h('th', {}, x)))),
        h('tbody', {}, rows)));
  }

  function reviewAction(r) {
    if (me.role === 'legal' && r.score === null) {
      const inputs = Object.fromEntries(Object.keys(AREAS).map((a) => [a, h('input', { type: 'number', min: 0, max: 25, value: 25, name: a, class: 'area-score' })]));
      const findings = h('textarea', { name: 'findings', class: 'findings', placeholder: '问题与整改要求 findings' });
      const f = h('form', { class: 'score-form' }, Object.entries(AREAS).map(([a, zh]) => h('label', {}, `${zh} `, inputs[a])), findings,
        h('button', { type: 'submit', class: 'primary' }, '评分 Score'));
      f.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          const scores = Object.fromEntries(Object.entries(inputs).map(([a, i]) => [a, Number(i.value)]));
          await api(`/api/v1/inspection/reviews/${r.id}/score`, { method: 'POST', body: { scores, findings: findings.value } });
          await showReviews(r.draw);
        } catch (err) {
          toast(`Score: ${err.message}`, 'error');
        }
      });
      return f;
    }
    if (!r.fixup) return r.score === null ? '待评查' : '无整改';
    if (r.fixup.closed_at) return `整改已完成 ${fmtTime(r.fixup.closed_at)}`;
    if (!planner) return `整改中，期限 ${r.fixup.due}`;
    const closure = h('input', { class: 'closure', placeholder: '整改情况 closure' });
    const f = h('form', { class: 'fixup-form' }, `整改期限 ${r.fixup.due} `, closure, h('button', { type: 'submit' }, '整改完成 Close'));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api(`/api/v1/inspection/reviews/${r.id}/fixup/close`, { method: 'POST', body: { closure: closure.value } });
        await showReviews(r.draw);
      } catch (err) {
        toast(`Fix-up: ${err.message}`, 'error');
      }
    });
    return f;
  }

  if (!planner) {
    fill(main, h('div', { class: 'work' }, h('section', { class: 'panel' }, detail)));
    await showReviews(0);
    return;
  }
  fill(main, h('div', { class: 'work' },
    h('section', { class: 'panel' }, form),
    h('section', { class: 'panel stack' },
      h('h2', {}, '抽查 Draws'),
      h('table', { id: 'draws-table' }, h('thead', {}, h('tr', {}, ['#', '标题 Title', '类型', '状态 Status', '承诺 Commitment', ''].map((x) => h('th', {}, x)))), draws),
      detail)));
  await load(null);
}
