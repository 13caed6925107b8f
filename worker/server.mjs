// Builds the worker and runs it on the real workerd through miniflare.
// Used by dev.mjs (`make worker`), the tests and the load test.
//
//   const w = await startWorker({ port: 8787, persistDir: '.cache/worker-state', env: {...} });
//   ... w.url (a URL), await w.stop()

import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..');
const wasmPath = path.join(repoRoot, 'pkg', 'wasm', 'conifer_bg.wasm');

/** Compatibility date the worker is written against. */
export const COMPATIBILITY_DATE = '2025-09-01';

/** Settings the worker reads from its environment (vars and secrets). */
export const ENV_NAMES = [
  'CONIFER_ADMIN_KEY',
  'CONIFER_API_KEYS',
  'CONIFER_JWT_ALG',
  'CONIFER_JWT_SECRET',
  'CONIFER_JWT_PUBLIC_KEY',
  'CONIFER_JWT_ISSUER',
  'CONIFER_JWT_AUDIENCE',
  'CONIFER_JWT_TENANT_CLAIM',
  'CONIFER_JWT_CLOCK_TOLERANCE',
  'CONIFER_PROJECT_NAME',
  'CONIFER_MAX_NAMESPACE_BYTES',
  'CONIFER_PUBLIC_URL',
  'CONIFER_METRICS_FLUSH_MS',
  'CONIFER_MAX_COLLECTION_BYTES',
];

/**
 * Bundles worker/src (with jose) into one ES module next to a copy of the
 * engine's .wasm, which the bundle imports as a module.
 */
export async function buildWorker(outDir = path.join(repoRoot, '.cache', 'worker-build')) {
  if (!fs.existsSync(wasmPath)) {
    throw new Error(`${path.relative(process.cwd(), wasmPath)} is missing: build the package first (make pkg)`);
  }
  fs.mkdirSync(outDir, { recursive: true });
  fs.copyFileSync(wasmPath, path.join(outDir, 'conifer_bg.wasm'));
  await build({
    entryPoints: [path.join(here, 'src', 'index.js')],
    outfile: path.join(outDir, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*'],
    logLevel: 'warning',
    plugins: [
      {
        name: 'wasm-module',
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, () => ({ path: './conifer_bg.wasm', external: true }));
        },
      },
    ],
  });
  return outDir;
}

/** Starts the worker; resolves to `{url, mf, stop}`. */
export async function startWorker({ port = 8787, host = '127.0.0.1', persistDir = null, env = {}, log = false } = {}) {
  const dir = await buildWorker();
  const bindings = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== null) bindings[k] = String(v);
  const mf = new Miniflare({
    modulesRoot: dir,
    modules: [
      { type: 'ESModule', path: path.join(dir, 'worker.js') },
      { type: 'CompiledWasm', path: path.join(dir, 'conifer_bg.wasm') },
    ],
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: {
      CATALOG: { className: 'Catalog', useSQLite: true },
      NAMESPACE: { className: 'NamespaceStore', useSQLite: true },
    },
    durableObjectsPersist: persistDir ? path.resolve(persistDir) : false,
    bindings,
    host,
    port,
    verbose: !!log,
  });
  const url = await mf.ready;
  return { url, mf, stop: () => mf.dispose() };
}
