// Exact-search benchmark (`make bench`): the same flat index and queries in
// three builds, side by side in one run — wasm with SIMD128, wasm without it
// (scalar), and a native build — on wordnet-minilm (100k x 384, cosine) when
// ../shared is present, else generated data. Writes bench-results/exact.json
// and prints a markdown table.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadDataset, percentile } from './data.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench-results');
mkdirSync(out, { recursive: true });
const SIZES = (process.env.BENCH_SIZES || '10000,100000').split(',').map(Number);
const TOPK = 10;
const NQ = Number(process.env.BENCH_QUERIES || 200);

const data = loadDataset({ n: Math.max(...SIZES), queries: NQ });
const { dim } = data;
writeFileSync(join(out, 'base.f32'), Buffer.from(data.base.buffer, data.base.byteOffset, data.base.byteLength));
writeFileSync(join(out, 'queries.f32'), Buffer.from(data.queries.buffer, data.queries.byteOffset, data.queries.byteLength));

if (!existsSync(join(root, 'target/pkg-scalar/node.js'))) {
  execFileSync(join(root, 'scripts/build-pkg.sh'), ['--scalar'], { stdio: 'inherit' });
}
execFileSync('cargo', ['build', '--release', '--example', 'bench_exact'], { cwd: root, stdio: 'inherit' });

async function runWasm(label, entry, n) {
  const mod = await import(pathToFileURL(entry).href + `?${label}`);
  const info = await mod.buildInfo();
  const pc = new mod.Pinecone();
  await pc.createIndex({ name: 'bench', dimension: dim, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1' } }, conifer: { indexType: 'flat' } });
  const idx = pc.index('bench');
  const t0 = performance.now();
  for (let s = 0; s < n; s += 1000) {
    const recs = [];
    for (let i = s; i < Math.min(n, s + 1000); i++) recs.push({ id: `r${i}`, values: data.base.subarray(i * dim, (i + 1) * dim) });
    await idx.upsert(recs);
  }
  const ingest = performance.now() - t0;
  const lat = [];
  for (let q = 0; q < data.nQueries; q++) {
    const vector = Array.from(data.queries.subarray(q * dim, (q + 1) * dim));
    const t = performance.now();
    const r = await idx.query({ topK: TOPK, vector });
    lat.push(performance.now() - t);
    if (r.matches.length !== TOPK) throw new Error('short result');
  }
  await pc.deleteIndex('bench');
  return { runtime: label, simd128: info.simd128, n, ingest_ms: ingest, latencies_ms: lat };
}

function runNative(n) {
  const bin = join(root, 'target/release/examples/bench_exact');
  const r = spawnSync(bin, [join(out, 'base.f32'), join(out, 'queries.f32'), String(dim), String(n), String(TOPK)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return { ...JSON.parse(r.stdout), simd128: false };
}

const results = [];
for (const n of SIZES) {
  results.push(await runWasm('wasm-simd128', join(root, 'pkg/node.js'), n));
  results.push(await runWasm('wasm-scalar', join(root, 'target/pkg-scalar/node.js'), n));
  results.push(runNative(n));
}
const rows = results.map((r) => ({
  runtime: r.runtime, n: r.n, p50_ms: percentile(r.latencies_ms, 50), p99_ms: percentile(r.latencies_ms, 99),
  mean_ms: r.latencies_ms.reduce((a, b) => a + b, 0) / r.latencies_ms.length, ingest_ms: r.ingest_ms,
}));
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version };
writeFileSync(join(out, 'exact.json'), JSON.stringify({ dataset: data.name, dim, topK: TOPK, queries: data.nQueries, machine, rows }, null, 2));
console.log(`\nExact search, ${data.name} (${dim}-d, cosine), top-${TOPK}, ${data.nQueries} queries; ${machine.cpu}, ${machine.cpus} cores, Node ${machine.node}\n`);
console.log('| n | runtime | p50 ms | p99 ms | mean ms | ratio to native (mean) | ingest s |');
console.log('|---|---|---|---|---|---|---|');
for (const n of SIZES) {
  const nat = rows.find((r) => r.n === n && r.runtime === 'native');
  for (const r of rows.filter((x) => x.n === n)) {
    console.log(`| ${n} | ${r.runtime} | ${r.p50_ms.toFixed(2)} | ${r.p99_ms.toFixed(2)} | ${r.mean_ms.toFixed(2)} | ${(r.mean_ms / nat.mean_ms).toFixed(2)}x | ${(r.ingest_ms / 1000).toFixed(2)} |`);
  }
}
