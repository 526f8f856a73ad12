// The browser tests' harness: a gridwatch binary built from this checkout, serving the demo
// city from a scratch database on the DATABASE_URL server, and headless Chromium (Debian's
// /usr/bin/chromium, never a downloaded browser) driven by playwright-core.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');
export const artifacts = join(here, 'artifacts');

/** Chromium's flags: headless, and quiet on a machine without internet. */
export const chromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--mute-audio',
  // WebGL without a GPU: SwiftShader, which recent Chromium only uses when asked.
  '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
];

/** psql on the server of url, for creating and dropping the scratch database. */
function psql(url, sql) {
  execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The URL of another database on the same server (a libpq URL or key=value string). */
export function withDatabase(url, name) {
  if (/^postgres(ql)?:\/\//.test(url)) {
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  }
  return `${url} dbname=${name}`;
}

/**
 * Builds gridwatch, loads the demo into a fresh scratch database and serves it on a free
 * loopback port. Returns the base URL, the admin token, helpers for more tokens and API
 * calls, the load's duration, and stop() which ends the server and drops the database.
 * With live, the demo's simulated phones and hotline run as they do under `make demo`.
 */
export async function startDemo({ live = false } = {}) {
  const serverURL = process.env.DATABASE_URL;
  if (!serverURL) throw new Error('DATABASE_URL is not set: run through `make test` or `scripts/web test`');
  const tmp = mkdtempSync(join(tmpdir(), 'gridwatch-web-'));
  const bin = join(tmp, 'gridwatch');
  execFileSync('go', ['build', '-o', bin, './cmd/gridwatch'], { cwd: repoRoot, stdio: 'inherit' });
  const dbName = `gw_web_test_${process.pid}_${Date.now() % 1e6}`;
  psql(serverURL, `CREATE DATABASE ${dbName}`);
  const db = withDatabase(serverURL, dbName);

  const started = Date.now();
  // Without the living demo's phones unless asked: most tests count, move and alert the
  // officers themselves.
  const child = spawn(bin, ['demo', '--db', db, '--addr', '127.0.0.1:0', `--live=${live}`], {
    cwd: tmp,
    env: { ...process.env, GRIDWATCH_LOG_FORMAT: 'text', GRIDWATCH_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let errOut = '';
  child.stderr.on('data', (d) => { errOut += d; });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo not up in 10 min:\n${out}\n${errOut.slice(-4000)}`)), 10 * 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      const url = /URL:\s+(\S+)/.exec(out);
      const token = /admin token:\s+(\S+)/.exec(out);
      if (url && token) {
        clearTimeout(timer);
        resolve({ url: url[1], token: token[1] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gridwatch demo exited with ${code}:\n${out}\n${errOut.slice(-4000)}`));
    });
  });
  const loadSeconds = (Date.now() - started) / 1000;
  // The server listens on 127.0.0.1; the URL it prints says localhost.
  const base = ready.url.replace('//localhost:', '//127.0.0.1:').replace(/\/$/, '');

  const apiCall = async (path, { token = ready.token, method = 'GET', body } = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };

  return {
    base,
    adminToken: ready.token,
    loadSeconds,
    api: apiCall,
    /** A new token from `gridwatch token create` (the token is the last line it prints). */
    token(role, name, extra = []) {
      const printed = execFileSync(bin, ['token', 'create', '--db', db, '--role', role, '--name', name, ...extra],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return printed.trim().split('\n').pop().trim();
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => { child.once('exit', r); setTimeout(r, 35_000); });
      }
      try {
        psql(serverURL, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  };
}

/** Launches Chromium; playwright gives it a fresh, temporary --user-data-dir. */
export function launch() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs, headless: true, timeout: 120_000 });
}

/**
 * A page in a fresh context of the given size, signed in with token unless it is '',
 * that records every console error and uncaught page error in page.problems.
 */
export async function openPage(browser, { width = 1920, height = 1080, token = '' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1, acceptDownloads: true });
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.problems.push(`console: ${m.text()} (${m.location()?.url || ''})`);
  });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  if (token) await page.addInitScript((t) => localStorage.setItem('gridwatch.token', t), token);
  page.setDefaultTimeout(90_000);
  return page;
}

/** Saves a screenshot as a test artefact and returns its path. */
export async function screenshot(page, name) {
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, timeout: 120_000 });
  return path;
}

/** Rendered features per layer of the page's map (window.gridwatch.map). */
export function renderedCounts(page, layers) {
  return page.evaluate((ls) => {
    const map = window.gridwatch?.map;
    if (!map) return null;
    return Object.fromEntries(ls.map((l) => [l, map.getLayer(l) ? map.queryRenderedFeatures({ layers: [l] }).length : -1]));
  }, layers);
}

/** Waits until every layer named has rendered at least one feature. */
export async function waitForLayers(page, layers, timeout = 240_000) {
  try {
    await page.waitForFunction((ls) => {
      const map = window.gridwatch?.map;
      if (!map || !map.isStyleLoaded()) return false;
      return ls.every((l) => map.getLayer(l) && map.queryRenderedFeatures({ layers: [l] }).length > 0);
    }, layers, { timeout, polling: 1000 });
  } catch (err) {
    const counts = await renderedCounts(page, layers).catch(() => null);
    const toasts = await page.evaluate(() => document.getElementById('toasts')?.innerText || '').catch(() => '');
    throw new Error(`layers not rendered in ${timeout / 1000} s: ${JSON.stringify(counts)}; page errors: ${JSON.stringify(page.problems)}; messages: ${toasts}`, { cause: err });
  }
}
