// Page-level tests of the IndexedDB storage in headless Chromium, through
// the package's public API: reload, default storage, incremental writes,
// group commit, offboarding, many namespaces, two tabs, quota, corruption.
// Run: node --test tests/browser/ (needs `make pkg` first).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, harness } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('everything survives a reload; IndexedDB is the default; memory opts out', async () => {
  const page = await harness(browser.context, server.origin);
  await page.evaluate(async () => {
    const pc = new C.Pinecone({ name: 'reload' }); // no storage option: IndexedDB
    await pc.createIndex({ name: 'docs', dimension: 8, metric: 'dotproduct', spec, tags: { env: 'test' }, deletionProtection: 'enabled' });
    const idx = pc.index('docs');
    for (let t = 0; t < 5; t++) {
      await idx.namespace(`tenant${t}`).upsert(
        Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, values: vec(t * 100 + i, 8), metadata: { t, i, tag: [`x${i % 3}`] } })),
      );
    }
    await idx.namespace('tenant1').update({ id: 'r3', metadata: { extra: true } });
    await idx.namespace('tenant2').deleteMany(['r0', 'r1']);
    await idx.namespace('tenant3').deleteAll();
    const mem = new C.Pinecone({ name: 'reload-mem', storage: 'memory' });
    await mem.createIndex({ name: 'gone', dimension: 2, metric: 'cosine', spec });
  });
  await page.reload();
  await page.waitForFunction(() => window.harnessReady === true);
  const out = await page.evaluate(async () => {
    const pc = new C.Pinecone({ name: 'reload' });
    const d = await pc.describeIndex('docs');
    const idx = pc.index('docs');
    const stats = await idx.describeIndexStats();
    const f = await idx.namespace('tenant1').fetch(['r3', 'r19']);
    const q = await idx.namespace('tenant4').query({ topK: 1, vector: vec(419, 8), includeMetadata: true });
    const ns = await idx.listNamespaces();
    const mem = new C.Pinecone({ name: 'reload-mem', storage: 'memory' });
    const names = (await indexedDB.databases()).map((x) => x.name).sort();
    return { d, stats, f, q, ns, memIndexes: (await mem.listIndexes()).indexes.length, names };
  });
  assert.equal(out.d.dimension, 8);
  assert.equal(out.d.metric, 'dotproduct');
  assert.deepEqual(out.d.tags, { env: 'test' });
  assert.equal(out.d.deletionProtection, 'enabled');
  assert.equal(out.stats.totalRecordCount, 78);
  assert.deepEqual(out.stats.namespaces, { tenant0: { recordCount: 20 }, tenant1: { recordCount: 20 }, tenant2: { recordCount: 18 }, tenant4: { recordCount: 20 } });
  assert.deepEqual(out.f.records.r3.metadata, { t: 1, i: 3, tag: ['x0'], extra: true });
  assert.equal(out.q.matches[0].id, 'r19');
  assert.deepEqual(out.q.matches[0].metadata, { t: 4, i: 19, tag: ['x1'] });
  assert.equal(out.ns.namespaces.length, 4);
  assert.equal(out.memIndexes, 0, 'storage: "memory" must not persist');
  assert.deepEqual(out.names, ['conifer-db:reload']);
  await page.close();
});

test('a small write to a large namespace writes kilobytes; concurrent upserts share transactions', async () => {
  const page = await harness(browser.context, server.origin);
  const out = await page.evaluate(async () => {
    const pc = await openIndex('incr', 'big', 384);
    const ns = pc.index('big').namespace('t');
    // 200 records of 384 full-precision floats stay under the 2 MB request limit.
    for (let b = 0; b < 50; b++) {
      await ns.upsert(Array.from({ length: 200 }, (_, i) => ({ id: `r${b * 200 + i}`, values: vec(b * 200 + i, 384) })));
    }
    const db = await pc._engine();
    const s0 = JSON.parse(db.storageStats());
    await ns.upsert(Array.from({ length: 10 }, (_, i) => ({ id: `new${i}`, values: vec(90000 + i, 384) })));
    const s1 = JSON.parse(db.storageStats());
    const ns2 = pc.index('big').namespace('u');
    await Promise.all(Array.from({ length: 100 }, (_, i) => ns2.upsert([{ id: `c${i}`, values: vec(i, 384) }])));
    const s2 = JSON.parse(db.storageStats());
    await pc.close();
    const pc2 = new C.Pinecone({ name: 'incr' });
    const f = await pc2.index('big').namespace('u').fetch(Array.from({ length: 100 }, (_, i) => `c${i}`));
    const stats = await pc2.index('big').describeIndexStats();
    return { bytes: s1.put_bytes - s0.put_bytes, tx: s2.transactions - s1.transactions, fetched: Object.keys(f.records).length, stats };
  });
  assert.ok(out.bytes < 32 * 1024, `10 records into 10,000 wrote ${out.bytes} bytes`);
  assert.ok(out.bytes > 10 * 384 * 4, `too few bytes written: ${out.bytes}`);
  assert.ok(out.tx <= 5, `100 concurrent upserts took ${out.tx} transactions`);
  assert.equal(out.fetched, 100, 'concurrent upserts lost');
  assert.equal(out.stats.totalRecordCount, 10110);
  await page.close();
});

test('offboarding removes every stored key; many namespaces list and open fast', async () => {
  const page = await harness(browser.context, server.origin);
  const out = await page.evaluate(async () => {
    const pc = await openIndex('many', 'mt', 16);
    const idx = pc.index('mt');
    const N = 2000;
    const t0 = performance.now();
    for (let b = 0; b < N; b += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => idx.namespace(`tenant-${String(b + i).padStart(5, '0')}`).upsert(
        Array.from({ length: 5 }, (_, j) => ({ id: `r${j}`, values: vec((b + i) * 10 + j, 16) })))));
    }
    const createMs = performance.now() - t0;
    await pc.close();
    const t1 = performance.now();
    const pc2 = new C.Pinecone({ name: 'many' });
    const idx2 = pc2.index('mt');
    let pages = 0; let seen = 0; let token;
    do {
      const r = await idx2.listNamespaces({ limit: 100, paginationToken: token });
      pages++; seen += r.namespaces.length; token = r.pagination?.next;
    } while (token);
    const listMs = performance.now() - t1;
    const t2 = performance.now();
    const q = await idx2.namespace('tenant-01234').query({ topK: 2, vector: vec(12343, 16) });
    const queryMs = performance.now() - t2;
    // Offboard one tenant, then the whole index; look at raw IndexedDB.
    await idx2.namespace('tenant-00007').deleteAll();
    await idx2.deleteNamespace('tenant-00008');
    const raw = await rawIdb('conifer-db:many');
    const keys = await new Promise((res) => { const r = raw.transaction('kv').objectStore('kv').getAllKeys(); r.onsuccess = () => res(r.result); });
    const leftTenant = keys.filter((k) => k[2] === 'tenant-00007' || k[2] === 'tenant-00008').length;
    const t3 = performance.now();
    await pc2.deleteIndex('mt');
    const dropMs = performance.now() - t3;
    const after = await new Promise((res) => { const r = raw.transaction('kv').objectStore('kv').count(); r.onsuccess = () => res(r.result); });
    raw.close();
    return { createMs, listMs, queryMs, dropMs, pages, seen, top: q.matches[0]?.id, leftTenant, before: keys.length, after };
  });
  console.log(`2,000 namespaces: create ${out.createMs.toFixed(0)} ms, reopen+list ${out.listMs.toFixed(0)} ms (${out.pages} pages), open+query one ${out.queryMs.toFixed(1)} ms, deleteIndex ${out.dropMs.toFixed(0)} ms`);
  assert.equal(out.seen, 2000);
  assert.equal(out.pages, 20);
  assert.equal(out.top, 'r3');
  assert.equal(out.leftTenant, 0, 'offboarded tenant left keys');
  assert.ok(out.before > 3990);
  assert.equal(out.after, 0, 'deleteIndex left keys');
  assert.ok(out.queryMs < 200, `opening one of 2,000 namespaces took ${out.queryMs} ms`);
  await page.close();
});

test('two tabs writing one namespace lose nothing and see each other', async () => {
  const a = await harness(browser.context, server.origin);
  const b = await harness(browser.context, server.origin);
  await a.evaluate(async () => { window.pc = await openIndex('tabs', 'shared', 4); });
  await b.evaluate(async () => { window.pc = new C.Pinecone({ name: 'tabs' }); await pc.listIndexes(); });
  // Both tabs: 200 single-record upserts in waves of concurrent promises,
  // and metadata updates of one shared record (merges must not be lost).
  const work = (tag) => async (tag) => {
    const ns = pc.index('shared').namespace('team');
    for (let w = 0; w < 10; w++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => ns.upsert([{ id: `${tag}${w * 20 + i}`, values: [1, w + 1, i + 1, 1] }])));
      if (w === 0 && tag === 'a') await ns.upsert([{ id: 'shared', values: [1, 1, 1, 1], metadata: { start: 1 } }]);
      await new Promise((r) => setTimeout(r, 5));
      await settle(() => ns.update({ id: 'shared', metadata: { [`${tag}${w}`]: w } }));
    }
  };
  await Promise.all([a.evaluate(work('a'), 'a'), b.evaluate(work('b'), 'b')]);
  const count = (page) => page.evaluate(async () => (await pc.index('shared').describeIndexStats()).totalRecordCount);
  // Each tab sees the other's writes shortly after (notice + change log).
  const deadline = Date.now() + 3000;
  let ca; let cb;
  while (Date.now() < deadline) {
    [ca, cb] = [await count(a), await count(b)];
    if (ca === 401 && cb === 401) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(ca, 401, 'tab a does not see all records');
  assert.equal(cb, 401, 'tab b does not see all records');
  const check = async (page) => page.evaluate(async () => {
    const ns = pc.index('shared').namespace('team');
    const ids = [...Array.from({ length: 200 }, (_, i) => `a${i}`), ...Array.from({ length: 200 }, (_, i) => `b${i}`)];
    let n = 0;
    for (let i = 0; i < ids.length; i += 100) n += Object.keys((await ns.fetch(ids.slice(i, i + 100))).records).length;
    const shared = (await ns.fetch(['shared'])).records.shared?.metadata;
    return { n, shared };
  });
  for (const p of [a, b]) {
    const r = await check(p);
    assert.equal(r.n, 400);
    const keys = Object.keys(r.shared ?? {}).filter((k) => k !== 'start');
    // Updates that ran after the record existed (all but possibly a few of
    // b's earliest) must all be there: none overwritten by the other tab.
    const aKeys = keys.filter((k) => k.startsWith('a'));
    assert.equal(aKeys.length, 10, `tab a's metadata merges lost: ${JSON.stringify(r.shared)}`);
    assert.ok(keys.filter((k) => k.startsWith('b')).length >= 8, `tab b's metadata merges lost: ${JSON.stringify(r.shared)}`);
  }
  // A fresh tab reads the same from storage.
  const c = await harness(browser.context, server.origin);
  const r = await c.evaluate(async () => {
    window.pc = new C.Pinecone({ name: 'tabs' });
    return (await pc.index('shared').describeIndexStats()).totalRecordCount;
  });
  assert.equal(r, 401);
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('QuotaExceededError is a typed error and loses nothing acknowledged', async () => {
  // The override must be in place before the origin first uses storage:
  // a second server gives an origin of its own.
  const own = await serve();
  const blank = await browser.context.newPage();
  const cdp = await browser.context.newCDPSession(blank);
  // (The override lasts as long as this DevTools session: keep the page.)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: own.origin, quotaSize: 3 * 1024 * 1024 });
  const page = await harness(browser.context, own.origin);
  const out = await page.evaluate(async () => {
    const pc = await openIndex('quota', 'q', 384);
    const ns = pc.index('q').namespace('t');
    await ns.upsert([{ id: 'keep', values: vec(1, 384), metadata: { k: 1 } }]);
    let acked = 1;
    let err;
    for (let b = 0; b < 200 && !err; b++) {
      const r = await settle(() => ns.upsert(Array.from({ length: 200 }, (_, i) => ({ id: `b${b}-${i}`, values: vec(b * 1000 + i, 384) }))));
      if (r.ok) acked += 200;
      else err = r;
    }
    const stats = await ns.describeIndexStats();
    // The instance keeps working for reads and small deletes.
    const f = await ns.fetch(['keep']);
    return { err, acked, count: stats.totalRecordCount, keep: f.records.keep?.metadata };
  });
  assert.ok(out.err, 'never hit the quota');
  assert.equal(out.err.code, 'QUOTA_EXCEEDED', JSON.stringify(out.err));
  assert.equal(out.err.name, 'PineconeBadRequestError');
  assert.equal(out.count, out.acked, 'memory disagrees with what was acknowledged');
  assert.deepEqual(out.keep, { k: 1 });
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: own.origin });
  await blank.close();
  await page.reload();
  await page.waitForFunction(() => window.harnessReady === true);
  const after = await page.evaluate(async () => {
    const pc = new C.Pinecone({ name: 'quota' });
    const ns = pc.index('q').namespace('t');
    const n = (await ns.describeIndexStats()).totalRecordCount;
    const ok = await settle(() => ns.upsert([{ id: 'later', values: vec(7, 384) }]));
    const f = await ns.fetch(['keep', 'b0-0', 'later']);
    return { n, ok: ok.ok, ids: Object.keys(f.records).sort() };
  });
  assert.equal(after.n, out.acked, 'acknowledged writes lost after the quota error');
  assert.ok(after.ok);
  assert.deepEqual(after.ids, ['b0-0', 'keep', 'later']);
  await page.close();
  await own.close();
});

test('a corrupted segment fails only its namespace, with a typed error', async () => {
  const page = await harness(browser.context, server.origin);
  await page.evaluate(async () => {
    const pc = await openIndex('corrupt', 'c', 8);
    await pc.index('c').namespace('t1').upsert([{ id: 'a', values: vec(1, 8) }, { id: 'b', values: vec(2, 8) }]);
    await pc.index('c').namespace('t2').upsert([{ id: 'x', values: vec(3, 8) }]);
    await pc.close();
    const raw = await rawIdb('conifer-db:corrupt');
    await new Promise((res, rej) => {
      const tx = raw.transaction('kv', 'readwrite');
      const store = tx.objectStore('kv');
      const key = ['seg', 'c', 't1', 0];
      const r = store.get(key);
      r.onsuccess = () => { const v = new Uint8Array(r.result); v[v.length >> 1] ^= 0x40; store.put(v, key); };
      tx.oncomplete = res; tx.onerror = () => rej(tx.error);
    });
    raw.close();
  });
  await page.reload();
  await page.waitForFunction(() => window.harnessReady === true);
  const out = await page.evaluate(async () => {
    const pc = new C.Pinecone({ name: 'corrupt' });
    const bad = await settle(() => pc.index('c').namespace('t1').query({ topK: 1, vector: vec(1, 8) }));
    const good = await pc.index('c').namespace('t2').query({ topK: 1, vector: vec(3, 8) });
    const stats = await pc.index('c').describeIndexStats();
    return { bad, good: good.matches[0]?.id, stats };
  });
  assert.equal(out.bad.ok, false);
  assert.equal(out.bad.name, 'ConiferCorruptionError', JSON.stringify(out.bad));
  assert.equal(out.good, 'x');
  assert.equal(out.stats.namespaces.t2.recordCount, 1);
  await page.close();
});

test('the HNSW graph an ingest builds is stored in IndexedDB when writes pause; a reload installs it', async () => {
  const page = await harness(browser.context, server.origin);
  const before = await page.evaluate(async () => {
    const pc = new C.Pinecone({ name: 'graph' });
    await pc.createIndex({ name: 'g', dimension: 16, metric: 'cosine', spec, conifer: { indexType: 'hnsw' } });
    const idx = pc.index('g').namespace('t');
    for (let b = 0; b < 4; b++) {
      await idx.upsert(Array.from({ length: 100 }, (_, i) => ({ id: `r${b * 100 + i}`, values: vec(b * 100 + i, 16) })));
    }
    const hasGraph = () =>
      new Promise((res) => {
        indexedDB.open('conifer-db:graph').onsuccess = (e) => {
          const r = e.target.result.transaction('kv').objectStore('kv').count(['graph', 'g', 't']);
          r.onsuccess = () => {
            res(r.result);
            e.target.result.close();
          };
        };
      });
    const during = await hasGraph();
    const deadline = performance.now() + 10_000;
    let after = 0;
    while (!(after = await hasGraph()) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return { during, after };
  });
  assert.equal(before.during, 0, 'not stored inside the ingest');
  assert.equal(before.after, 1, 'stored once the writes paused');
  await page.reload();
  await page.waitForFunction(() => window.harnessReady === true);
  const out = await page.evaluate(async () => {
    const pc = new C.Pinecone({ name: 'graph' });
    const q = await pc.index('g').namespace('t').query({ topK: 1, vector: vec(321, 16), efSearch: 20 });
    return { top: q.matches[0].id, due: (await pc._engine()).compactionsDue() };
  });
  assert.equal(out.top, 'r321');
  assert.equal(out.due, 0, 'installed, not rebuilt (a rebuild at load queues a compaction to store it)');
});

test('s1: a query reads its candidates\' float32 values from IndexedDB in one read transaction; values come back exact', async () => {
  const page = await harness(browser.context, server.origin);
  const out = await page.evaluate(async () => {
    const pc = new C.Pinecone({ name: 's1reads' });
    await pc.createIndex({
      name: 's', dimension: 16, metric: 'cosine', conifer: { indexType: 'hnsw' },
      spec: { pod: { environment: 'local', podType: 's1.x1' } },
    });
    const ns = pc.index('s').namespace('t');
    // 1,200 records: over the 1,000 from which s1 keeps its values in storage only.
    for (let b = 0; b < 3; b++) {
      await ns.upsert(Array.from({ length: 400 }, (_, i) => ({ id: `r${b * 400 + i}`, values: vec(b * 400 + i, 16) })));
    }
    const db = await pc._engine();
    await pc._compactNow(db); // the idle compaction (it reads every value) out of the way
    const reads = () => JSON.parse(db.storageStats()).reads;
    const r0 = reads();
    const tops = [];
    for (let i = 0; i < 20; i++) {
      const q = await ns.query({ topK: 10, vector: vec(i * 50, 16), includeValues: true });
      tops.push({ want: `r${i * 50}`, got: q.matches[0].id, n: q.matches.length, values: q.matches[0].values.map(Math.fround), exact: vec(i * 50, 16).map(Math.fround) });
    }
    const r1 = reads();
    const f = await ns.fetch(['r3', 'r777', 'r1199', 'missing']);
    const r2 = reads();
    await pc.close();
    return {
      queryReads: r1 - r0, fetchReads: r2 - r1, tops,
      fetched: Object.keys(f.records).sort(),
      r777: f.records.r777.values.map(Math.fround), exact777: vec(777, 16).map(Math.fround),
    };
  });
  assert.equal(out.queryReads, 20, 'one read transaction per s1 query (all candidates in one get_many)');
  assert.equal(out.fetchReads, 1, 'one read transaction for a fetch');
  for (const t of out.tops) {
    assert.equal(t.got, t.want);
    assert.equal(t.n, 10);
    assert.deepEqual(t.values, t.exact, 'includeValues returns the stored float32 values (printed shortest, equal as f32)');
  }
  assert.deepEqual(out.fetched, ['r1199', 'r3', 'r777']);
  assert.deepEqual(out.r777, out.exact777);
});
