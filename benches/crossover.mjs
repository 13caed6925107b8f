// Where should a namespace switch from the exact scan to the HNSW graph?
// Measures query latency of both in wasm (SIMD128) at growing sizes, side by
// side in one run, on wordnet-minilm (or generated data). `make bench-crossover`.
import { loadDataset, percentile } from './data.mjs';
import { Pinecone, buildInfo } from '../pkg/node.js';

const SIZES = (process.env.SIZES || '1000,2000,5000,10000,20000').split(',').map(Number);
const NQ = Number(process.env.QUERIES || 200);
const data = loadDataset({ n: Math.max(...SIZES), queries: NQ });
const { dim } = data;
console.log(`crossover: ${data.name}, ${dim}-d, top-10, ${NQ} queries, wasm simd128=${(await buildInfo()).simd128}`);
console.log('| n | flat p50 ms | hnsw p50 ms (ef 100) | graph build s | flat/hnsw |');
console.log('|---|---|---|---|---|');
for (const n of SIZES) {
  const row = {};
  for (const indexType of ['flat', 'hnsw']) {
    const pc = new Pinecone();
    await pc.createIndex({ name: 'x', dimension: dim, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1' } }, conifer: { indexType } });
    const idx = pc.index('x');
    const t0 = performance.now();
    for (let s = 0; s < n; s += 1000) {
      const recs = [];
      for (let i = s; i < Math.min(n, s + 1000); i++) recs.push({ id: `r${i}`, values: data.base.subarray(i * dim, (i + 1) * dim) });
      await idx.upsert(recs);
    }
    row[indexType + 'Build'] = (performance.now() - t0) / 1000;
    const lat = [];
    for (let q = 0; q < data.nQueries; q++) {
      const vector = Array.from(data.queries.subarray(q * dim, (q + 1) * dim));
      const t = performance.now();
      await idx.query({ topK: 10, vector });
      lat.push(performance.now() - t);
    }
    row[indexType] = percentile(lat, 50);
  }
  console.log(`| ${n} | ${row.flat.toFixed(3)} | ${row.hnsw.toFixed(3)} | ${row.hnswBuild.toFixed(1)} | ${(row.flat / row.hnsw).toFixed(2)} |`);
}
