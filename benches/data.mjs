// Benchmark data: wordnet-minilm (../shared, 100k x 384 real embeddings) when
// present, otherwise a seeded clustered set of the same shape.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WORDNET = join(root, '..', 'shared', 'data', 'wordnet-minilm');

export function f16ToF32(buf) {
  const u16 = new Uint16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2);
  const out = new Float32Array(u16.length);
  for (let i = 0; i < u16.length; i++) {
    const h = u16[i];
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const f = h & 0x3ff;
    out[i] = e === 0 ? s * f * 2 ** -24 : e === 31 ? (f ? NaN : s * Infinity) : s * (1 + f / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** A seeded uniform [0, 1) generator (SplitMix64). */
export function splitmix(seed) {
  let s = BigInt(seed);
  return () => {
    s = (s + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return Number((z ^ (z >> 31n)) >> 11n) / 2 ** 53;
  };
}

/** `{ name, dim, base: Float32Array, queries: Float32Array, nBase, nQueries, meta? }` */
export function loadDataset({ n = 100_000, queries = 200, dim = 384 } = {}) {
  if (existsSync(join(WORDNET, 'base.f16'))) {
    const base = f16ToF32(readFileSync(join(WORDNET, 'base.f16'))).subarray(0, n * 384);
    const q = f16ToF32(readFileSync(join(WORDNET, 'queries.f16'))).subarray(0, queries * 384);
    return { name: 'wordnet-minilm', dim: 384, base, queries: q, nBase: base.length / 384, nQueries: q.length / 384 };
  }
  const rnd = splitmix(42);
  const centers = Array.from({ length: 64 }, () => Float32Array.from({ length: dim }, () => rnd() * 2 - 1));
  const make = (count) => {
    const out = new Float32Array(count * dim);
    for (let i = 0; i < count; i++) {
      const c = centers[Math.floor(rnd() * centers.length)];
      for (let d = 0; d < dim; d++) out[i * dim + d] = c[d] + (rnd() - 0.5) * 0.6;
    }
    return out;
  };
  return { name: 'generated-clustered', dim, base: make(n), queries: make(queries), nBase: n, nQueries: queries };
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
