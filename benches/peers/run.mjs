// Conifer against its peers, side by side: the same data, the same machine,
// the same run. Writes bench-results/peers.json and renders the peers section
// of docs/benchmarks.md (+ docs/benchmarks-peers.png).
//
//   node benches/peers/run.mjs
//
// Knobs (environment):
//   PEERS_DATASETS   wordnet-minilm,mnist   (wordnet only when ../shared is present)
//   PEERS_N_WORDNET  100000                 base rows of wordnet-minilm
//   PEERS_N_MNIST    9800                   base rows of mnist (10,000 digits minus the queries)
//   PEERS_QUERIES    200                    queries (a subsample of the 1,000 held-out ones)
//   PEERS_RUNTIMES   node,browser
//   PEERS_LIBS       all but client-vector-search-hnsw (comma list of adapter ids)
//   PEERS_BROWSER_LIBS  default: every selected library that runs in browsers
//   PEERS_EFS        10,16,24,32,48,64,96,128,192,256   efSearch sweep of the HNSW libraries
//   PEERS_TIMEOUT    900                    seconds per library and dataset and runtime
//   PEERS_PERSIST_TIMEOUT 240               seconds for one save / reload / reopen stage
//   PEERS_PROBES     1                      capability probes (Node, small data)
//   PEERS_DOCS       1                      render docs/benchmarks.md and the chart
//   PEERS_CONIFER_SNAPSHOT 0                also save/reload Conifer's HNSW index as a collection snapshot
//   PEERS_OUT        bench-results/peers.json
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, statSync, readdirSync, createReadStream } from 'node:fs';
import { cpus, totalmem, loadavg } from 'node:os';
import { join, dirname, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADAPTERS, byId } from './lib/adapters.mjs';
import { prepareDataset, wordnetAvailable } from './lib/data.mjs';
import { measureSizes } from './lib/sizes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const results = join(root, 'bench-results');
const env = process.env;
const t0 = Date.now();
const log = (...a) => console.log(`[peers ${((Date.now() - t0) / 1000).toFixed(0).padStart(5)}s]`, ...a);

// ---------------------------------------------------------------- set-up
function ensureInstalled() {
  const stamp = join(here, 'node_modules', '.stamp');
  const lock = join(here, 'package-lock.json');
  if (!existsSync(stamp) || statSync(lock).mtimeMs > statSync(stamp).mtimeMs) {
    log('installing the peer libraries (npm ci in benches/peers)');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
    writeFileSync(stamp, '');
  }
  if (!existsSync(join(root, 'pkg', 'node.js')) || !existsSync(join(root, 'pkg', 'wasm', 'conifer_bg.wasm'))) {
    log('building pkg/ (scripts/build-pkg.sh)');
    execFileSync(join(root, 'scripts', 'build-pkg.sh'), { cwd: root, stdio: 'inherit' });
  }
}

/** Conifer's HNSW defaults, read from the source (the peers are built with the same M and efConstruction). */
function coniferDefaults() {
  const src = readFileSync(join(root, 'src', 'index', 'hnsw.rs'), 'utf8');
  const m = /HnswParams\s*\{\s*m:\s*(\d+),\s*ef_construction:\s*(\d+),\s*ef_search:\s*(\d+)/.exec(src);
  if (!m) throw new Error('could not read HnswParams::default() from src/index/hnsw.rs');
  return { m: +m[1], efC: +m[2], efSearch: +m[3] };
}

const defaults = coniferDefaults();
const EXCLUDED = {
  'client-vector-search-hnsw':
    'ExperimentalHNSWIndex (pure JS, no M bound: each node links to its efc nearest) took 231 s to build 5,000 x 384 at efc=100 while this harness was written; 100k is out of reach. Run with PEERS_LIBS=client-vector-search-hnsw to measure it.',
};
const cfg = {
  datasets: (env.PEERS_DATASETS || 'wordnet-minilm,mnist').split(',').filter(Boolean),
  n: { 'wordnet-minilm': +(env.PEERS_N_WORDNET || 100000), mnist: +(env.PEERS_N_MNIST || 9800) },
  queries: +(env.PEERS_QUERIES || 200),
  runtimes: (env.PEERS_RUNTIMES || 'node,browser').split(',').filter(Boolean),
  libs: (env.PEERS_LIBS || ADAPTERS.map((a) => a.id).filter((id) => !EXCLUDED[id]).join(',')).split(',').filter(Boolean),
  efs: (env.PEERS_EFS || '10,16,24,32,48,64,96,128,192,256').split(',').map(Number),
  timeout: +(env.PEERS_TIMEOUT || 900),
  persistTimeout: +(env.PEERS_PERSIST_TIMEOUT || 240),
  probes: env.PEERS_PROBES !== '0',
  docs: env.PEERS_DOCS !== '0',
  out: env.PEERS_OUT || join(results, 'peers.json'),
  coniferSnapshot: env.PEERS_CONIFER_SNAPSHOT === '1',
  m: defaults.m,
  efC: defaults.efC,
  coniferEfSearchDefault: defaults.efSearch,
  topK: 10,
  warmup: 10,
  reloadChecks: 50,
  stopRecall: 0.999,
};
cfg.browserLibs = (env.PEERS_BROWSER_LIBS ? env.PEERS_BROWSER_LIBS.split(',') : cfg.libs).filter((id) => cfg.libs.includes(id) || env.PEERS_BROWSER_LIBS);
for (const id of [...cfg.libs, ...cfg.browserLibs]) if (!byId[id]) throw new Error(`unknown library ${id}; known: ${ADAPTERS.map((a) => a.id).join(', ')}`);
if (cfg.datasets.includes('wordnet-minilm') && !wordnetAvailable()) {
  log('../shared/data/wordnet-minilm not found: wordnet-minilm skipped');
  cfg.datasets = cfg.datasets.filter((d) => d !== 'wordnet-minilm');
}
const workerOpts = { coniferSnapshot: cfg.coniferSnapshot, m: cfg.m, efC: cfg.efC, efs: cfg.efs, topK: cfg.topK, warmup: cfg.warmup, persist: true, reloadChecks: cfg.reloadChecks, stopRecall: cfg.stopRecall };

// ---------------------------------------------------------------- machine and versions
function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model;
  const mhz = /cpu MHz\s*:\s*(.*)/.exec(cpuinfo)?.[1];
  return { cpu: model, mhz: mhz ? Math.round(+mhz) : null, cores: cpus().length, ramGiB: +(totalmem() / 2 ** 30).toFixed(1), os: readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="(.*)"/)?.[1] };
}

function versions() {
  const v = {};
  for (const a of ADAPTERS) {
    if (a.pkg === 'conifer-db') continue;
    try {
      v[a.pkg] = JSON.parse(readFileSync(join(here, 'node_modules', a.pkg, 'package.json'), 'utf8')).version;
    } catch {
      v[a.pkg] = null;
    }
  }
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    /* not a checkout */
  }
  v['conifer-db'] = `${JSON.parse(readFileSync(join(root, 'pkg', 'package.json'), 'utf8')).version} (commit ${commit})`;
  v['playwright-core'] = JSON.parse(readFileSync(join(here, 'node_modules', 'playwright-core', 'package.json'), 'utf8')).version;
  return v;
}

// ---------------------------------------------------------------- Node runs
const PERSIST_STAGES = new Set(['save', 'reload', 'reload-check', 'reopen', 'reopen-2']);
function runWorker(args, timeoutS) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=8192', join(here, 'node-worker.mjs'), ...args], {
      cwd: here,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stage = 'start';
    let tail = '';
    child.stderr.on('data', (b) => {
      const s = b.toString();
      tail = (tail + s).slice(-3000);
      for (const line of s.split('\n')) {
        const m = /^STAGE (.*)/.exec(line);
        if (m) {
          if (m[1] !== stage) stageAt = Date.now();
          stage = m[1];
          if (/^query ef=|^build$|^save$|^reload$/.test(stage)) log(`    ${stage}`);
        }
      }
    });
    let stageAt = Date.now();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ timeout: true, stage, tail, limit: timeoutS });
    }, timeoutS * 1000);
    const watchdog = setInterval(() => {
      if (PERSIST_STAGES.has(stage) && Date.now() - stageAt > cfg.persistTimeout * 1000) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolve({ timeout: true, stage, tail, limit: cfg.persistTimeout });
      }
    }, 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearInterval(watchdog);
      resolve({ code, signal, stage, tail });
    });
  });
}

async function runNode(id, ds) {
  const out = join(results, 'peers-tmp', `result-node-${id}.json`);
  mkdirSync(dirname(out), { recursive: true });
  try {
    writeFileSync(out, '');
  } catch {
    /* fresh */
  }
  const t = Date.now();
  const r = await runWorker([id, ds.dir, out, JSON.stringify(workerOpts)], cfg.timeout);
  let res;
  const failure = { status: r.timeout ? 'timeout' : 'crashed', stage: r.stage, error: r.timeout ? `no result within ${r.limit} s (stage: ${r.stage})` : `exit ${r.code ?? r.signal} in stage ${r.stage}: ${lastError(r.tail)}` };
  try {
    res = JSON.parse(readFileSync(out, 'utf8'));
    if (res.partial) Object.assign(res, failure); // figures up to the failure are kept
    delete res.partial;
  } catch {
    res = { id, runtime: 'node', ...failure };
  }
  res.wall_s = (Date.now() - t) / 1000;
  return res;
}

function lastError(tail) {
  const lines = tail.split('\n').filter((l) => l.trim() && !/^STAGE /.test(l) && !/^\s+at /.test(l));
  return lines.slice(-3).join(' | ').slice(0, 500);
}

// ---------------------------------------------------------------- Chromium runs
const MIME = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json', '.data': 'application/octet-stream' };

function serve(routes) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const path = decodeURIComponent(url.pathname);
    const route = Object.keys(routes).find((p) => path.startsWith(p));
    if (!route) {
      res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    const file = normalize(join(routes[route], path.slice(route.length)));
    if (!file.startsWith(routes[route]) || !existsSync(file) || statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] || 'application/octet-stream',
      'content-length': statSync(file).size,
      'cache-control': 'no-store',
      // cross-origin isolation: performance.now() at 5 us instead of 100 us in Chromium
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function bundleBrowser(dir) {
  const esbuild = await import('esbuild');
  mkdirSync(dir, { recursive: true });
  await esbuild.build({
    entryPoints: [join(here, 'browser', 'entry.mjs')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(dir, 'entry.js'),
    logLevel: 'warning',
    // loaded unbundled through the import map: they find their wasm next to themselves
    external: ['/pkg/*', 'edgevec', 'hnswlib-wasm/*', '@electric-sql/pglite', '@electric-sql/pglite/*', '@xenova/transformers', 'hnswlib-node', 'vectra'],
    define: { 'process.env.NODE_ENV': '"production"' },
    // dpack (a dependency of @orama/plugin-data-persistence) requires Node's "stream" for
    // its streaming API, which the benchmark does not use: give it an empty stand-in
    plugins: [
      {
        name: 'node-stream-stub',
        setup(b) {
          b.onResolve({ filter: /^stream$/ }, () => ({ path: 'stream', namespace: 'stub' }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({ contents: 'module.exports = { Transform: class Transform {} };', loader: 'js' }));
        },
      },
    ],
  });
  const importMap = {
    imports: {
      edgevec: '/node_modules/edgevec/edgevec.js',
      'hnswlib-wasm/dist/hnswlib.js': '/node_modules/hnswlib-wasm/dist/hnswlib.js',
      '@electric-sql/pglite': '/node_modules/@electric-sql/pglite/dist/index.js',
      '@electric-sql/pglite/vector': '/node_modules/@electric-sql/pglite/dist/vector/index.js',
    },
  };
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>peers</title>\n<script type="importmap">${JSON.stringify(importMap)}</script>\n<script type="module" src="/bench/entry.js"></script>\n`,
  );
}

const CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-features=SpareRendererForSitePerProcess', '--js-flags=--expose-gc'];

function procTable() {
  const out = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = +stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const rss = +(/VmRSS:\s*(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] ?? 0) * 1024;
      out.set(+d, { ppid, cmd, rss });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Summed RSS of the renderer processes under the browser launched with `marker`. */
function rendererRss(marker) {
  const t = procTable();
  const top = [...t].filter(([, p]) => p.cmd.includes(marker) && !p.cmd.includes('--type=')).map(([pid]) => pid);
  const under = (pid) => {
    for (let p = pid, i = 0; p > 1 && i < 50; p = t.get(p)?.ppid ?? 0, i++) if (top.includes(p)) return true;
    return false;
  };
  let rss = 0;
  let count = 0;
  for (const [pid, p] of t) {
    if (p.cmd.includes('--type=renderer') && under(pid)) {
      rss += p.rss;
      count++;
    }
  }
  return { rss, renderers: count };
}

let chromiumVersion = null;
async function runBrowser(id, ds, origin) {
  const { chromium } = await import('playwright-core');
  const marker = `--peers-bench=${id}-${Date.now()}`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_FLAGS, marker] });
  chromiumVersion ??= browser.version();
  const t = Date.now();
  let stage = 'load';
  let stageAt = Date.now();
  let res;
  let partial = null;
  let printed = [];
  let watchdog;
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    page.on('console', (m) => {
      const s = m.text();
      const st = /^STAGE (.*)/.exec(s);
      if (st) {
        if (st[1] !== stage) stageAt = Date.now();
        stage = st[1];
        if (/^query ef=|^build$|^save$|^reload$/.test(stage)) log(`    ${stage}`);
      } else {
        printed.push(s.slice(0, 400));
        printed = printed.slice(-8);
      }
    });
    page.on('pageerror', (e) => printed.push(`pageerror: ${String(e.message).slice(0, 300)}`));
    await page.exposeFunction('__checkpoint', async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = await cdp.send('Runtime.getHeapUsage');
      const r = rendererRss(marker);
      return { rss: r.rss, renderers: r.renderers, heapUsed: heap.usedSize, external: 0 };
    });
    await page.exposeFunction('__partial', (json) => {
      partial = JSON.parse(json);
    });
    await page.goto(`${origin}/bench/index.html`);
    await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60000 });
    const run = page.evaluate(([lib, data, opts]) => window.runBench(lib, data, opts), [id, `/data/${ds.dir.split('/').pop()}`, workerOpts]);
    const timeout = new Promise((resolve) => {
      setTimeout(() => resolve(cfg.timeout), cfg.timeout * 1000);
      watchdog = setInterval(() => {
        if (PERSIST_STAGES.has(stage) && Date.now() - stageAt > cfg.persistTimeout * 1000) resolve(cfg.persistTimeout);
      }, 1000);
    });
    const r = await Promise.race([run, timeout]);
    if (typeof r === 'number') res = { ...(partial || { id, runtime: 'browser' }), status: 'timeout', stage, error: `no result within ${r} s (stage: ${stage})` };
    else res = r;
  } catch (e) {
    res = { ...(partial || { id, runtime: 'browser' }), status: 'crashed', stage, error: String(e.message || e).split('\n')[0].slice(0, 400) };
  }
  clearInterval(watchdog);
  delete res.partial;
  if (res.status !== 'ok' && printed.length) {
    const panic = printed.find((l) => /panicked at/.test(l));
    res.printed = (panic ? [panic] : printed.slice(-3)).map((l) => l.split('\n')[0]);
  }
  res.wall_s = (Date.now() - t) / 1000;
  await browser.close().catch(() => {});
  return res;
}

// ---------------------------------------------------------------- main
ensureInstalled();
mkdirSync(results, { recursive: true });
const run = {
  started: new Date().toISOString(),
  command: 'node benches/peers/run.mjs',
  config: { ...cfg, out: undefined },
  excluded: Object.fromEntries(Object.entries(EXCLUDED).filter(([id]) => !cfg.libs.includes(id))),
  machine: machine(),
  loadavg: { start: loadavg() },
  node: process.version,
  versions: versions(),
  datasets: {},
  runs: [],
  probes: {},
  // found while installing and wiring the peers (see benches/peers/package.json and node-worker.mjs)
  installNotes: [
    '@electric-sql/pglite: the latest (0.5.x) ships no pgvector (no ./vector export, no vector.tar.gz); pinned 0.4.6, the last release with it.',
    'vectra: the latest (0.15.0) requires Node >= 22; npm picked 0.12.3 for Node 20.',
    'client-vector-search: its dependency @xenova/transformers needs sharp ^0.32, whose install script downloads libvips from GitHub (unreachable here); overridden to sharp 0.33.5 (libvips from npm). Not used by the benchmark (embeddings only).',
    'hnswlib-wasm: package.json has no main/exports (import dist/hnswlib.js by path), and the Emscripten build targets the web only: in Node it needs a global `window` to load, then logs an IDBFS assertion (no indexedDB) but builds and searches.',
    'voy-search: published as wasm-bindgen "bundler" output (imports the .wasm as an ES module); instantiated by hand in Node and in the page, as a bundler would.',
    'edgevec: in Node `getSimdBackend()` reports "scalar"; in Chromium see the notes of its rows.',
  ],
};
log(`libraries: ${cfg.libs.join(', ')}`);
log(`datasets: ${cfg.datasets.map((d) => `${d} (${cfg.n[d]} x ${cfg.queries} queries)`).join(', ')}; runtimes: ${cfg.runtimes.join(', ')}; M=${cfg.m} efConstruction=${cfg.efC}`);

const prepared = {};
for (const name of cfg.datasets) {
  log(`preparing ${name}`);
  prepared[name] = prepareDataset(join(results, 'peers-data'), name, { n: cfg.n[name], queries: cfg.queries });
  run.datasets[name] = prepared[name].meta;
}

if (cfg.runtimes.includes('node')) {
  for (const name of cfg.datasets) {
    for (const id of cfg.libs) {
      if (!byId[id].runtimes.includes('node')) continue;
      log(`node    ${name.padEnd(15)} ${id}`);
      const r = await runNode(id, prepared[name]);
      r.dataset = name;
      run.runs.push(r);
      log(`  -> ${r.status}${r.error ? `: ${r.error.slice(0, 160)}` : ''} (${r.wall_s.toFixed(0)} s)`);
    }
  }
}

if (cfg.runtimes.includes('browser')) {
  const bdir = join(results, 'peers-browser');
  await bundleBrowser(bdir);
  const server = await serve({ '/bench/': bdir, '/pkg/': join(root, 'pkg'), '/node_modules/': join(here, 'node_modules'), '/data/': join(results, 'peers-data') });
  const origin = `http://127.0.0.1:${server.address().port}`;
  try {
    for (const name of cfg.datasets) {
      for (const id of cfg.browserLibs) {
        if (!byId[id].runtimes.includes('browser')) continue;
        log(`chromium ${name.padEnd(14)} ${id}`);
        const r = await runBrowser(id, prepared[name], origin);
        r.dataset = name;
        run.runs.push(r);
        log(`  -> ${r.status}${r.error ? `: ${r.error.slice(0, 160)}` : ''} (${r.wall_s.toFixed(0)} s)`);
      }
    }
  } finally {
    server.close();
  }
  run.chromium = chromiumVersion;
}

// the efSearch-by-topK method, checked on a subset of the first dataset
run.efcheck = {};
for (const id of ['conifer-hnsw', 'edgevec'].filter((x) => cfg.libs.includes(x) && cfg.runtimes.includes('node'))) {
  const out = join(results, 'peers-tmp', `efcheck-${id}.json`);
  const r = await runWorker(['--efcheck', id, prepared[cfg.datasets[0]].dir, out, JSON.stringify({ n: 3000, queries: 50, efs: [16, 32, 64], m: cfg.m, efC: cfg.efC })], 300);
  try {
    run.efcheck[id] = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    run.efcheck[id] = { error: r.timeout ? 'timeout' : lastError(r.tail) };
  }
}

if (cfg.probes) {
  for (const id of cfg.libs) {
    const out = join(results, 'peers-tmp', `probe-${id}.json`);
    const r = await runWorker(['--probe', id, out], 300);
    try {
      const p = JSON.parse(readFileSync(out, 'utf8'));
      if (p) run.probes[id] = p;
    } catch {
      run.probes[id] = { error: r.timeout ? 'timeout' : lastError(r.tail) };
    }
  }
  log(`capability probes done (${Object.keys(run.probes).length})`);
}

run.sizes = await measureSizes(root, here, [...new Set(cfg.libs.map((id) => byId[id].pkg))]);
run.loadavg.end = loadavg();
run.finished = new Date().toISOString();
run.wall_s = (Date.now() - t0) / 1000;
if (existsSync(cfg.out)) renameSync(cfg.out, cfg.out.replace(/\.json$/, '.prev.json'));
writeFileSync(cfg.out, JSON.stringify(run, null, 2));
log(`wrote ${cfg.out}`);

if (cfg.docs) {
  const { render } = await import('./lib/report.mjs');
  const prevPath = cfg.out.replace(/\.json$/, '.prev.json');
  const prev = existsSync(prevPath) ? JSON.parse(readFileSync(prevPath, 'utf8')) : null;
  await render(run, prev, { root, here });
  log('rendered docs/benchmarks.md and docs/benchmarks-peers.png');
}
(await import('esbuild')).stop(); // its service process would keep Node alive
process.exit(0);
