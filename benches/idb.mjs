// IndexedDB benchmark in headless Chromium (384-d vectors), through the
// package's public API. A command, not a test:
//
//   node benches/idb.mjs            (after `make pkg`; BENCH_QUICK=1 for a short run)
//
// Writes bench-results/idb.json and docs/bench-idb.md. Targets (issue 3):
// 1,000-record upsert acknowledged in <= 50 ms (median); cold open to first
// query result for 100k x 384 in <= 1.5 s; any-of-10,000-tenants open and
// query in <= 20 ms (median).

import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { serve, launch, harness } from '../tests/browser/harness.mjs';

const QUICK = !!process.env.BENCH_QUICK;
const BIG = QUICK ? 20_000 : 100_000; // records in the large namespace
const TENANTS = QUICK ? 1_000 : 10_000; // namespaces of 100 records
const MANY = QUICK ? 5_000 : 100_000; // namespaces for the scale figures

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), min: s[0], max: s[s.length - 1] };
};

const server = await serve();
const browser = await launch();
const results = { quick: QUICK, when: new Date().toISOString() };
const log = (...a) => console.error('[bench]', ...a);

// Page helpers: quantised vectors (2 decimals, non-negative) keep a
// 1,000 x 384 upsert under the 2 MB request limit, as Pinecone requires.
const PRELUDE = `
  window.qvec = (seed, dim) => vec(seed, dim).map((x) => Math.round((x + 0.5) * 100) / 100 || 0.01);
  window.recs = (prefix, from, n, dim) => Array.from({ length: n }, (_, i) => ({ id: prefix + (from + i), values: qvec(from + i + 1, dim) }));
`;
async function page() {
  const p = await harness(browser.context, server.origin);
  await p.evaluate(PRELUDE);
  return p;
}
async function reload(p) {
  await p.reload();
  await p.waitForFunction(() => window.harnessReady === true);
  await p.evaluate(PRELUDE);
}

try {
  const version = browser.context.browser()?.version?.() ?? 'chromium';
  results.machine = {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    chromium: version,
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
  try {
    results.machine.rustc = execFileSync('rustc', ['--version']).toString().trim();
  } catch {}

  // 1. Acknowledged latency of 1-, 100-, 1,000-record upserts, for both
  // durabilities, and the same on memory storage (engine + JSON cost).
  {
    const p = await page();
    results.upsertLatency = await p.evaluate(async ({ QUICK }) => {
      const out = {};
      const stat = (xs) => { const s = [...xs].sort((a, b) => a - b); return { median: s[s.length >> 1], p95: s[Math.floor(s.length * 0.95)], n: s.length }; };
      for (const [label, opts] of [['indexeddb relaxed', { name: 'bench-lat' }], ['indexeddb strict', { name: 'bench-lat-strict', durability: 'strict' }], ['memory', { storage: 'memory' }]]) {
        const pc = new C.Pinecone(opts);
        await pc.createIndex({ name: 'lat', dimension: 384, metric: 'cosine', spec, conifer: { indexType: 'flat' } });
        const ns = pc.index('lat').namespace('t');
        out[label] = {};
        for (const size of [1, 100, 1000]) {
          const reps = QUICK ? 5 : size === 1000 ? 30 : 50;
          const times = [];
          for (let r = 0; r < reps + 2; r++) {
            const batch = recs(`s${size}-${r}-`, r * size, size, 384);
            const t0 = performance.now();
            await ns.upsert(batch);
            if (r >= 2) times.push(performance.now() - t0); // 2 warm-ups
          }
          out[label][size] = stat(times);
        }
        await pc.close();
      }
      return out;
    }, { QUICK });
    log('upsert latency', JSON.stringify(results.upsertLatency));

    // 2. Throughput of 100 concurrent upserts (Promise.all), 1 and 10 records each.
    results.concurrent = await p.evaluate(async ({ QUICK }) => {
      const pc = new C.Pinecone({ name: 'bench-conc' });
      await pc.createIndex({ name: 'c', dimension: 384, metric: 'cosine', spec, conifer: { indexType: 'flat' } });
      const db = await pc._engine();
      const out = {};
      for (const per of [1, 10]) {
        const rounds = [];
        let tx = 0;
        for (let r = 0; r < (QUICK ? 3 : 10); r++) {
          const s0 = JSON.parse(db.storageStats());
          const t0 = performance.now();
          await Promise.all(Array.from({ length: 100 }, (_, i) => pc.index('c').namespace(`t${i % 10}`).upsert(recs(`c${per}-${r}-${i}-`, 0, per, 384))));
          rounds.push(performance.now() - t0);
          tx += JSON.parse(db.storageStats()).transactions - s0.transactions;
        }
        rounds.sort((a, b) => a - b);
        const med = rounds[rounds.length >> 1];
        out[per] = { medianMsFor100: med, upsertsPerSec: 100 / (med / 1000), recordsPerSec: (100 * per) / (med / 1000), transactionsPer100: tx / rounds.length };
      }
      await pc.close();
      return out;
    }, { QUICK });
    log('concurrent', JSON.stringify(results.concurrent));
    await p.close();
  }

  // 3. Cold open to first query result, BIG x 384 in one namespace.
  {
    const p = await page();
    const build = await p.evaluate(async ({ BIG }) => {
      const pc = new C.Pinecone({ name: 'bench-cold' });
      await pc.createIndex({ name: 'big', dimension: 384, metric: 'cosine', spec, conifer: { indexType: 'flat' } });
      const ns = pc.index('big').namespace('t');
      const t0 = performance.now();
      for (let b = 0; b < BIG; b += 1000) await ns.upsert(recs('r', b, 1000, 384));
      const buildMs = performance.now() - t0;
      const db = await pc._engine();
      const s0 = JSON.parse(db.storageStats());
      const t1 = performance.now();
      await ns.upsert(recs('extra', 0, 10, 384));
      const tenMs = performance.now() - t1;
      const s1 = JSON.parse(db.storageStats());
      await pc.close();
      return { buildMs, tenRecordBytes: s1.put_bytes - s0.put_bytes, tenRecordMs: tenMs };
    }, { BIG });
    log('built', JSON.stringify(build));
    const coldOnce = async () => {
      await reload(p);
      return p.evaluate(async () => {
        const t0 = performance.now();
        const pc = new C.Pinecone({ name: 'bench-cold' });
        const q = await pc.index('big').namespace('t').query({ topK: 10, vector: qvec(77, 384) });
        const ms = performance.now() - t0;
        const ok = q.matches[0]?.id === 'r76';
        // Let a queued compaction finish before the page goes away.
        const db = await pc._engine();
        const t1 = performance.now();
        while (db.compactionsDue() > 0 || pc._compacting) await new Promise((r) => setTimeout(r, 50));
        const compactMs = performance.now() - t1;
        const segs = await new Promise((res) => { indexedDB.open('conifer-db:bench-cold').onsuccess = (e) => { const r = e.target.result.transaction('kv').objectStore('kv').count(IDBKeyRange.bound(['seg', 'big', 't'], ['seg', 'big', 't', []])); r.onsuccess = () => { res(r.result); e.target.result.close(); }; }; });
        await pc.close();
        return { ms, ok, compactMs, segsAfter: segs };
      });
    };
    const first = await coldOnce(); // 101 segments as written; compaction queued after the first result
    const runs = [];
    for (let i = 0; i < (QUICK ? 2 : 5); i++) runs.push(await coldOnce());
    results.coldOpen = {
      records: BIG,
      ...build,
      firstOpenMs: first.ms,
      firstOpenSegments: Math.ceil(BIG / 1000) + 1,
      compactionMs: first.compactMs,
      segmentsAfterCompaction: first.segsAfter,
      compactedOpen: stat(runs.map((r) => r.ms)),
      correct: [first, ...runs].every((r) => r.ok),
    };
    // deleteAll of the big namespace (key-range delete).
    results.coldOpen.deleteAllMs = await p.evaluate(async () => {
      const pc = new C.Pinecone({ name: 'bench-cold' });
      await pc.listIndexes();
      const t0 = performance.now();
      await pc.index('big').namespace('t').deleteAll();
      return performance.now() - t0;
    });
    log('cold open', JSON.stringify(results.coldOpen));
    await p.close();
  }

  // 4. Any of 10,000 tenants (100 records each): open and query.
  {
    const p = await page();
    const build = await p.evaluate(async ({ TENANTS }) => {
      const pc = new C.Pinecone({ name: 'bench-tenants' });
      await pc.createIndex({ name: 'mt', dimension: 384, metric: 'cosine', spec });
      const idx = pc.index('mt');
      const t0 = performance.now();
      for (let t = 0; t < TENANTS; t += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, i) => idx.namespace(`tenant-${t + i}`).upsert(recs(`r`, (t + i) * 100, 100, 384))));
      }
      const ms = performance.now() - t0;
      await pc.close();
      return { buildMs: ms };
    }, { TENANTS });
    await reload(p);
    const r = await p.evaluate(async ({ TENANTS }) => {
      const t0 = performance.now();
      const pc = new C.Pinecone({ name: 'bench-tenants' });
      const idx = pc.index('mt');
      const stats = await idx.describeIndexStats();
      const openMs = performance.now() - t0;
      const times = [];
      let ok = 0;
      for (let i = 0; i < 300; i++) {
        const t = Math.floor(Math.random() * TENANTS);
        const t1 = performance.now();
        const q = await idx.namespace(`tenant-${t}`).query({ topK: 5, vector: qvec(t * 100 + 42, 384) });
        times.push(performance.now() - t1);
        if (q.matches[0]?.id === `r${t * 100 + 41}`) ok++;
      }
      await pc.close();
      return { openMs, total: stats.totalRecordCount, times, ok };
    }, { TENANTS });
    results.tenants = { tenants: TENANTS, recordsEach: 100, ...build, catalogOpenMs: r.openMs, totalRecords: r.total, openAndQuery: stat(r.times), correct: r.ok };
    log('tenants', JSON.stringify(results.tenants));
    await p.close();
  }

  // 5. Scale: MANY namespaces in one index (1 record of 384-d each).
  {
    const p = await page();
    const build = await p.evaluate(async ({ MANY }) => {
      const pc = new C.Pinecone({ name: 'bench-many' });
      await pc.createIndex({ name: 'm', dimension: 384, metric: 'cosine', spec });
      const idx = pc.index('m');
      const t0 = performance.now();
      for (let t = 0; t < MANY; t += 1000) {
        await Promise.all(Array.from({ length: 1000 }, (_, i) => idx.namespace(`ns-${String(t + i).padStart(6, '0')}`).upsert(recs('r', t + i, 1, 384))));
      }
      const ms = performance.now() - t0;
      await pc.close();
      return { createMs: ms };
    }, { MANY });
    await reload(p);
    const r = await p.evaluate(async ({ MANY }) => {
      const t0 = performance.now();
      const pc = new C.Pinecone({ name: 'bench-many' });
      const idx = pc.index('m');
      const first = await idx.listNamespaces({ limit: 100 });
      const openMs = performance.now() - t0;
      const pages = [];
      let token = first.pagination?.next;
      let seen = first.namespaces.length;
      while (token) {
        const t1 = performance.now();
        const page = await idx.listNamespaces({ limit: 100, paginationToken: token });
        pages.push(performance.now() - t1);
        seen += page.namespaces.length;
        token = page.pagination?.next;
      }
      const times = [];
      for (let i = 0; i < 200; i++) {
        const t = Math.floor(Math.random() * MANY);
        const t1 = performance.now();
        await idx.namespace(`ns-${String(t).padStart(6, '0')}`).query({ topK: 1, vector: qvec(t + 1, 384) });
        times.push(performance.now() - t1);
      }
      const t2 = performance.now();
      await pc.deleteIndex('m');
      const dropMs = performance.now() - t2;
      await pc.close();
      return { openMs, seen, pages, times, dropMs };
    }, { MANY });
    results.many = { namespaces: MANY, ...build, openAndFirstPageMs: r.openMs, listed: r.seen, listPage: stat(r.pages), openAndQuery: stat(r.times), deleteIndexMs: r.dropMs };
    log('many', JSON.stringify({ ...results.many }));
    await p.close();
  }
} finally {
  await browser.close();
  await server.close();
}

// ---- report ----------------------------------------------------------------
const f = (x, d = 1) => (x === undefined ? '-' : Number(x).toFixed(d));
const L = results.upsertLatency;
const target = (ok) => (ok ? 'met' : '**missed**');
const md = `# IndexedDB benchmark

Generated by \`node benches/idb.mjs\`${QUICK ? ' (BENCH_QUICK: reduced sizes)' : ''} on ${results.when.slice(0, 10)}.
Headless Chromium ${results.machine.chromium}, ${results.machine.cpu} (${results.machine.cores} cores shared with other work, load ${results.machine.load}),
${results.machine.memGiB} GiB, ${results.machine.os}, Node ${results.machine.node}; wasm release build with SIMD128, ${results.machine.rustc ?? ''}.
Vectors are 384-d; upsert vectors are quantised to 2 decimals so that 1,000 of them fit Pinecone's 2 MB request limit
(1,000 full-precision 384-d vectors are ~7 MB of JSON and are refused, as by Pinecone).
All times are milliseconds measured in the page with \`performance.now()\`; "acknowledged" = the upsert promise resolved,
i.e. the IndexedDB transaction fired \`complete\`. Raw figures: \`bench-results/idb.json\`.

## Targets

| target | measured | |
|---|---|---|
| 1,000-record upsert acknowledged, median <= 50 ms | ${f(L['indexeddb relaxed'][1000].median)} ms (relaxed), ${f(L['indexeddb strict'][1000].median)} ms (strict) | ${target(L['indexeddb relaxed'][1000].median <= 50)} |
| cold open to first query result, ${results.coldOpen.records.toLocaleString('en')} x 384, <= 1.5 s | ${f(results.coldOpen.compactedOpen.median, 0)} ms median (compacted), ${f(results.coldOpen.firstOpenMs, 0)} ms (first open, ${results.coldOpen.firstOpenSegments} segments) | ${target(results.coldOpen.compactedOpen.median <= 1500)} |
| open and query any of ${results.tenants.tenants.toLocaleString('en')} tenants, median <= 20 ms | ${f(results.tenants.openAndQuery.median)} ms (p95 ${f(results.tenants.openAndQuery.p95)}) | ${target(results.tenants.openAndQuery.median <= 20)} |

## Upsert latency (acknowledged), ms

| records | IndexedDB relaxed median / p95 | IndexedDB strict median / p95 | memory (no storage) median |
|---|---|---|---|
${[1, 100, 1000].map((n) => `| ${n} | ${f(L['indexeddb relaxed'][n].median)} / ${f(L['indexeddb relaxed'][n].p95)} | ${f(L['indexeddb strict'][n].median)} / ${f(L['indexeddb strict'][n].p95)} | ${f(L.memory[n].median)} |`).join('\n')}

## 100 concurrent upserts (Promise.all, 10 namespaces)

| records per upsert | 100 upserts, median ms | upserts/s | records/s | IndexedDB transactions per 100 |
|---|---|---|---|---|
${[1, 10].map((n) => { const c = results.concurrent[n]; return `| ${n} | ${f(c.medianMsFor100)} | ${f(c.upsertsPerSec, 0)} | ${f(c.recordsPerSec, 0)} | ${f(c.transactionsPer100)} |`; }).join('\n')}

## One large namespace (${results.coldOpen.records.toLocaleString('en')} x 384, exact index)

| figure | value |
|---|---|
| build (1,000-record upserts, sequential) | ${f(results.coldOpen.buildMs / 1000, 1)} s |
| 10 more records: bytes written | ${results.coldOpen.tenRecordBytes.toLocaleString('en')} B (${f(results.coldOpen.tenRecordMs)} ms) |
| first cold open to first result (${results.coldOpen.firstOpenSegments} segments as written) | ${f(results.coldOpen.firstOpenMs, 0)} ms |
| background compaction after it | ${f(results.coldOpen.compactionMs, 0)} ms, ${results.coldOpen.segmentsAfterCompaction} segments after |
| cold open to first result, compacted (page reloaded each time) | median ${f(results.coldOpen.compactedOpen.median, 0)}, min ${f(results.coldOpen.compactedOpen.min, 0)}, max ${f(results.coldOpen.compactedOpen.max, 0)} (n=${results.coldOpen.compactedOpen.n}) |
| deleteAll of the namespace | ${f(results.coldOpen.deleteAllMs)} ms |
| results correct | ${results.coldOpen.correct} |

## ${results.tenants.tenants.toLocaleString('en')} tenants of 100 records

| figure | value |
|---|---|
| build (100 concurrent upserts of 100 records at a time) | ${f(results.tenants.buildMs / 1000, 1)} s |
| open the database (catalog of ${results.tenants.tenants.toLocaleString('en')} manifests) + describeIndexStats | ${f(results.tenants.catalogOpenMs)} ms |
| open (lazy load) and query a random tenant, n=${results.tenants.openAndQuery.n} | median ${f(results.tenants.openAndQuery.median)}, p95 ${f(results.tenants.openAndQuery.p95)}, max ${f(results.tenants.openAndQuery.max)} |
| top hit correct | ${results.tenants.correct}/300 |

## ${results.many.namespaces.toLocaleString('en')} namespaces in one index (1 record each)

| figure | value |
|---|---|
| create (1,000 concurrent upserts at a time) | ${f(results.many.createMs / 1000, 1)} s |
| open the database + first listNamespaces page | ${f(results.many.openAndFirstPageMs, 0)} ms |
| listNamespaces, later pages of 100 (${results.many.listed.toLocaleString('en')} listed) | median ${f(results.many.listPage.median)}, p95 ${f(results.many.listPage.p95)} ms |
| open and query a random namespace | median ${f(results.many.openAndQuery.median)}, p95 ${f(results.many.openAndQuery.p95)} ms |
| deleteIndex (all namespaces) | ${f(results.many.deleteIndexMs, 0)} ms |
`;
await mkdir('bench-results', { recursive: true });
await writeFile('bench-results/idb.json', JSON.stringify(results, null, 2));
await writeFile('docs/bench-idb.md', md);
console.log(md);
