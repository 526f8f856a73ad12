// The command center's entry: sign-in with a token, then the page the path names, among
// those the token's role may open.
import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';
import { api, token, setToken, h, fill, frame, PAGES, townships, toast } from './common.js';
import { wall } from './wall.js';
import { dispatch } from './dispatch.js';
import { planner } from './planner.js';
import { analyst } from './analyst.js';
import { inspections } from './inspections.js';
import { assessment } from './assessment.js';

const handlers = { '/': wall, '/dispatch': dispatch, '/planner': planner, '/analyst': analyst, '/inspections': inspections,
  '/assessment': assessment };

function signIn(app, message = '') {
  const input = h('input', { type: 'password', id: 'token', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false', placeholder: 'gw_…' });
  const error = h('p', { class: 'error', id: 'signin-error', role: 'alert' }, message);
  const form = h('form', { id: 'signin', class: 'signin panel' },
    h('h1', {}, 'Gridwatch ', h('span', { class: 'zh' }, '网格化指挥中心')),
    h('p', {}, 'Sign in with your API token (from ', h('code', {}, 'gridwatch token create'), '). The pages show only what the token may see.'),
    h('label', { for: 'token' }, 'API token 令牌'), input,
    h('button', { type: 'submit', class: 'primary' }, '登录 Sign in'),
    error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const t = input.value.trim();
    if (!t) return;
    setToken(t);
    try {
      await api('/api/v1/me');
      location.reload();
    } catch (err) {
      setToken('');
      error.textContent = err.status === 401 ? 'That token is unknown, expired or revoked.' : `Sign-in failed: ${err.message}`;
    }
  });
  fill(app, h('main', { class: 'signin-page' }, form));
  input.focus();
}

async function start() {
  const app = document.getElementById('app');
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const page = PAGES.find((p) => p.path === path) || PAGES[0];
  if (!token()) return signIn(app);
  let me;
  try {
    me = await api('/api/v1/me');
  } catch (err) {
    if (err.status === 401) {
      setToken('');
      return signIn(app, 'Your token is no longer valid: sign in again.');
    }
    fill(app, h('main', { class: 'message' }, h('p', { class: 'error' }, `The server did not answer: ${err.message}`)));
    return;
  }
  let townName = '';
  if (me.township && ['admin', 'supervisor', 'analyst'].includes(me.role)) {
    townName = (await townships()).find((t) => t.code === me.township)?.name || '';
  }
  const main = h('main', { id: 'page', class: `page page-${page.path === '/' ? 'wall' : page.path.slice(1)}` });
  fill(app, frame(me, page.path, townName), main);
  document.title = `${page.zh} ${page.en} · Gridwatch`;
  if (!page.roles.includes(me.role)) {
    const allowed = PAGES.filter((p) => p.roles.includes(me.role));
    fill(main, h('div', { class: 'message panel', id: 'not-allowed' },
      h('h1', {}, 'Not for this token'),
      h('p', {}, `A ${me.role} token cannot open ${page.en}.`),
      allowed.length ? h('p', {}, 'Open: ', allowed.map((p) => h('a', { href: p.path }, `${p.zh} ${p.en} `)))
        : h('p', {}, 'This role has no command-center page; sign in with a supervisor, analyst or admin token.')));
    return;
  }
  try {
    await handlers[page.path](main, me);
  } catch (err) {
    toast(`${page.en}: ${err.message}`, 'error');
    console.error('page failed to start', err);
  }
}

start();
