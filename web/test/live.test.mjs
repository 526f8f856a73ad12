// The living demo in a browser: `gridwatch demo` with its simulated phones (as `make demo`
// runs it) puts officers on duty on the wall within a minute of serving. Run by
// `scripts/web test`; the screenshot goes to web/test/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, openPage, screenshot, waitForLayers } from './harness.mjs';

let demo;
let browser;
let servedAt; // when the demo printed its URL: the server listens and the phones start

before(async () => {
  demo = await startDemo({ live: true });
  servedAt = Date.now();
  console.log(`# live demo loaded and serving in ${demo.loadSeconds.toFixed(1)} s at ${demo.base}`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test('the living demo shows officers on duty within a minute of serving', async () => {
  const page = await openPage(browser, { token: demo.adminToken });
  await page.goto(`${demo.base}/`);
  await waitForLayers(page, ['live-officers']);
  // About 300 phones, each sending its first fix within its first 10–30 s.
  await page.waitForFunction(() => Number((document.querySelector('#counter-on-duty .value')?.textContent || '0')
    .replace(/,/g, '')) >= 200, null, { polling: 500, timeout: Math.max(1_000, 60_000 - (Date.now() - servedAt)) });
  const seconds = (Date.now() - servedAt) / 1000;
  const n = await page.textContent('#counter-on-duty .value');
  console.log(`# ${n} officers on duty ${seconds.toFixed(1)} s after the demo served: ${await screenshot(page, 'wall-live-demo')}`);
  assert.ok(seconds <= 60, `officers on duty after ${seconds} s`);
  // Both protocols and the SOS phone's alarm come through the real endpoints: the tray
  // shows its sos alert once the phone pressed (one minute after start).
  await page.waitForSelector('.alert-item[data-rule="sos"]', { timeout: 90_000 });
  await screenshot(page, 'wall-live-demo-sos');
  assert.deepEqual(page.problems, [], 'errors on the wall');
  await page.context().close();
});
