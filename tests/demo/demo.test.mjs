// The demo (www/) in headless Chromium, flow by flow, on the built package
// (pkg/) and the digits asset. The flows run in order on one page, as a user
// would: each builds on the state the previous one left, and says so.
// Screenshots of every view go to bench-results/screenshots/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../www/serve.mjs';
import { buildData, DATA_FILE } from '../../www/build-data.mjs';
import { parseDigits, squaredDistance, SEED } from '../../www/digits.js';
import { launchProfile, screenshot, repoRoot } from './chromium.mjs';
import {
  STROKES, waitReady, draw, drawAndSearch, afterResults, readResults, tenantCounts, statsCounts, switchTenant, waitToast,
} from './page.mjs';

const SEED_COUNTS = Object.fromEntries(SEED.tenants.map((t) => [t.name, t.count]));
const rangeOf = (name) => SEED.tenants.find((t) => t.name === name);
const assetIndex = (id) => Number(/^(?:user-)?mnist-(\d{5})$/.exec(id)?.[1] ?? NaN);
const inRange = (id, { start, count }) => assetIndex(id) >= start && assetIndex(id) < start + count;

let server;
let profile;
let page;
let digits;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'conifer-demo-test-'));
/** State one flow leaves for the next. */
const shared = {};

before(async () => {
  assert.ok(fs.existsSync(path.join(repoRoot, 'pkg', 'wasm', 'conifer_bg.wasm')), 'pkg/ is not built: run make pkg');
  buildData({ log: () => {} });
  digits = parseDigits(fs.readFileSync(DATA_FILE));
  server = await startServer({ port: 0 });
  profile = await launchProfile();
  page = profile.context.pages()[0] ?? (await profile.context.newPage());
  page.on('dialog', (d) => d.accept());
});

after(async () => {
  await profile?.close();
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Exact top-k of `vector` among asset digits [start, start+count) (the oracle). */
function exactTopK(vector, { start, count }, k) {
  const all = [];
  for (let i = start; i < start + count; i++) all.push([i, squaredDistance(vector, digits.vector(i))]);
  return all.sort((a, b) => a[1] - b[1]).slice(0, k);
}

function assertResultCards(results, topK) {
  assert.equal(results.length, topK, `expected ${topK} result cards`);
  for (const r of results) {
    assert.equal(r.imgWidth, 28, `${r.id}: image is 28 px wide`);
    assert.equal(r.imgHeight, 28, `${r.id}: image is 28 px high`);
    assert.ok(r.inked, `${r.id}: image shows a digit (not a blank tile)`);
    assert.ok(Number.isFinite(r.score) && r.score >= 0, `${r.id}: score ${r.score} is a squared distance`);
    assert.match(r.scoreText, /^d² \d+\.\d\d$/, `${r.id}: score shown`);
    assert.ok(Number.isInteger(r.label) && r.label >= 0 && r.label <= 9, `${r.id}: label ${r.label}`);
  }
  for (let i = 1; i < results.length; i++) {
    assert.ok(results[i - 1].score <= results[i].score, 'results are sorted by distance, closest first');
  }
}

test('first load: seeds three tenants with disjoint digits and shows them', { timeout: 120_000 }, async () => {
  await page.goto(server.url);
  await waitReady(page);
  shared.started = true;
  assert.deepEqual(await tenantCounts(page), SEED_COUNTS, 'tenant list shows the seed counts');
  assert.deepEqual(await statsCounts(page), SEED_COUNTS, 'stats panel (describeIndexStats) shows the seed counts');
  assert.equal(await page.textContent('[data-testid=total-records]'), '9,000');
  assert.equal(await page.textContent('[data-testid=tenant-title]'), 'acme');
  const storage = await page.getAttribute('[data-testid=storage-badge]', 'data-storage');
  assert.ok(['indexeddb', 'memory'].includes(storage), `storage badge says ${storage}`);
  assert.equal(await page.isHidden('#overlay'), true, 'set-up overlay is gone');
  await screenshot(page, '01-first-load');
});

test('draw a 1: nearest digits appear as images with scores, and they are the exact nearest in the tenant', { timeout: 60_000 }, async () => {
  assert.ok(shared.started, 'the demo did not start (see the first test)');
  const results = await drawAndSearch(page, STROKES.one);
  assertResultCards(results, 12);
  const ones = results.filter((r) => r.label === 1).length;
  assert.ok(ones >= 9, `a drawn 1 finds mostly 1s (${ones} of 12: ${results.map((r) => r.label).join(' ')})`);
  assert.equal(await page.getAttribute('[data-testid=prediction]', 'data-label'), '1');
  assert.ok(results.every((r) => inRange(r.id, rangeOf('acme'))), 'every match is one of acme\'s digits');

  // The oracle: brute force over acme's digits with the query vector the page sent.
  const vector = await page.evaluate(() => window.conifer.state.query.vector);
  assert.equal(vector.length, 784);
  const exact = exactTopK(vector, rangeOf('acme'), 12);
  results.forEach((r, i) => {
    const own = squaredDistance(vector, digits.vector(assetIndex(r.id)));
    assert.ok(Math.abs(own - r.score) <= 1e-3 * Math.max(1, own), `${r.id}: shown score ${r.score} is its distance ${own}`);
    assert.ok(r.score <= exact[i][1] + 1e-3 * Math.max(1, exact[i][1]), `rank ${i + 1}: ${r.score} is no worse than the exact ${exact[i][1]}`);
  });
  shared.oneResults = results;
  await screenshot(page, '02-query-one');

  const zero = await drawAndSearch(page, STROKES.zero);
  assertResultCards(zero, 12);
  const zeros = zero.filter((r) => r.label === 0).length;
  assert.ok(zeros >= 9, `a drawn 0 finds mostly 0s (${zeros} of 12: ${zero.map((r) => r.label).join(' ')})`);
  await screenshot(page, '03-query-zero');
});

test('tenant isolation: a digit saved in acme is found in acme and never in globex or initech', { timeout: 60_000 }, async () => {
  assert.ok(shared.started, 'the demo did not start (see the first test)');
  const before = await tenantCounts(page);
  await drawAndSearch(page, STROKES.seven);
  await page.selectOption('[data-testid=label-select]', '7');
  const saved = await afterResults(page, () => page.click('[data-testid=save]'));
  const mine = saved[0];
  assert.match(mine.id, /^user-drawn-/, 'the saved drawing is the top match in acme');
  assert.ok(mine.score < 1e-6, `and at distance 0 (${mine.score})`);
  assert.equal(mine.label, 7);
  shared.savedId = mine.id;
  assert.deepEqual(await tenantCounts(page), { ...before, acme: before.acme + 1 });
  assert.deepEqual(await statsCounts(page), { ...before, acme: before.acme + 1 });
  await page.waitForSelector(`#additions li[data-id="${mine.id}"]`);

  for (const other of ['globex', 'initech']) {
    const res = await afterResults(page, () => switchTenant(page, other));
    assert.equal(await page.getAttribute('#results', 'data-namespace'), other, `results come from ${other}`);
    assertResultCards(res, 12);
    assert.ok(!res.some((r) => r.id === mine.id), `${other} does not see acme's drawing`);
    assert.ok(res.every((r) => inRange(r.id, rangeOf(other))), `every match is one of ${other}'s own digits`);
    assert.ok(res[0].score > 1e-6, `nothing in ${other} is the saved drawing (top distance ${res[0].score})`);
    assert.equal(await page.locator('#additions li').count(), 0, `${other} lists no additions`);
    const fetched = await page.evaluate(
      ([ns, id]) => window.conifer.pc.index('digits').namespace(ns).fetch([id]),
      [other, mine.id],
    );
    assert.deepEqual(Object.keys(fetched.records), [], `fetch of the id in ${other} returns nothing`);
    if (other === 'globex') await screenshot(page, '04-isolation-globex');
  }
  assert.deepEqual(await tenantCounts(page), { ...before, acme: before.acme + 1 }, 'other tenants unchanged');
});

test('add and delete: samples grow a tenant, deleting an addition or a seeded digit removes it', { timeout: 60_000 }, async () => {
  assert.ok(shared.started, 'the demo did not start (see the first test)');
  await switchTenant(page, 'globex');
  const before = await tenantCounts(page);
  await page.click('[data-testid=add-samples]');
  await waitToast(page, /Added 10 unseen MNIST digits to globex/);
  await page.waitForFunction(() => document.querySelectorAll('#additions li').length === 10);
  assert.deepEqual(await tenantCounts(page), { ...before, globex: before.globex + 10 });
  const added = await page.$$eval('#additions li', (lis) => lis.map((li) => li.dataset.id));
  assert.ok(added.every((id) => /^user-mnist-\d{5}$/.test(id) && inRange(id, SEED.pool)), `additions come from the unseen pool: ${added}`);

  // Delete one addition from the list.
  const gone = added[3];
  await page.click(`#additions li[data-id="${gone}"] button`);
  await page.waitForFunction((id) => !document.querySelector(`#additions li[data-id="${id}"]`), gone);
  assert.equal(await page.locator('#additions li').count(), 9);
  assert.deepEqual(await tenantCounts(page), { ...before, globex: before.globex + 9 });
  const fetched = await page.evaluate((id) => window.conifer.pc.index('digits').namespace('globex').fetch([id]), gone);
  assert.deepEqual(Object.keys(fetched.records), [], 'the deleted addition is gone from the index');

  // Delete a seeded digit from the results.
  const res = await drawAndSearch(page, STROKES.one);
  const victim = res.find((r) => !r.id.startsWith('user-'));
  await page.hover(`#results figure[data-id="${victim.id}"]`);
  const after = await afterResults(page, () => page.click(`#results figure[data-id="${victim.id}"] .del`));
  assert.ok(!after.some((r) => r.id === victim.id), `${victim.id} no longer matches`);
  assert.deepEqual(await tenantCounts(page), { ...before, globex: before.globex + 8 });
  shared.countsAfterEdits = await tenantCounts(page);
  await screenshot(page, '05-add-delete');
});

test('reload: everything is still there (IndexedDB)', { timeout: 120_000 }, async (t) => {
  assert.ok(shared.started, 'the demo did not start (see the first test)');
  const storage = await page.getAttribute('[data-testid=storage-badge]', 'data-storage');
  const reason = await page.getAttribute('[data-testid=storage-badge]', 'data-reason');
  const title = await page.getAttribute('[data-testid=storage-badge]', 'title');
  if (storage === 'memory') {
    assert.equal(reason, 'unsupported', `IndexedDB exists in this build but failed to open: ${title}`);
    // What a user sees instead: a memory database that says it resets, and does.
    await page.reload();
    await waitReady(page);
    assert.deepEqual(await tenantCounts(page), SEED_COUNTS, 'memory mode: a reload starts again from the seed');
    await screenshot(page, '06-after-reload');
    const msg = 'IndexedDB storage is not in this build of conifer-db (the demo fell back to memory): persistence after reload NOT checked';
    console.log(`# SKIPPED: ${msg}`);
    t.skip(msg);
    return;
  }
  assert.equal(storage, 'indexeddb');
  await page.reload();
  await waitReady(page);
  assert.equal(await page.textContent('[data-testid=tenant-title]'), 'globex', 'the tenant in the URL is restored');
  assert.deepEqual(await tenantCounts(page), shared.countsAfterEdits, 'counts survive the reload');
  await switchTenant(page, 'acme');
  await page.waitForSelector(`#additions li[data-id="${shared.savedId}"]`);
  const res = await drawAndSearch(page, STROKES.seven);
  assert.equal(res[0].id, shared.savedId, 'the saved drawing is still the top match');
  await screenshot(page, '06-after-reload');
});

test('export a collection and import it in another browser profile', { timeout: 180_000 }, async () => {
  assert.ok(shared.started, 'the demo did not start (see the first test)');
  // A drawing of its own, so the export holds one whatever the reload kept.
  await switchTenant(page, 'acme');
  await drawAndSearch(page, STROKES.seven);
  await page.selectOption('[data-testid=label-select]', '7');
  const savedId = (await afterResults(page, () => page.click('[data-testid=save]')))[0].id;
  assert.match(savedId, /^user-drawn-/);
  const counts = await tenantCounts(page);
  const failed = waitToast(page, /./, 'error').then((t) => assert.fail(`export failed: ${t}`));
  failed.catch(() => {});
  const [download] = await Promise.all([Promise.race([page.waitForEvent('download'), failed]), page.click('[data-testid=export]')]);
  assert.match(download.suggestedFilename(), /^digits-\d{8}-\d{6}\.collection$/);
  const file = path.join(tmp, download.suggestedFilename());
  await download.saveAs(file);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  assert.ok(fs.statSync(file).size > total * 784 * 4, `the export holds every vector (${fs.statSync(file).size} bytes)`);
  await waitToast(page, new RegExp(`Exported ${total.toLocaleString('en')} records`));
  const acmeOne = await drawAndSearch(page, STROKES.one);

  // Another profile: its own storage, its own seed; the file is the only link.
  const other = await launchProfile();
  try {
    const page2 = other.context.pages()[0] ?? (await other.context.newPage());
    page2.on('dialog', (d) => d.accept());
    await page2.goto(server.url);
    await waitReady(page2);
    assert.deepEqual(await tenantCounts(page2), SEED_COUNTS, 'the second profile starts from its own seed');

    // A damaged file is refused and changes nothing.
    const bad = path.join(tmp, 'damaged.collection');
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(bad, bytes);
    await page2.setInputFiles('[data-testid=import-input]', bad);
    await waitToast(page2, /Corrupt|checksum|corrupt/, 'error');
    assert.deepEqual(await page2.$$eval('#index-select option', (o) => o.map((x) => x.value)), ['digits'], 'no index was created');

    await page2.setInputFiles('[data-testid=import-input]', file);
    await waitToast(page2, /Imported .* records from/);
    const indexName = await page2.$eval('#index-select', (s) => s.value);
    assert.match(indexName, /^imported-\d{8}-\d{6}/);
    assert.deepEqual(await tenantCounts(page2), counts, 'the imported index has the same tenants and counts');
    await switchTenant(page2, 'acme');
    await page2.waitForSelector(`#additions li[data-id="${savedId}"]`);
    const importedOne = await drawAndSearch(page2, STROKES.one);
    assert.deepEqual(
      importedOne.map((r) => [r.id, r.score]),
      acmeOne.map((r) => [r.id, r.score]),
      'the same drawing finds the same digits at the same distances',
    );
    await screenshot(page2, '07-imported');

    // The imported index sits beside the profile's own.
    await page2.selectOption('#index-select', 'digits');
    await page2.waitForFunction(() => document.querySelector('#index-meta').textContent.includes('784'));
    await page2.waitForFunction(
      (n) => document.querySelector('#tenant-list .tenant[data-ns="acme"] .tenant-count')?.textContent === n,
      SEED_COUNTS.acme.toLocaleString('en'),
    );
    assert.deepEqual(await tenantCounts(page2), SEED_COUNTS, 'the profile\'s own index is untouched');

    // Offboarding a tenant deletes its namespace.
    await switchTenant(page2, 'initech');
    await page2.click('[data-testid=offboard]');
    await waitToast(page2, /Offboarded initech/);
    const left = await tenantCounts(page2);
    assert.deepEqual(left, { acme: SEED_COUNTS.acme, globex: SEED_COUNTS.globex }, 'initech is gone');
    assert.equal(await page2.textContent('[data-testid=total-records]'), (SEED_COUNTS.acme + SEED_COUNTS.globex).toLocaleString('en'));
    await screenshot(page2, '08-offboarded');
    assert.deepEqual(other.errors.filter((e) => e.startsWith('pageerror')), [], 'no uncaught errors in the second profile');
  } finally {
    await other.close();
  }
  assert.deepEqual(profile.errors, [], 'no page errors or console errors in the first profile');
});
