// Browser test: the real server binary on a random port with a fresh SQLite file, driven in
// Debian's headless Chromium through playwright-core. A reporter signs in and submits (and
// sees a server-side refusal beside its field), the coordinator releases, and the public page
// shows the chart; then a control that only works once the WebAssembly has hydrated is clicked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const serverBin = process.env.KOMPOTTEN_SERVER_BIN ?? join(repo, 'target/debug/kompotten-server');
const siteRoot = process.env.LEPTOS_SITE_ROOT ?? join(repo, 'target/site');
const password = 'browser-test-password';
const year = new Date().getUTCFullYear() - 1;

let server, browser, base, dataDir;
const serverLog = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

async function waitForHealth(url, deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    try { if ((await fetch(url)).ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`server did not become healthy:\n${serverLog.join('')}`);
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kompotten-browser-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(serverBin, ['serve'], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${join(dataDir, 'kompotten.sqlite')}`,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: siteRoot,
      KOMPOTTEN_SEED_PASSWORD: password,
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => serverLog.push(d.toString()));
  server.stderr.on('data', (d) => serverLog.push(d.toString()));
  await waitForHealth(`${base}/healthz`, 30_000);
  // playwright-core gives every launch a fresh temporary profile (its own --user-data-dir).
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGINT');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function newPage(t) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`); });
  t.after(() => context.close());
  return { page, problems };
}

async function signIn(page, username) {
  await page.goto(`${base}/logga-in`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/logga-in'), { timeout: 30_000 }), page.click('#login-submit')]);
}

test('sign in, submit, release, and see the chart on a hydrated page', async (t) => {
  await t.test('the coordinator opens the reporting period', async (t) => {
    const { page, problems } = await newPage(t);
    await signIn(page, 'samordnare');
    // The page after sign-in may still be loading: wait for the button before reading it.
    await page.locator('#period-submit').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => !document.querySelector('#period-submit').disabled, null, { timeout: 30_000 });
    await page.fill('#period', String(year));
    await page.click('#period-submit');
    await page.locator('#period-list tbody tr').filter({ hasText: String(year) }).waitFor({ timeout: 15_000 });
    assert.deepEqual(problems, []);
  });

  await t.test('a reporter submits; a refused value is explained beside its field', async (t) => {
    const { page, problems } = await newPage(t);
    await signIn(page, 'kommun-2180');
    assert.equal(new URL(page.url()).pathname, '/rapportera');
    // The page after sign-in may still be loading: wait for the button before reading it.
    await page.locator('#report-submit').waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => !document.querySelector('#report-submit').disabled, null, { timeout: 30_000 });
    // A draft with a negative count is refused (HTTP 422) and explained beside the field.
    await page.fill('#households_moved_out', '-1');
    await page.click('#report-draft');
    await page.locator('#households_moved_out-error').filter({ hasText: 'negativ' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.getAttribute('#households_moved_out', 'aria-invalid'), 'true');
    await page.locator('#report-errors a[href="#households_moved_out"]').waitFor();
    // A complete report that keeps the catalogue's rules is submitted.
    for (const input of await page.locator('#report-form input[name^="values["]').all()) await input.fill('0');
    for (const [id, v] of [['households_moved_out', '1'], ['moved_out_children_0', '1'], ['moved_out_context_close_relationship', '1'], ['requests_sent', '2']]) {
      await page.fill(`#${id}`, v);
    }
    await page.click('#report-submit');
    await page.locator('#report-saved').filter({ hasText: 'inskickade' }).waitFor({ timeout: 15_000 });
    await page.locator('#report-status').filter({ hasText: 'kommun-2180' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('#history tbody tr').count(), 1, 'the refused draft stored nothing');
    // The municipality's own row as a CSV file, read by the WebAssembly and saved as a draft.
    await page.selectOption('#own-csv-intent', 'draft');
    await page.setInputFiles('#own-csv', { name: 'gavle.csv', mimeType: 'text/csv', buffer: Buffer.from('\ufeffkommun;requests_sent\r\nGävle kommun;3\r\n') });
    await page.click('#own-csv-submit');
    await page.locator('#own-csv-result').filter({ hasText: 'utkast' }).waitFor({ timeout: 15_000 });
    await page.locator('#history tbody tr').nth(1).waitFor({ timeout: 15_000 });
    // The one refusal above answered 422, as designed; nothing else may fail.
    const unexpected = problems.filter((p) => !(p.includes('422') && (p.includes('/sfn/save_submission') || p.includes('status of 422'))));
    assert.deepEqual(unexpected, []);
  });

  await t.test('the coordinator releases the year', async (t) => {
    const { page, problems } = await newPage(t);
    await signIn(page, 'samordnare');
    assert.equal(new URL(page.url()).pathname, '/samordnare');
    await page.locator('#budget-status').waitFor();
    await page.waitForFunction(() => !document.querySelector('#plan-submit').disabled, null, { timeout: 30_000 });
    // Nothing can be released before a plan: the confirm button only comes with one.
    assert.equal(await page.locator('#release-confirm').count(), 0);
    // Plan nation and counties only, for a budget: the länskompott queries get weight 0.
    await page.click('#plan-design summary');
    const weight = (key) => page.locator(`#plan-design-table input[data-query="${key}"]`);
    await weight('households_moved_out@lanskompott').fill('0');
    await weight('households_received@lanskompott').fill('0');
    await page.fill('#plan-rho', '0,5');
    await page.click('#plan-submit');
    await page.locator('#plan-cost').filter({ hasText: 'ρ = 0,5' }).waitFor({ timeout: 60_000 });
    const levels = await page.$$eval('#plan-levels tbody tr', (trs) => trs.map((tr) => tr.dataset.level));
    assert.deepEqual(levels, ['nation', 'county'], 'the plan covers the chosen levels only');
    // Every query of the design but the two left out, each with its share and margin.
    const planned = await page.$$eval('#plan-queries tbody tr', (trs) => trs.map((tr) => tr.dataset.query));
    assert.equal(planned.length, 15);
    assert.ok(!planned.includes('households_moved_out@lanskompott'));
    await page.screenshot({ path: join(repo, 'target', 'browser-coordinator-plan.png'), fullPage: true });
    // Changing the choice after planning withdraws the confirm button until it is as planned again.
    const children = weight('moved_out_children_0@nation');
    const planned_weight = await children.inputValue();
    await children.fill('7');
    await page.locator('#plan-stale').waitFor();
    await page.locator('#release-confirm').waitFor({ state: 'detached' });
    await children.fill(planned_weight);
    await page.locator('#release-confirm').filter({ hasText: '0,5' }).click();
    await page.locator('#release-created').filter({ hasText: 'skapad' }).waitFor({ timeout: 30_000 });
    await page.locator('#release-list tbody tr').first().waitFor();
    // The release spent the budget: the confirm button is gone until the next plan.
    await page.locator('#release-confirm').waitFor({ state: 'detached' });
    // A plan beyond what is left is shown, but cannot be confirmed.
    await page.fill('#plan-rho', '0,8');
    await page.click('#plan-submit');
    await page.locator('#plan-cost').filter({ hasText: 'Ryms inte i budgeten' }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('#release-confirm').count(), 0, 'a plan that does not fit offered to publish');
    assert.deepEqual(problems, []);
  });

  await t.test('the public page shows the chart and table, and hydration enables sorting', async (t) => {
    const { page, problems } = await newPage(t);
    await page.goto(`${base}/?ar=${year}`);
    // plotly.js from this server drew the figure into the chart container.
    await page.locator('#county-chart .main-svg').first().waitFor({ timeout: 30_000 });
    const rows = page.locator('#county-table tbody tr');
    assert.equal(await rows.count(), 21);
    assert.match(await page.textContent('#national-moved-out'), /^\d+ \(\d+–\d+\)$/);
    // The sort button is rendered disabled and only enabled by the WebAssembly after hydration.
    const sort = page.locator('#sort-toggle');
    await assert.doesNotReject(sort.waitFor({ state: 'attached' }));
    await page.waitForFunction(() => !document.querySelector('#sort-toggle').disabled, null, { timeout: 30_000 });
    await sort.click();
    await page.waitForFunction(() => document.querySelector('#sort-toggle').getAttribute('aria-pressed') === 'true');
    const valuesAfter = await page.$$eval('#county-table tbody tr td:nth-child(2)', (tds) => tds.map((td) => Number(td.textContent)));
    const sorted = [...valuesAfter].sort((a, b) => b - a);
    assert.deepEqual(valuesAfter, sorted, 'rows are sorted by value after the click');
    const codesAfter = await page.$$eval('#county-table tbody tr', (trs) => trs.map((tr) => tr.dataset.county));
    assert.equal(codesAfter.length, 21);
    await page.screenshot({ path: join(repo, 'target', 'browser-public-page.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });
});
