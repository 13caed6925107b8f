// conifer-db where users use it: from the `npm pack` tarball of pkg/ (not
// the source tree), installed into fresh projects, in each runtime the
// package claims: a Vite app (production build and dev server), a page with a
// plain <script type="module"> and no bundler, a Node ESM script, and a worker
// on workerd (miniflare), bundled as wrangler bundles it. Each runs
// fixtures/probe.js against `import * as conifer from "conifer-db"`.
//
// The tarball is installed offline (it has no dependencies). The tools (vite,
// esbuild, miniflare, playwright-core) come from the repository's
// node_modules, installed once by scripts/setup.sh.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer } from '../../www/serve.mjs';
import { launchBrowser, repoRoot } from '../demo/chromium.mjs';

const run = promisify(execFile);
const pkgDir = path.resolve(process.env.CONIFER_PKG_DIR || path.join(repoRoot, 'pkg')); // CONIFER_PKG_DIR: check another build
const fixtures = path.join(repoRoot, 'tests', 'packaging', 'fixtures');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'conifer-packaging-'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let tarball;
let packed;
let browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(pkgDir, 'package.json')), 'pkg/ is not built: run make pkg');
  const out = execFileSync(npm, ['pack', pkgDir, '--json', '--pack-destination', work], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  [packed] = JSON.parse(out);
  tarball = path.join(work, packed.filename);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

/** A fresh project (package.json + files) with the tarball installed offline. */
async function project(name, files = {}) {
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }, null, 2));
  fs.copyFileSync(path.join(fixtures, 'probe.js'), path.join(dir, 'probe.js'));
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  await run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir });
  const installed = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'conifer-db', 'package.json'), 'utf8'));
  assert.equal(installed.name, 'conifer-db');
  return dir;
}

/** What every runtime must report (see fixtures/probe.js). */
function checkProbe(r, where) {
  const w = r.walkthrough;
  assert.equal(w.namespace, 'tenant2', `${where}: query answered from tenant2`);
  assert.equal(w.matches.length, 3, `${where}: topK 3`);
  const values = { E: 0.5, F: 0.6, G: 0.7, H: 0.8 };
  for (const m of w.matches) {
    assert.ok(m.id in values, `${where}: ${m.id} is one of tenant2's records (tenant1 never leaks in)`);
    assert.ok(Math.abs(m.score - 1) < 1e-6, `${where}: parallel vectors have cosine 1 (got ${m.score})`);
    assert.deepEqual(m.values, Array(8).fill(values[m.id]), `${where}: includeValues returns what was stored`);
  }
  assert.equal(new Set(w.matches.map((m) => m.id)).size, 3);
  assert.deepEqual(
    r.stats,
    { namespaces: { tenant1: { recordCount: 4 }, tenant2: { recordCount: 4 } }, dimension: 8, indexFullness: 0, totalRecordCount: 8 },
    `${where}: describeIndexStats`,
  );
  assert.deepEqual(
    r.ranked.matches.map((m) => [m.id, m.score, m.metadata ?? null]),
    [['near', 0.0625, { kind: 'near' }], ['mid', 0.8125, null], ['far', 5.0625, null]],
    `${where}: euclidean scores are squared distances, ascending`,
  );
  assert.deepEqual(
    { ...r.error, name: undefined },
    { name: undefined, message: 'Vector dimension 3 does not match the dimension of the index 8', isError: true, isBadRequest: true },
    `${where}: typed error (instanceof PineconeBadRequestError) with Pinecone's message`,
  );
  if (r.build) assert.equal(r.build.simd128, true, `${where}: the SIMD128 build`);
}

/** `err.name` is the TS client's class name (code matches on it). */
function checkErrorName(r, where) {
  assert.equal(r.error.name, 'PineconeBadRequestError', `${where}: error name`);
}

const pageHtml = (body) => `<!doctype html><meta charset="utf-8"><title>probe</title>${body}`;
const probeModule = (specifier) => `
  import * as conifer from ${JSON.stringify(specifier)};
  import { probe } from './probe.js';
  probe(conifer).then((r) => { window.__result = r; }, (e) => { window.__result = { failed: String(e && e.stack || e) }; });
`;

/** Opens `url` in headless Chromium (fresh storage) and returns what the probe left in window.__result. */
async function probePage(url, label) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const failedRequests = [];
    page.on('response', (r) => r.status() >= 400 && failedRequests.push(`${r.status()} ${r.url()}`));
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30_000 }).catch(() => {
      assert.fail(`${label}: the probe did not finish; page errors: ${errors.join(' | ') || 'none'}; failed requests: ${failedRequests.join(', ') || 'none'}`);
    });
    const r = await page.evaluate(() => window.__result);
    assert.equal(r.failed, undefined, `${label}: ${r.failed}`);
    return r;
  } finally {
    await context.close();
  }
}

test('the tarball holds the entry points of every condition and nothing else', async (t) => {
  const files = packed.files.map((f) => f.path).sort();
  const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  const targets = new Set([manifest.main, manifest.module, manifest.types]);
  const walk = (v) => (typeof v === 'string' ? targets.add(v) : Object.values(v).forEach(walk));
  walk(manifest.exports);
  for (const t of targets) assert.ok(files.includes(t.replace(/^\.\//, '')), `${t} (named in package.json) is in the tarball`);
  const belongs = /^(package\.json|README\.md|[\w-]+\.js|[\w-]+\.d\.ts|wasm\/conifer(\.js|\.d\.ts|_bg\.wasm|_bg\.wasm\.d\.ts))$/;
  for (const f of files) if (f !== 'README.build.md') assert.match(f, belongs, `${f} belongs in the package`);
  await t.test('no build notes shipped', () => assert.ok(!files.includes('README.build.md'), 'README.build.md is in the tarball'));
  const wasm = packed.files.find((f) => f.path === 'wasm/conifer_bg.wasm');
  assert.ok(wasm.size > 100_000 && wasm.size < 4_000_000, `wasm is ${wasm.size} bytes`);
  assert.equal(packed.name, 'conifer-db');
});

test('Node ESM script: import { Pinecone } from "conifer-db"', async () => {
  const dir = await project('node-script', {
    'main.js': `import * as conifer from 'conifer-db';\nimport { probe } from './probe.js';\nconsole.log(JSON.stringify(await probe(conifer)));\n`,
  });
  const { stdout } = await run(process.execPath, ['main.js'], { cwd: dir });
  checkProbe(JSON.parse(stdout), 'node');
  checkErrorName(JSON.parse(stdout), 'node');
  const resolved = (await run(process.execPath, ['-e', "console.log(import.meta.resolve('conifer-db'))", '--input-type=module'], { cwd: dir })).stdout.trim();
  assert.match(resolved, /node_modules\/conifer-db\/node\.js$/, 'Node resolves the node entry point');
});

test('plain <script type="module"> page with no bundler (import map to node_modules)', async () => {
  const dir = await project('plain-page', {
    'index.html': pageHtml(`
      <script type="importmap">{ "imports": { "conifer-db": "/node_modules/conifer-db/index.js" } }</script>
      <script type="module">${probeModule('conifer-db')}</script>`),
  });
  const srv = await startServer({ port: 0, roots: [['/', dir]] });
  try {
    const result = await probePage(srv.url, 'plain page');
    checkProbe(result, 'plain page');
    checkErrorName(result, 'plain page');
  } finally {
    await srv.close();
  }
});

test('Vite app: production build served statically', async (t) => {
  const { build } = await import('vite');
  const dir = await project('vite-app', {
    'index.html': pageHtml(`<script type="module" src="/main.js"></script>`),
    'main.js': probeModule('conifer-db'),
  });
  await build({ root: dir, configFile: false, logLevel: 'error', build: { outDir: 'dist', emptyOutDir: true } });
  const assets = fs.readdirSync(path.join(dir, 'dist', 'assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), `Vite emitted the wasm as an asset: ${assets.join(', ')}`);
  const srv = await startServer({ port: 0, roots: [['/', path.join(dir, 'dist')]] });
  try {
    const result = await probePage(srv.url, 'vite build');
    checkProbe(result, 'vite build');
    await t.test('error names survive minification', () => checkErrorName(result, 'vite build'));
  } finally {
    await srv.close();
  }
});

/** Runs the probe on a Vite dev server over a fresh project; `optimizeDeps` as a user would set it. */
async function viteDev(name, optimizeDeps) {
  const { createServer } = await import('vite');
  const dir = await project(name, {
    'index.html': pageHtml(`<script type="module" src="/main.js"></script>`),
    'main.js': probeModule('conifer-db'),
  });
  const server = await createServer({
    root: dir,
    configFile: false,
    logLevel: 'error',
    optimizeDeps,
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  try {
    const result = await probePage(server.resolvedUrls.local[0], name);
    checkProbe(result, name);
    checkErrorName(result, name);
  } finally {
    await server.close();
  }
}

// With Vite's default settings the dev server pre-bundles conifer-db into
// node_modules/.vite/deps/, index.js then asks for the wasm next to that
// bundle and gets index.html ("expected magic word 00 61 73 6d, found
// 3c 21 64 6f"), as with every package that loads wasm by
// new URL(..., import.meta.url). Excluding it from pre-bundling is the fix
// a user applies, and the package README must say so.
test('Vite app: dev server with optimizeDeps.exclude: ["conifer-db"]', async (t) => {
  await viteDev('vite-dev', { exclude: ['conifer-db'] });
  const readme = fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8');
  await t.test('the package README tells Vite users to exclude it from pre-bundling', () =>
    assert.match(readme, /optimizeDeps[\s\S]{0,80}exclude[\s\S]{0,40}conifer-db/),
  );
});

test('worker on workerd (miniflare), bundled with the conditions and wasm rule wrangler uses', async () => {
  const esbuild = await import('esbuild');
  const { Miniflare } = await import('miniflare');
  const dir = await project('worker', {
    'worker.js': `import * as conifer from 'conifer-db';\nimport { probe } from './probe.js';\nexport default { async fetch() { return Response.json(await probe(conifer)); } };\n`,
  });
  const out = path.join(dir, 'dist');
  const wasmFiles = [];
  await esbuild.build({
    entryPoints: [path.join(dir, 'worker.js')],
    outfile: path.join(out, 'worker.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    logLevel: 'error',
    plugins: [
      {
        // wrangler's default rule: `*.wasm` imports become CompiledWasm modules beside the bundle.
        name: 'compiled-wasm',
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (args) => {
            const file = path.resolve(args.resolveDir, args.path);
            const name = `${wasmFiles.length}-${path.basename(file)}`;
            wasmFiles.push([file, name]);
            return { path: `./${name}`, external: true };
          });
        },
      },
    ],
  });
  assert.equal(wasmFiles.length, 1, 'the workerd entry imports exactly one .wasm');
  assert.match(wasmFiles[0][0], /node_modules\/conifer-db\/wasm\/conifer_bg\.wasm$/);
  for (const [file, name] of wasmFiles) fs.copyFileSync(file, path.join(out, name));
  const mf = new Miniflare({
    modulesRoot: out,
    modules: [
      { type: 'ESModule', path: path.join(out, 'worker.js') },
      ...wasmFiles.map(([, name]) => ({ type: 'CompiledWasm', path: path.join(out, name) })),
    ],
    compatibilityDate: '2025-09-01',
  });
  try {
    const res = await mf.dispatchFetch('http://localhost/');
    const text = await res.text();
    assert.equal(res.status, 200, `worker answered ${res.status}: ${text.slice(0, 500)}`);
    checkProbe(JSON.parse(text), 'workerd');
    checkErrorName(JSON.parse(text), 'workerd');
  } finally {
    await mf.dispose();
  }
});
