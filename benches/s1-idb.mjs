// s1 against p1 in headless Chromium over IndexedDB, through the package's
// public API: what an s1 query costs once its candidates' float32 values
// come back from IndexedDB (one read transaction per query) instead of
// memory. A command, not a test:
//
//   node benches/s1-idb.mjs          (after `make pkg`; S1_N=5000 for a short run)
//
// Writes bench-results/s1-idb.json and docs/bench-s1-idb.md. The same
// records (seeded 384-d vectors rounded to 2 decimals) go into a p1 and an
// s1 pod index (graph forced, M 16, efConstruction 100), and into a flat
// index for the exact answers; the queries then alternate between p1 and
// s1, so both see the same machine load. Reported: load time, p50/p99
// latency per efSearch, and recall@10 of each against the exact answers.

import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { serve, launch, harness } from '../tests/browser/harness.mjs';

const N = Number(process.env.S1_N ?? 20_000);
const QUERIES = Number(process.env.S1_QUERIES ?? 300);
const EFS = [32, 64, 128];

const server = await serve();
const browser = await launch();
const log = (...a) => console.error('[bench-s1-idb]', ...a);
let out;
try {
  const p = await harness(browser.context, server.origin);
  const version = browser.context.browser()?.version?.() ?? 'chromium';
  out = await p.evaluate(async ({ N, QUERIES, EFS }) => {
    const qvec = (seed, dim) => vec(seed, dim).map((x) => Math.round((x + 0.5) * 100) / 100 || 0.01);
    const pc = new C.Pinecone({ name: `bench-s1-${Date.now()}` });
    const res = { load: {} };
    for (const [name, podType] of [['p1', 'p1.x1'], ['s1', 's1.x1'], ['exact', 'p1.x1']]) {
      await pc.createIndex({
        name, dimension: 384, metric: 'cosine',
        spec: { pod: { environment: 'local', podType } },
        conifer: name === 'exact' ? { indexType: 'flat' } : { indexType: 'hnsw', m: 16, efConstruction: 100 },
      });
      const ns = pc.index(name).namespace('t');
      const t0 = performance.now();
      for (let b = 0; b < N; b += 1000) {
        await ns.upsert(Array.from({ length: Math.min(1000, N - b) }, (_, i) => ({ id: `r${b + i}`, values: qvec(b + i + 1, 384) })));
      }
      res.load[name] = performance.now() - t0;
    }
    // Let the graphs be stored (writes paused), then warm up both.
    const db = await pc._engine();
    await new Promise((r) => setTimeout(r, 2000)); // the queued compaction runs after 1 s of quiet
    const q = (i) => qvec(1_000_000 + i, 384);
    const truth = [];
    for (let i = 0; i < QUERIES; i++) {
      truth.push((await pc.index('exact').namespace('t').query({ vector: q(i), topK: 10 })).matches.map((m) => m.id));
    }
    for (let i = 0; i < 50; i++) {
      for (const name of ['p1', 's1']) await pc.index(name).namespace('t').query({ vector: q(i), topK: 10, efSearch: EFS[0] });
    }
    res.sweep = [];
    for (const ef of EFS) {
      const lat = { p1: [], s1: [] };
      const hits = { p1: 0, s1: 0 };
      for (let i = 0; i < QUERIES; i++) {
        const got = {};
        for (const name of ['p1', 's1']) {
          const t0 = performance.now();
          const r = await pc.index(name).namespace('t').query({ vector: q(i), topK: 10, efSearch: ef });
          lat[name].push(performance.now() - t0);
          hits[name] += r.matches.filter((m) => truth[i].includes(m.id)).length;
        }
      }
      const pct = (xs, f) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(f * s.length))]; };
      res.sweep.push({
        ef,
        p1: { p50: pct(lat.p1, 0.5), p99: pct(lat.p1, 0.99) },
        s1: { p50: pct(lat.s1, 0.5), p99: pct(lat.s1, 0.99) },
        p1Recall: hits.p1 / (QUERIES * 10),
        s1Recall: hits.s1 / (QUERIES * 10),
      });
    }
    res.storage = JSON.parse(db.storageStats());
    await pc.close();
    return res;
  }, { N, QUERIES, EFS });
  out.machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, chromium: version, load: os.loadavg().map((x) => x.toFixed(2)).join(' ') };
  out.n = N;
  out.queries = QUERIES;
  out.when = new Date().toISOString();
  log(JSON.stringify(out));
} finally {
  await browser.close();
  await server.close();
}

await mkdir('bench-results', { recursive: true });
await writeFile('bench-results/s1-idb.json', JSON.stringify(out, null, 2));
const f = (x) => x.toFixed(3);
let md = `# s1 against p1 in Chromium over IndexedDB\n\n`;
md += `Written by \`node benches/s1-idb.mjs\` (part of \`make bench-s1\`). ${out.n} seeded 384-d records (2 decimals), cosine, `;
md += `graph M 16, efConstruction 100, ${out.queries} queries per efSearch alternating between the two indexes; `;
md += `headless Chromium ${out.machine.chromium}, ${out.machine.cpu} (${out.machine.cores} cores), load ${out.machine.load}, ${out.when}.\n\n`;
md += `Load (upserts of 1,000, acknowledged): p1 ${(out.load.p1 / 1000).toFixed(1)} s, s1 ${(out.load.s1 / 1000).toFixed(1)} s.\n\n`;
md += `| efSearch | p1 p50 ms | s1 p50 ms | s1/p1 | p1 p99 ms | s1 p99 ms | p1 recall@10 | s1 recall@10 |\n|---|---|---|---|---|---|---|---|\n`;
for (const r of out.sweep) {
  md += `| ${r.ef} | ${f(r.p1.p50)} | ${f(r.s1.p50)} | ${(r.s1.p50 / r.p1.p50).toFixed(1)}× | ${f(r.p1.p99)} | ${f(r.s1.p99)} | ${r.p1Recall.toFixed(4)} | ${r.s1Recall.toFixed(4)} |\n`;
}
md += `\nEach s1 query reads the float32 values of its best 30 candidates by the int8 codes (3 × topK) from IndexedDB in one read-only transaction (\`get_many\`); p1 has them in memory. Uniformly random vectors are a hard case for any graph (recall here is lower than on real embeddings; see \`docs/bench-s1.md\` for wordnet-minilm). The memory side of the trade is in \`docs/bench-s1.md\`.\n`;
await writeFile('docs/bench-s1-idb.md', md);
console.log(JSON.stringify(out));
