// One library on one dataset in a Node process of its own (so that memory
// figures and failures belong to that library alone). Run by run.mjs:
//   node --expose-gc node-worker.mjs <lib-id> <dataset-dir> <out.json> <opts-json>
//   node node-worker.mjs --probe <lib-id> <out.json>     (capability probes)
import { readFileSync, writeFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { writeFile, readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { byId } from './lib/adapters.mjs';
import { runLibrary } from './lib/core.mjs';
import { loadPrepared } from './lib/data.mjs';
import { fileAdapter } from './lib/file-adapter.mjs';
import { probe } from './lib/capabilities.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const probing = process.argv[2] === '--probe';
const efcheck = process.argv[2] === '--efcheck';
const [libId, dataDir, outPath, optsJson] = probing ? [process.argv[3], null, process.argv[4], '{}'] : efcheck ? process.argv.slice(3) : process.argv.slice(2);
const opts = JSON.parse(optsJson);
const adapter = byId[libId];
if (!adapter) throw new Error(`unknown library ${libId}`);

const tmpDir = join(root, 'bench-results', 'peers-tmp', libId);
rmSync(tmpDir, { recursive: true, force: true });
mkdirSync(tmpDir, { recursive: true });

const loaders = {
  conifer: () => import(pathToFileURL(join(root, 'pkg', 'node.js')).href),
  'hnswlib-node': () => import('hnswlib-node'),
  'hnswlib-wasm': () => {
    // hnswlib-wasm is built with ENVIRONMENT=web and throws "not compiled for
    // this environment" unless a `window` exists; the wasm itself is inlined.
    globalThis.window ??= globalThis;
    return import('hnswlib-wasm/dist/hnswlib.js');
  },
  edgevec: () => import('edgevec'),
  voy: async () => {
    // voy-search is wasm-bindgen's "bundler" output (import * from "./x.wasm"):
    // instantiate it by hand, as a bundler would.
    const bg = await import('voy-search/voy_search_bg.js');
    const mod = await WebAssembly.compile(readFileSync(join(here, 'node_modules/voy-search/voy_search_bg.wasm')));
    const imports = {};
    for (const imp of WebAssembly.Module.imports(mod)) (imports[imp.module] ??= {})[imp.name] = bg[imp.name];
    bg.__wbg_set_wasm((await WebAssembly.instantiate(mod, imports)).exports);
    return bg;
  },
  orama: () => import('@orama/orama'),
  'orama-persistence': () => import('@orama/plugin-data-persistence'),
  vectra: () => import('vectra'),
  'client-vector-search': () => import('client-vector-search'),
  pglite: () => import('@electric-sql/pglite'),
  'pglite-vector': () => import('@electric-sql/pglite/vector'),
};

const kinds = new Map();
const ctx = {
  runtime: 'node',
  metric: null,
  m: opts.m,
  efC: opts.efC,
  tmpDir,
  load: (name) => loaders[name](),
  wasm: (name) => readFileSync(join(here, 'node_modules', { edgevec: 'edgevec/edgevec_bg.wasm' }[name])),
  fileSize: (p) => statSync(p).size,
  store: {
    async put(key, v) {
      kinds.set(key, typeof v === 'string');
      await writeFile(join(tmpDir, key), v);
    },
    async get(key) {
      const b = await readFile(join(tmpDir, key));
      return kinds.get(key) ? b.toString('utf8') : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
  },
  coniferStorageLabel: 'file-backed storage adapter (append-only log, replayed on open; no fsync)',
  coniferStorage: ({ reopen = false } = {}) => fileAdapter(join(tmpDir, 'conifer.log'), { fresh: !reopen }),
};

function memory() {
  if (global.gc) {
    global.gc();
    global.gc();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

// keep what the library printed last (wasm panics arrive through console.error)
const printed = [];
const origError = console.error;
console.error = (...a) => {
  printed.push(a.map(String).join(' ').slice(0, 400));
  if (printed.length > 5) printed.shift();
  origError(...a);
};

// The efSearch sweep of the libraries whose efSearch is fixed at build time
// (Conifer, EdgeVec) asks topK = max(10, ef) of an index built with efSearch 10
// and keeps the first 10. Check on a subset that this gives the same top-10 as
// an index built with efSearch = ef (both engines search with max(efSearch, topK)).
if (efcheck) {
  const data = loadPrepared(dataDir);
  ctx.metric = data.metric;
  const n = Math.min(opts.n, data.nBase);
  const nq = Math.min(opts.queries, data.nQueries);
  const q = (i) => data.queries.subarray(i * data.dim, (i + 1) * data.dim);
  const a = adapter.make({ ...ctx, buildEf: 10 });
  await a.build({ base: data.base, n, dim: data.dim });
  const out = { id: libId, n, queries: nq, checks: [] };
  for (const ef of opts.efs) {
    const b = adapter.make({ ...ctx, buildEf: ef });
    await b.build({ base: data.base, n, dim: data.dim });
    b.setEf(10);
    a.setEf(ef);
    let same = 0;
    for (let i = 0; i < nq; i++) if (JSON.stringify(await a.query(q(i), 10)) === JSON.stringify(await b.query(q(i), 10))) same++;
    out.checks.push({ ef, identical: same, of: nq });
    await b.free();
  }
  await a.free();
  writeFileSync(outPath, JSON.stringify(out));
  process.exit(0);
}

if (probing) {
  writeFileSync(outPath, JSON.stringify(await probe(libId, ctx)));
  rmSync(tmpDir, { recursive: true, force: true });
  process.exit(0);
}

const data = loadPrepared(dataDir);
ctx.metric = data.metric;
const res = await runLibrary(adapter, data, ctx, opts, {
  now: () => performance.now(),
  stage: (s) => process.stderr.write(`STAGE ${s}\n`),
  checkpoint: async () => memory(),
  partial: async (r) => writeFileSync(outPath, JSON.stringify({ ...r, partial: true })),
});
if (res.status === 'error') {
  const panic = printed.find((l) => /panicked at/.test(l));
  if (panic) res.panic = panic.split('\n')[0];
}
if (libId === 'conifer-flat+storage' || libId === 'conifer-hnsw+storage') {
  try {
    res.storage_bytes = statSync(join(tmpDir, 'conifer.log')).size;
  } catch {
    /* not written */
  }
}
writeFileSync(outPath, JSON.stringify(res));
rmSync(tmpDir, { recursive: true, force: true });
process.exit(0);
