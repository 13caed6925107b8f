// One library of the HNSW benchmark in a Node process of its own, so that its
// memory deltas are its own and a crash (a wasm trap) ends only this run.
// Started by benches/hnsw.mjs:
//   node --expose-gc benches/hnsw-worker.mjs <job> <config.json> <out.json>
// jobs: conifer-wasm | hnswlib-node | hora-wasm   (build, efSearch sweep)
//       hora-metric:<name>                          (does hora's metric work?)
//       hora-k-cost:<ef>                            (cost of hora's k = ef sweep)
// Writes one JSON object to <out.json>; progress lines go to stderr.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const [job, configPath, outPath] = process.argv.slice(2);
const cfg = JSON.parse(readFileSync(configPath, 'utf8'));
const DIM = 384;
const K = 10;
const SPEC = { serverless: { cloud: 'aws', region: 'us-east-1' } };
const log = (s) => process.stderr.write(`[${job}] ${s}\n`);

// ------------------------------------------------------------------ data
const HALF = (() => {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    t[h] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return t;
})();
function readF16(path, rows) {
  const b = readFileSync(path);
  const u16 = new Uint16Array(b.buffer, b.byteOffset, rows * DIM);
  const out = new Float32Array(rows * DIM);
  for (let i = 0; i < out.length; i++) out[i] = HALF[u16[i]];
  return out;
}
function readGt(path, queries) {
  const b = readFileSync(path);
  const all = new Int32Array(b.buffer, b.byteOffset, queries * K);
  return Array.from({ length: queries }, (_, i) => all.subarray(i * K, (i + 1) * K));
}
const row = (m, i) => m.subarray(i * DIM, (i + 1) * DIM);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function memory() {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

// ------------------------------------------------------------------ libraries
// Each: { build(base, n), setEf(ef), query(q) -> ids (Array-like, up to 10), info }
async function coniferWasm() {
  const mod = await import(pathToFileURL(join(root, 'pkg', 'node.js')).href);
  const info = { buildInfo: await mod.buildInfo() };
  let idx;
  let ef = 10;
  let perQuery = false;
  return {
    info,
    async build(base, n) {
      const pc = new mod.Pinecone({ storage: 'memory' });
      // efSearch 10 in the index: the topK = max(10, ef) fallback needs it (the engine searches with max(efSearch, topK)).
      await pc.createIndex({ name: 'bench', dimension: DIM, metric: 'cosine', spec: SPEC, conifer: { indexType: 'hnsw', m: cfg.m, efConstruction: cfg.efC, efSearch: 10 } });
      idx = pc.index('bench');
      for (let s = 0; s < n; s += 1000) {
        const records = [];
        for (let i = s; i < Math.min(n, s + 1000); i++) records.push({ id: String(i), values: row(base, i) });
        await idx.upsert(records);
      }
    },
    // Does the package honour a per-query `efSearch`? With efSearch = e it must return
    // exactly what topK = e gives as its first 10 (both search with the same candidate list).
    async probeEf(queries) {
      const checks = [];
      for (const e of [16, 64, 256]) {
        let same = 0;
        let error = null;
        const nq = Math.min(50, queries.length / DIM);
        for (let i = 0; i < nq && !error; i++) {
          try {
            const a = await idx.query({ topK: K, vector: row(queries, i), efSearch: e });
            const b = await idx.query({ topK: e, vector: row(queries, i) });
            if (a.matches.map((m) => m.id).join() === b.matches.slice(0, K).map((m) => m.id).join()) same++;
          } catch (err) {
            error = String(err?.message ?? err);
          }
        }
        checks.push({ ef: e, identical: same, of: nq, error });
      }
      perQuery = checks.every((c) => !c.error && c.identical === c.of);
      if (cfg.coniferEfMode === 'topk') perQuery = false;
      info.efMode = perQuery ? 'query-option' : 'topk';
      info.efProbe = checks;
    },
    setEf(e) {
      ef = e;
    },
    async query(q) {
      const r = perQuery ? await idx.query({ topK: K, vector: q, efSearch: ef }) : await idx.query({ topK: Math.max(K, ef), vector: q });
      const out = new Array(Math.min(K, r.matches.length));
      for (let i = 0; i < out.length; i++) out[i] = +r.matches[i].id;
      return out;
    },
  };
}

async function hnswlibNode() {
  const require = createRequire(join(root, 'benches', 'peers', 'package.json'));
  const lib = require('hnswlib-node');
  let idx;
  return {
    info: { version: JSON.parse(readFileSync(join(root, 'benches/peers/node_modules/hnswlib-node/package.json'), 'utf8')).version },
    async build(base, n) {
      idx = new lib.HierarchicalNSW('cosine', DIM);
      idx.initIndex(n, cfg.m, cfg.efC, 100);
      // addPoint takes a JS array only: the conversion is part of its build
      for (let i = 0; i < n; i++) idx.addPoint(Array.from(row(base, i)), i);
    },
    setEf(e) {
      idx.setEf(e);
    },
    // queries arrive as JS arrays prepared before timing (its API takes number[] only)
    prepare: (q) => Array.from(q),
    async query(q) {
      return idx.searchKnn(q, K).neighbors;
    },
  };
}

function loadHora() {
  const require = createRequire(import.meta.url);
  const mod = require(join(root, 'target', 'hora-wasm', 'hora_bench.js'));
  mod.installPanicHook();
  return mod;
}

async function horaWasm(metric = cfg.horaMetric, efSearch = 10) {
  const mod = loadHora();
  let idx;
  let ef = 10;
  return {
    info: { simd128: mod.simd128(), metric, efMode: 'topk' },
    timings: {},
    async build(base, n) {
      // hora's efSearch is fixed at construction (no setter): ef_search 10, and the
      // sweep asks k = max(10, ef), keeping the first 10 (see benches/hora/src/lib.rs).
      idx = new mod.HoraHnsw(DIM, cfg.m, cfg.efC, efSearch, n, metric);
      const t0 = performance.now();
      for (let s = 0; s < n; s += 1000) idx.add(base.subarray(s * DIM, Math.min(n, s + 1000) * DIM), s);
      const t1 = performance.now();
      idx.build();
      this.timings = { add_s: (t1 - t0) / 1000, build_call_s: (performance.now() - t1) / 1000 };
    },
    setEf(e) {
      ef = e;
    },
    async query(q, k = Math.max(K, ef)) {
      return idx.search(q, k).subarray(0, K);
    },
    lastPanic: () => mod.lastPanic(),
  };
}

// ------------------------------------------------------------------ the measurement
async function sweep(lib, queries, gt) {
  const nq = queries.length / DIM;
  const qs = Array.from({ length: nq }, (_, i) => (lib.prepare ? lib.prepare(row(queries, i)) : row(queries, i)));
  lib.setEf(cfg.efs[0]);
  for (let i = 0; i < cfg.warmup; i++) await lib.query(qs[i % nq]);
  const points = [];
  for (const ef of cfg.efs) {
    lib.setEf(ef);
    for (let i = 0; i < Math.min(10, nq); i++) await lib.query(qs[i]);
    const lat = new Float64Array(nq);
    const found = new Array(nq);
    const w0 = performance.now();
    for (let i = 0; i < nq; i++) {
      const t = performance.now();
      found[i] = await lib.query(qs[i]);
      lat[i] = performance.now() - t;
    }
    const wallMs = performance.now() - w0;
    let hits = 0;
    for (let i = 0; i < nq; i++) {
      const want = new Set(gt[i]);
      for (const id of found[i]) if (want.has(id)) hits++;
    }
    const sorted = Array.from(lat).sort((a, b) => a - b);
    const p = {
      ef, recall: hits / (nq * K), qps: nq / (wallMs / 1000), p50_ms: percentile(sorted, 50), p99_ms: percentile(sorted, 99),
      mean_ms: sorted.reduce((a, b) => a + b, 0) / nq, queries: nq,
    };
    points.push(p);
    log(`ef ${ef}: recall ${p.recall.toFixed(4)}, ${p.qps.toFixed(0)} q/s, p50 ${p.p50_ms.toFixed(3)} ms`);
    if (p.recall >= cfg.stopRecall) break;
  }
  return points;
}

async function main() {
  const n = cfg.n;
  const nq = cfg.queries;
  if (job.startsWith('hora-metric:')) return horaMetricCheck(job.slice('hora-metric:'.length));
  if (job.startsWith('hora-k-cost:')) return horaKCost(Number(job.slice('hora-k-cost:'.length)));
  const make = { 'conifer-wasm': coniferWasm, 'hnswlib-node': hnswlibNode, 'hora-wasm': () => horaWasm() }[job];
  if (!make) throw new Error(`unknown job ${job}`);
  const base = readF16(join(cfg.dataDir, 'base.f16'), n);
  const queries = readF16(join(cfg.dataDir, 'queries.f16'), nq);
  const gt = readGt(cfg.gtPath, nq);
  const lib = await make();
  const out = { library: job, n, queries: nq, k: K, m: cfg.m, ef_construction: cfg.efC, info: lib.info };
  const before = memory();
  log(`build ${n} x ${DIM}`);
  const t0 = performance.now();
  await lib.build(base, n);
  out.build_s = (performance.now() - t0) / 1000;
  if (lib.timings) out.build_parts = lib.timings;
  const after = memory();
  out.memory = { before, after };
  log(`built in ${out.build_s.toFixed(1)} s`);
  if (lib.probeEf) await lib.probeEf(queries);
  out.sweep = await sweep(lib, queries, gt);
  writeFileSync(outPath, JSON.stringify(out));
}

// hora's metrics, checked by trying: 2,000 base rows, 200 held-out queries, recall@10
// against exact cosine, and whether a stored row queried returns itself first.
async function horaMetricCheck(metric) {
  const n = 2000;
  const nq = 200;
  const base = readF16(join(cfg.dataDir, 'base.f16'), n);
  const queries = readF16(join(cfg.dataDir, 'queries.f16'), nq);
  const out = { metric, n, queries: nq };
  let lib;
  try {
    lib = await horaWasm(metric);
    await lib.build(base, n);
    let selfFirst = 0;
    for (let i = 0; i < nq; i++) if ((await lib.query(row(base, i), K))[0] === i) selfFirst++;
    const norms = Array.from({ length: n }, (_, i) => Math.hypot(...row(base, i)));
    let hits = 0;
    for (let i = 0; i < nq; i++) {
      const q = row(queries, i);
      const sims = norms.map((nr, j) => {
        const r = row(base, j);
        let d = 0;
        for (let x = 0; x < DIM; x++) d += q[x] * r[x];
        return [d / nr, j];
      });
      sims.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      const want = new Set(sims.slice(0, K).map((s) => s[1]));
      lib.setEf(10);
      for (const id of await lib.query(q)) if (want.has(id)) hits++;
    }
    Object.assign(out, { status: 'ok', self_first: selfFirst, self_of: nq, recall: hits / (nq * K) });
  } catch (err) {
    const panic = lib?.lastPanic?.() || loadHora().lastPanic();
    Object.assign(out, { status: 'error', error: String(err?.message ?? err).split('\n')[0], panic: panic.split('\n').slice(0, 2).join(' ') });
  }
  writeFileSync(outPath, JSON.stringify(out));
}

// The cost of the k = max(10, ef) sweep for hora: on an index built with ef_search = E,
// search(q, 10) and search(q, E) walk the same candidate list (hora searches with
// max(ef_search, k)); the difference is only the extra results hora returns (it clones
// each result node).
async function horaKCost(E) {
  const n = Math.min(cfg.n, 10000);
  const base = readF16(join(cfg.dataDir, 'base.f16'), n);
  const queries = readF16(join(cfg.dataDir, 'queries.f16'), cfg.queries);
  const nq = cfg.queries;
  const lib = await horaWasm(cfg.horaMetric, E);
  await lib.build(base, n);
  for (let i = 0; i < 100; i++) await lib.query(row(queries, i % nq), K);
  // each query both ways back to back, the order alternating, so drift and cache
  // effects fall on both sides; 5 passes, the median pass reported
  const small = [];
  const big = [];
  for (let rep = 0; rep < 5; rep++) {
    let a = 0;
    let b = 0;
    for (let i = 0; i < nq; i++) {
      const q = row(queries, i);
      for (const k of (i + rep) % 2 ? [K, E] : [E, K]) {
        const t = performance.now();
        await lib.query(q, k);
        const dt = performance.now() - t;
        if (k === K) a += dt;
        else b += dt;
      }
    }
    small.push(a / nq);
    big.push(b / nq);
  }
  // the pass with the median difference
  const mid = [0, 1, 2, 3, 4].sort((x, y) => big[x] - small[x] - (big[y] - small[y]))[2];
  writeFileSync(outPath, JSON.stringify({ n, ef_search: E, queries: nq, passes: 5, mean_ms_k10: small[mid], mean_ms_kE: big[mid], extra_ms: big[mid] - small[mid], reps: { k10: small, kE: big } }));
}

main().catch((err) => {
  log(`error: ${err?.stack ?? err}`);
  process.exit(1);
});
