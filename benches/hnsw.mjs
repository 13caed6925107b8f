// HNSW benchmark (`make bench-hnsw`, issue #4): on wordnet-minilm (100k x 384,
// cosine), in one run and sequentially on one machine:
//   - Conifer in Node: the built package pkg/ (wasm, SIMD128), public API
//   - Conifer natively: examples/bench_hnsw.rs (the graph and arena, release)
//   - hnswlib-node 3.0.0 (native C++ addon, from benches/peers/node_modules)
//   - hora 0.1.1's HNSW compiled to wasm (benches/hora, wasm-bindgen)
// Same M and efConstruction for all; the same efSearch sweep; 1,000 held-out
// queries one at a time, top-10, recall@10 against the exact ground truth.
// Each library runs in a fresh child process (clean memory deltas, crashes
// isolated). Writes bench-results/hnsw.json and bench-results/hnsw.md; a full
// run (100k, 1,000 queries) also writes docs/bench-hnsw.md.
//
// Environment: HNSW_BENCH_N (rows, default 100000; e.g. 10000 for a quick
// run), HNSW_BENCH_QUERIES (default 1000), HNSW_BENCH_EFS (comma list),
// HNSW_BENCH_LIBS (comma list of conifer-wasm,conifer-native,hnswlib-node,
// hora-wasm), HNSW_BENCH_CONIFER_EF=topk (skip the per-query efSearch option
// even if the package has it), HNSW_BENCH_TIMEOUT (seconds per child, 10800),
// HNSW_BENCH_DATA (the data set's directory, default ../shared/data/wordnet-minilm).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, totalmem } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const DATA = process.env.HNSW_BENCH_DATA || join(root, '..', 'shared', 'data', 'wordnet-minilm');
const RESULTS = join(root, 'bench-results');
const TMP = join(RESULTS, 'hnsw-tmp');
const FULL_N = 100_000;
const DIM = 384;
const K = 10;
const TARGETS = [0.9, 0.95, 0.99];
const ALL_LIBS = ['conifer-wasm', 'conifer-native', 'hnswlib-node', 'hora-wasm'];
const LABEL = {
  'conifer-wasm': 'Conifer, wasm (Node)',
  'conifer-native': 'Conifer, native',
  'hnswlib-node': 'hnswlib-node (native C++)',
  'hora-wasm': 'hora 0.1.1, wasm (Node)',
};

const env = process.env;
const cfg = {
  dataDir: DATA,
  n: Number(env.HNSW_BENCH_N || FULL_N),
  queries: Number(env.HNSW_BENCH_QUERIES || 1000),
  efs: (env.HNSW_BENCH_EFS || '10,16,24,32,48,64,96,128,192,256').split(',').map(Number),
  m: 16,
  efC: 100,
  stopRecall: 0.995,
  warmup: 100,
  horaMetric: 'cosine-via-l2',
  coniferEfMode: env.HNSW_BENCH_CONIFER_EF || 'auto',
};
const libs = (env.HNSW_BENCH_LIBS || ALL_LIBS.join(',')).split(',');
const timeoutS = Number(env.HNSW_BENCH_TIMEOUT || 10800);
const log = (s) => console.log(`[bench-hnsw] ${s}`);

function ok(r) {
  return r && r.status !== 'failed' && Array.isArray(r.sweep);
}

// `node benches/hnsw.mjs --render [bench-results/hnsw.json]`: the report again from
// the figures of a finished run (no measurement).
if (process.argv[2] === '--render') {
  const run = JSON.parse(readFileSync(process.argv[3] || join(RESULTS, 'hnsw.json'), 'utf8'));
  const md = render(run);
  writeFileSync(join(RESULTS, 'hnsw.md'), md);
  const full = run.dataset.n === FULL_N && run.dataset.queries === 1000 && Object.keys(run.results).length === ALL_LIBS.length;
  if (full) writeFileSync(join(root, 'docs', 'bench-hnsw.md'), md);
  log(`rendered bench-results/hnsw.md${full ? ' and docs/bench-hnsw.md' : ''} from the run of ${run.started}`);
  process.exit(0);
}

if (!existsSync(join(DATA, 'base.f16'))) {
  log(`${join(DATA, 'base.f16')} not found: this benchmark needs the wordnet-minilm data set (../shared/data/wordnet-minilm); nothing measured.`);
  process.exit(0);
}
if (!(cfg.n >= 1 && cfg.n <= FULL_N && cfg.queries >= 1 && cfg.queries <= 1000)) throw new Error('HNSW_BENCH_N must be 1..100000 and HNSW_BENCH_QUERIES 1..1000');
for (const l of libs) if (!ALL_LIBS.includes(l)) throw new Error(`unknown library ${l} (HNSW_BENCH_LIBS)`);
mkdirSync(TMP, { recursive: true });
const started = new Date();
const load0 = loadavg();

// ------------------------------------------------------------------ builds
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...opts }).trim();
if (!existsSync(join(root, 'pkg', 'node.js'))) throw new Error('pkg/ is not built: run `make pkg` (or `make bench-hnsw`)');
if (!existsSync(join(here, 'peers', 'node_modules', 'hnswlib-node'))) {
  log('installing benches/peers (hnswlib-node)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: join(here, 'peers'), stdio: 'inherit' });
}
log('cargo build --release --example bench_hnsw');
execFileSync('cargo', ['build', '--release', '--example', 'bench_hnsw'], { cwd: root, stdio: 'inherit' });
log('hora: cargo build --release --target wasm32-unknown-unknown (benches/hora), wasm-bindgen --target nodejs');
execFileSync('cargo', ['build', '--release', '--target', 'wasm32-unknown-unknown'], { cwd: join(here, 'hora'), stdio: 'inherit' });
const horaOut = join(root, 'target', 'hora-wasm');
execFileSync('wasm-bindgen', ['--target', 'nodejs', '--out-dir', horaOut, join(here, 'hora', 'target', 'wasm32-unknown-unknown', 'release', 'hora_bench.wasm')], { stdio: 'inherit' });
// wasm-bindgen's nodejs output is CommonJS; the repository's package.json says "type": "module"
writeFileSync(join(horaOut, 'package.json'), '{ "type": "commonjs" }\n');

// ------------------------------------------------------------------ ground truth
// The shipped gt.i32 (exact top-100 by cosine over all 100k rows) for the full set;
// brute force (exact cosine, float64 sums) over the first n rows otherwise.
function groundTruth() {
  const path = join(TMP, `gt-${cfg.n}-${cfg.queries}.i32`);
  const out = new Int32Array(cfg.queries * K);
  let source;
  if (cfg.n === FULL_N) {
    const b = readFileSync(join(DATA, 'gt.i32'));
    const all = new Int32Array(b.buffer, b.byteOffset, 1000 * 100);
    for (let q = 0; q < cfg.queries; q++) out.set(all.subarray(q * 100, q * 100 + K), q * K);
    source = 'shipped gt.i32 (exact top-100 by cosine over all 100,000 float16-decoded rows), first 10';
  } else {
    const dec = (file, rows) => {
      const b = readFileSync(join(DATA, file));
      const u = new Uint16Array(b.buffer, b.byteOffset, rows * DIM);
      const f = new Float64Array(rows * DIM);
      for (let i = 0; i < f.length; i++) {
        const h = u[i];
        const s = h & 0x8000 ? -1 : 1;
        const e = (h >> 10) & 0x1f;
        const m = h & 0x3ff;
        f[i] = e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
      }
      return f;
    };
    const base = dec('base.f16', cfg.n);
    const qs = dec('queries.f16', cfg.queries);
    const norms = new Float64Array(cfg.n);
    for (let i = 0; i < cfg.n; i++) {
      let s = 0;
      for (let d = 0; d < DIM; d++) s += base[i * DIM + d] ** 2;
      norms[i] = Math.sqrt(s);
    }
    const sims = new Float64Array(cfg.n);
    for (let q = 0; q < cfg.queries; q++) {
      for (let i = 0; i < cfg.n; i++) {
        let s = 0;
        for (let d = 0; d < DIM; d++) s += qs[q * DIM + d] * base[i * DIM + d];
        sims[i] = s / norms[i];
      }
      const top = [];
      for (let i = 0; i < cfg.n; i++) {
        if (top.length < K || sims[i] > sims[top[top.length - 1]]) {
          top.push(i);
          top.sort((a, b) => sims[b] - sims[a] || a - b);
          if (top.length > K) top.pop();
        }
      }
      out.set(top, q * K);
    }
    source = `brute force: exact cosine (float64) over the first ${cfg.n.toLocaleString('en-US')} rows`;
  }
  writeFileSync(path, Buffer.from(out.buffer));
  return { path, source };
}
log(`ground truth for n = ${cfg.n}`);
const gt = groundTruth();
cfg.gtPath = gt.path;
const configPath = join(TMP, 'config.json');
writeFileSync(configPath, JSON.stringify(cfg));

// ------------------------------------------------------------------ children
function runChild(cmd, args, outPath) {
  return new Promise((resolve) => {
    const t = Date.now();
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', outPath ? 'ignore' : 'pipe', 'pipe'] });
    let stdout = '';
    let tail = '';
    child.stdout?.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => {
      const s = b.toString();
      tail = (tail + s).slice(-4000);
      process.stderr.write(s.replace(/^/gm, '    '));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const wall_s = (Date.now() - t) / 1000;
      let res = null;
      try {
        res = JSON.parse(outPath ? readFileSync(outPath, 'utf8') : stdout);
      } catch {
        /* no result */
      }
      if (code !== 0 || !res) {
        const lines = tail.split('\n').filter((l) => l.trim() && !/^\s+at /.test(l));
        res = { ...(res || {}), status: 'failed', error: `exit ${code ?? signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutS} s)` : ''}: ${lines.slice(-3).join(' | ').slice(0, 600)}` };
      }
      res.wall_s = wall_s;
      resolve(res);
    });
  });
}
const NODE = [process.execPath, '--expose-gc', '--max-old-space-size=8192', join(here, 'hnsw-worker.mjs')];
const worker = (job) => {
  const out = join(TMP, `${job.replace(':', '-')}.json`);
  writeFileSync(out, '');
  return runChild(NODE[0], [...NODE.slice(1), job, configPath, out], out).then((r) => ({ job, ...r }));
};

const results = {};
const checks = {};
if (libs.includes('hora-wasm')) {
  log('hora: which of its metrics return correct neighbours (2,000 rows, 200 queries, one child each)');
  checks.hora_metrics = [];
  for (const m of ['cosine', 'angular', 'dot', 'euclidean', 'cosine-via-l2']) checks.hora_metrics.push(await worker(`hora-metric:${m}`));
}
for (const lib of libs) {
  log(`${LABEL[lib]}: build ${cfg.n.toLocaleString('en-US')} x ${DIM}, efSearch sweep`);
  if (lib === 'conifer-native') {
    const bin = join(root, 'target', 'release', 'examples', 'bench_hnsw');
    results[lib] = await runChild(bin, ['--data', DATA, '--n', String(cfg.n), '--queries', String(cfg.queries), '--efs', cfg.efs.join(','), '--m', String(cfg.m), '--ef-construction', String(cfg.efC), '--stop-recall', String(cfg.stopRecall), '--warmup', String(cfg.warmup), '--gt', gt.path]);
  } else {
    results[lib] = await worker(lib);
  }
  const r = results[lib];
  log(r.status === 'failed' ? `  failed: ${r.error}` : `  build ${r.build_s.toFixed(1)} s; ${r.sweep.length} sweep points`);
}
if (libs.includes('hora-wasm')) {
  // at each ef where hora first reached a target recall
  const hs = results['hora-wasm'].sweep ?? [];
  const efs = [...new Set(TARGETS.map((t) => hs.find((q) => q.recall >= t)?.ef).filter((e) => e > K))];
  checks.hora_k_cost = [];
  for (const E of efs) {
    log(`hora: cost of the k = max(10, ef) sweep (index with ef_search = ${E}, k = 10 vs k = ${E})`);
    checks.hora_k_cost.push(await worker(`hora-k-cost:${E}`));
  }
}

// ------------------------------------------------------------------ machine and versions
function machine() {
  const lscpu = spawnSync('lscpu', { encoding: 'utf8' }).stdout || '';
  const field = (name) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(lscpu)?.[1]?.trim() ?? null;
  const flags = field('Flags') || '';
  return {
    cpu: field('Model name'),
    vendor: field('Vendor ID'),
    cpus: field('CPU\\(s\\)'),
    threads_per_core: field('Thread\\(s\\) per core'),
    hypervisor: field('Hypervisor vendor'),
    l2: field('L2 cache'),
    l3: field('L3 cache'),
    simd_flags: ['sse4_2', 'avx2', 'avx512f', 'fma'].filter((f) => new RegExp(`\\b${f}\\b`).test(flags)),
    nproc: sh('nproc', []),
    ram_gib: +(totalmem() / 2 ** 30).toFixed(1),
    os: readFileSync('/etc/os-release', 'utf8').match(/PRETTY_NAME="(.*)"/)?.[1],
    kernel: sh('uname', ['-r']),
    node: process.version,
    rustc: sh('rustc', ['--version']),
  };
}
function versions() {
  const lock = readFileSync(join(here, 'hora', 'Cargo.lock'), 'utf8');
  const locked = (name) => new RegExp(`name = "${name}"\\nversion = "([^"]+)"`).exec(lock)?.[1] ?? null;
  let commit = null;
  let dirty = false;
  try {
    commit = sh('git', ['rev-parse', '--short', 'HEAD'], { cwd: root });
    dirty = sh('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root }) !== '';
  } catch {
    /* not a checkout */
  }
  const configToml = readFileSync(join(root, '.cargo', 'config.toml'), 'utf8');
  const mk = join(here, 'peers', 'node_modules', 'hnswlib-node', 'build', 'addon.target.mk');
  const hnswlibFlags = existsSync(mk) ? (/CFLAGS_Release := \\\n([\s\S]*?)\n\n/.exec(readFileSync(mk, 'utf8'))?.[1] ?? '').split('\\').map((s) => s.trim()).filter(Boolean) : null;
  return {
    conifer: `${JSON.parse(readFileSync(join(root, 'pkg', 'package.json'), 'utf8')).version} (commit ${commit}${dirty ? ', with uncommitted changes' : ''})`,
    hnswlib_node: JSON.parse(readFileSync(join(here, 'peers', 'node_modules', 'hnswlib-node', 'package.json'), 'utf8')).version,
    hnswlib_node_cflags: hnswlibFlags,
    hora: locked('hora'),
    wasm_bindgen: locked('wasm-bindgen'),
    wasm_bindgen_cli: sh('wasm-bindgen', ['--version']),
    hora_rustflags: /\[target\.wasm32-unknown-unknown\][^[]*?rustflags\s*=\s*(\[[^\]]*\])/.exec(configToml)?.[1] ?? null,
    hora_env_rustflags: env.RUSTFLAGS || env.CARGO_ENCODED_RUSTFLAGS || null,
    hora_profile: /\[profile\.release\]([\s\S]*?)(\n\[|$)/.exec(readFileSync(join(here, 'hora', 'Cargo.toml'), 'utf8'))?.[1].trim().split('\n').join(', '),
    hora_wasm_ops: wasmOps(join(horaOut, 'hora_bench_bg.wasm')),
    hnswlib_node_registers: x86Vector(join(here, 'peers', 'node_modules', 'hnswlib-node', 'build', 'Release', 'addon.node')),
    conifer_native_registers: x86Vector(join(root, 'target', 'release', 'examples', 'bench_hnsw')),
  };
}
// Which x86 vector registers a native binary's code uses (objdump), if binutils is installed:
// xmm only = SSE (128-bit); ymm = AVX2; zmm = AVX-512.
function x86Vector(file) {
  const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', file], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) return null;
  const out = {};
  for (const reg of ['xmm', 'ymm', 'zmm']) out[reg] = (r.stdout.match(new RegExp(`%${reg}\\d`, 'g')) || []).length;
  return out;
}
// SIMD instructions in hora's wasm, if wabt's wasm2wat is installed.
function wasmOps(file) {
  const r = spawnSync('wasm2wat', ['--enable-all', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) return null;
  const counts = {};
  for (const m of r.stdout.matchAll(/\b((?:v128|f32x4|i32x4|f64x2|i8x16|i16x8|i64x2)\.[a-z_0-9]+)/g)) counts[m[1]] = (counts[m[1]] || 0) + 1;
  return counts;
}

// ------------------------------------------------------------------ summary
function atTarget(r, target) {
  if (!ok(r)) return null;
  return r.sweep.find((p) => p.recall >= target) ?? null;
}
const summary = {};
for (const lib of libs) summary[lib] = Object.fromEntries(TARGETS.map((t) => [t, atTarget(results[lib], t)]));
function ratio(a, b, key) {
  return a && b ? a[key] / b[key] : null;
}
const cw = results['conifer-wasm'];
const hn = results['hnswlib-node'];
const hw = results['hora-wasm'];
const ratios = {
  qps_conifer_wasm_over_hnswlib_at_095: ratio(summary['conifer-wasm']?.[0.95], summary['hnswlib-node']?.[0.95], 'qps'),
  build_conifer_wasm_over_hnswlib: ok(cw) && ok(hn) ? cw.build_s / hn.build_s : null,
  qps_conifer_wasm_over_hora_at_095: ratio(summary['conifer-wasm']?.[0.95], summary['hora-wasm']?.[0.95], 'qps'),
  build_conifer_wasm_over_hora: ok(cw) && ok(hw) ? cw.build_s / hw.build_s : null,
  qps_conifer_native_over_hnswlib_at_095: ratio(summary['conifer-native']?.[0.95], summary['hnswlib-node']?.[0.95], 'qps'),
  build_conifer_native_over_hnswlib: ok(results['conifer-native']) && ok(hn) ? results['conifer-native'].build_s / hn.build_s : null,
};
const finished = new Date();
const run = {
  started: started.toISOString(),
  finished: finished.toISOString(),
  minutes: (finished - started) / 60000,
  loadavg: { start: load0, end: loadavg() },
  machine: machine(),
  versions: versions(),
  dataset: { name: 'wordnet-minilm', dir: DATA, n: cfg.n, dim: DIM, metric: 'cosine', queries: cfg.queries, ground_truth: gt.source },
  params: { m: cfg.m, ef_construction: cfg.efC, efs: cfg.efs, stop_recall: cfg.stopRecall, k: K, warmup: cfg.warmup, targets: TARGETS, hora_metric: cfg.horaMetric, conifer_ef_mode_requested: cfg.coniferEfMode },
  results,
  checks,
  summary,
  ratios,
};
writeFileSync(join(RESULTS, 'hnsw.json'), JSON.stringify(run, null, 2));
const md = render(run);
writeFileSync(join(RESULTS, 'hnsw.md'), md);
const full = cfg.n === FULL_N && cfg.queries === 1000 && libs.length === ALL_LIBS.length;
if (full) writeFileSync(join(root, 'docs', 'bench-hnsw.md'), md);
console.log(`\n${md}`);
log(`wrote bench-results/hnsw.json, bench-results/hnsw.md${full ? ' and docs/bench-hnsw.md' : ' (docs/bench-hnsw.md only from a full run: 100k rows, 1,000 queries, every library)'}`);

// ------------------------------------------------------------------ report
function render(run) {
  const f = (x, d = 2) => (x == null ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
  const ms = (x) => (x == null ? '–' : x < 1 ? x.toFixed(3) : x < 10 ? x.toFixed(2) : x.toFixed(1));
  const mb = (b) => (b == null ? '–' : (b / 2 ** 20).toFixed(1));
  const qps = (x) => (x == null ? '–' : Math.round(x).toLocaleString('en-US'));
  const x = (r) => (r == null ? '–' : `${r.toFixed(2)}×`);
  const m = run.machine;
  const v = run.versions;
  const regs = (r) => (r ? `; objdump: ${r.xmm.toLocaleString('en-US')} xmm (128-bit), ${r.ymm} ymm, ${r.zmm} zmm register operands` : '');
  const R = run.results;
  const L = [];
  const p = (s = '') => L.push(s);
  const libsRun = Object.keys(R);
  p('# HNSW benchmark: Conifer (wasm and native), hnswlib-node, hora (`make bench-hnsw`)');
  p();
  p(`Generated by \`node benches/hnsw.mjs\` (issue #4), run ${run.started.replace('T', ' ').slice(0, 16)} UTC, ${run.minutes.toFixed(0)} min. Every figure below comes from that run; raw figures (every sweep point, memory snapshots, checks): \`bench-results/hnsw.json\`.`);
  p();
  // verdict
  const s95 = (lib) => run.summary[lib]?.[0.95];
  const describe = (lib) => {
    const pt = s95(lib);
    return pt ? `${qps(pt.qps)} q/s (ef ${pt.ef}, recall ${pt.recall.toFixed(3)})` : 'recall 0.95 not reached';
  };
  const rq = run.ratios.qps_conifer_wasm_over_hnswlib_at_095;
  const rb = run.ratios.build_conifer_wasm_over_hnswlib;
  p('## Targets');
  p();
  p('| target | Conifer, wasm | hnswlib-node (native C++) | ratio | |');
  p('|---|---|---|---|---|');
  p(`| queries per second at recall@10 ≥ 0.95: Conifer wasm ≥ 0.5× hnswlib-node | ${describe('conifer-wasm')} | ${describe('hnswlib-node')} | ${x(rq)} | ${rq == null ? 'not measured' : rq >= 0.5 ? '**met**' : '**not met**'} |`);
  p(`| build time: Conifer wasm ≤ 1.5× hnswlib-node | ${ok(R['conifer-wasm']) ? `${f(R['conifer-wasm'].build_s, 1)} s` : '–'} | ${ok(R['hnswlib-node']) ? `${f(R['hnswlib-node'].build_s, 1)} s` : '–'} | ${x(rb)} | ${rb == null ? 'not measured' : rb <= 1.5 ? '**met**' : '**not met**'} |`);
  p();
  p(`Against hora 0.1.1 in wasm (the baseline the original design named): Conifer wasm / hora queries per second at recall@10 ≥ 0.95: ${run.ratios.qps_conifer_wasm_over_hora_at_095 == null ? `– (hora: ${describe('hora-wasm')})` : x(run.ratios.qps_conifer_wasm_over_hora_at_095)}; build time Conifer wasm / hora: ${x(run.ratios.build_conifer_wasm_over_hora)}. Conifer native / hnswlib-node: ${x(run.ratios.qps_conifer_native_over_hnswlib_at_095)} the queries per second at recall ≥ 0.95, ${x(run.ratios.build_conifer_native_over_hnswlib)} the build time.`);
  p();
  p(`The machine is a shared 2-core VM (load average ${run.loadavg.start.map((a) => a.toFixed(1)).join(' / ')} at the start, ${run.loadavg.end.map((a) => a.toFixed(1)).join(' / ')} at the end). Absolute figures move by 10–50% between runs; **the ratios within this one run are what count**.`);
  p();
  // per target
  p('## Queries per second and latency at the target recalls');
  p();
  p('For each library and target, the smallest swept efSearch whose recall@10 reaches the target (no interpolation), and that sweep point\'s figures.');
  p();
  p('| library | recall@10 target | efSearch | recall@10 | QPS | p50 ms | p99 ms |');
  p('|---|---|---|---|---|---|---|');
  for (const lib of libsRun) {
    for (const t of TARGETS) {
      const pt = run.summary[lib]?.[t];
      if (!ok(R[lib])) p(`| ${LABEL[lib]} | ${t.toFixed(2)} | – | – | – | – | – |`);
      else if (!pt) p(`| ${LABEL[lib]} | ${t.toFixed(2)} | not reached (best ${Math.max(...R[lib].sweep.map((q) => q.recall)).toFixed(3)} at ef ≤ ${R[lib].sweep[R[lib].sweep.length - 1].ef}) | | | | |`);
      else p(`| ${LABEL[lib]} | ${t.toFixed(2)} | ${pt.ef} | ${pt.recall.toFixed(3)} | ${qps(pt.qps)} | ${ms(pt.p50_ms)} | ${ms(pt.p99_ms)} |`);
    }
  }
  p();
  // build and memory
  p('## Build time and memory');
  p();
  p('| library | build s | memory |');
  p('|---|---|---|');
  for (const lib of libsRun) {
    const r = R[lib];
    if (!ok(r)) {
      p(`| ${LABEL[lib]} | – | **failed**: ${r.error} |`);
      continue;
    }
    let mem;
    if (lib === 'conifer-native') {
      const mm = r.memory;
      mem = `structures: vectors ${mb(mm.vectors_heap_bytes)} MiB allocated for ${mb(mm.vectors_needed_bytes)} MiB of f32 data and norms (\`Vectors::heap_bytes\`), graph ${mb(mm.graph_heap_bytes)} MiB (\`Hnsw::heap_bytes\`); process RSS Δ ${mb(mm.rss_after_build - mm.rss_before_build)} MiB (includes allocator slack)`;
    } else {
      const b = r.memory.before;
      const a = r.memory.after;
      mem = `RSS Δ ${mb(a.rss - b.rss)} MiB; V8 heap + external Δ ${mb(a.heapUsed + a.external - (b.heapUsed + b.external))} MiB (external Δ ${mb(a.external - b.external)} MiB${lib === 'hnswlib-node' ? '; the C++ index lives outside V8, so only RSS sees it' : ': wasm linear memory, which never shrinks'})`;
    }
    const parts = r.build_parts ? ` (add ${f(r.build_parts.add_s, 1)} + build() ${f(r.build_parts.build_call_s, 1)})` : '';
    p(`| ${LABEL[lib]} | ${f(r.build_s, 1)}${parts} | ${mem} |`);
  }
  p();
  p('Node memory: `process.memoryUsage()` after two forced `gc()`, after the build minus before it, in a fresh process per library with the data set already loaded. RSS deltas include allocator slack and garbage the build left behind.');
  p();
  // sweep
  p('## The efSearch sweep');
  p();
  p(`Every point measured (a library's sweep stops once recall@10 ≥ ${run.params.stop_recall}). QPS = ${run.dataset.queries.toLocaleString('en-US')} sequential queries / wall time of that loop; p50/p99 of the per-query times.`);
  p();
  p('| library | ef | recall@10 | QPS | p50 ms | p99 ms | mean ms |');
  p('|---|---|---|---|---|---|---|');
  for (const lib of libsRun) {
    if (!ok(R[lib])) continue;
    for (const q of R[lib].sweep) p(`| ${LABEL[lib]} | ${q.ef} | ${q.recall.toFixed(4)} | ${qps(q.qps)} | ${ms(q.p50_ms)} | ${ms(q.p99_ms)} | ${ms(q.mean_ms)} |`);
  }
  p();
  // setup
  p('## Setup');
  p();
  p(`- **Machine**: ${m.cpu} (${m.vendor}, ${m.hypervisor ? `${m.hypervisor} guest` : 'bare metal'}), \`nproc\` ${m.nproc}, ${m.threads_per_core} thread per core, L2 ${m.l2}, L3 ${m.l3}, ${m.ram_gib} GiB RAM, CPU flags include ${m.simd_flags.join(', ')}; ${m.os}, Linux ${m.kernel}. Node ${m.node}; ${m.rustc}.`);
  p(`- **Data set**: wordnet-minilm, ${run.dataset.n === FULL_N ? 'all 100,000 rows' : `the first ${run.dataset.n.toLocaleString('en-US')} of its 100,000 rows`} (all-MiniLM-L6-v2 embeddings of WordNet glosses, ${DIM}-d, float16 on disk, decoded to float32), cosine; ${run.dataset.queries.toLocaleString('en-US')} held-out queries (glosses not in the base). Ground truth: ${run.dataset.ground_truth}. recall@10 = |returned top-10 ∩ true top-10| / 10, averaged over the queries.`);
  p(`- **Parameters**: M = ${run.params.m} (layer 0: ${2 * run.params.m} links) and efConstruction = ${run.params.ef_construction} for every library; efSearch swept over ${run.params.efs.join(', ')}; top-10; ${run.params.warmup} untimed warm-up queries before the sweep and 10 before each sweep point. Queries are sent one at a time on one thread; each library's build is single-threaded.`);
  p('- **Order**: one library at a time, each in a fresh child process: ' + libsRun.map((l) => LABEL[l]).join(', ') + '.');
  p();
  p('| library | version | what runs | how efSearch is set per sweep point |');
  p('|---|---|---|---|');
  const cinfo = R['conifer-wasm']?.info;
  const efModeText = cinfo?.efMode === 'query-option'
    ? 'the per-query option `index.query({ topK: 10, vector, efSearch })`'
    : 'index built with efSearch 10; queries ask topK = max(10, ef) and keep the first 10 (the engine searches with max(efSearch, topK), so this is the search efSearch = ef gives; the extra matches cost it some serialisation)';
  if (R['conifer-wasm']) p(`| Conifer, wasm | conifer-db ${v.conifer} | the built package \`pkg/\` in Node (wasm SIMD128: ${cinfo?.buildInfo?.simd128 ?? '?'}): \`new Pinecone({ storage: "memory" })\`, \`createIndex\` with \`conifer: { indexType: "hnsw", m: ${run.params.m}, efConstruction: ${run.params.ef_construction} }\`, upserts of 1,000 records (build time = all upserts; the graph is built as records arrive), \`index.query\` per query through the package's whole request path, as an application calls it | ${efModeText} |`);
  if (R['conifer-native']) p(`| Conifer, native | same commit | \`examples/bench_hnsw.rs\`, release, x86-64 baseline target (auto-vectorised portable kernels${regs(v.conifer_native_registers)}): \`Hnsw::insert\` into the f32 \`Vectors\` arena, \`Hnsw::search\`; no database or JSON layer | \`Hnsw::search(q, 10, ef)\` |`);
  if (R['hnswlib-node']) p(`| hnswlib-node (native C++) | ${v.hnswlib_node} | the N-API addon built from source at install (\`${(v.hnswlib_node_cflags || []).join(' ')}\`, no -march: hnswlib's SSE kernels${regs(v.hnswlib_node_registers)}): \`HierarchicalNSW("cosine", ${DIM})\`, \`initIndex(n, ${run.params.m}, ${run.params.ef_construction}, 100)\`, \`addPoint(Array, i)\` for each row; queries passed as JS arrays converted before timing (its API takes \`number[]\` only) | \`setEf(ef)\` |`);
  if (R['hora-wasm']) {
    const ops = v.hora_wasm_ops;
    const opsText = ops ? Object.entries(ops).sort((a, b) => b[1] - a[1]).map(([k, c]) => `${c} ${k}`).join(', ') : 'not checked (wasm2wat not installed)';
    p(`| hora, wasm | hora ${v.hora} (wasm-bindgen ${v.wasm_bindgen}) | \`benches/hora\` (a wrapper crate), \`cargo build --release --target wasm32-unknown-unknown\` with rustflags ${v.hora_rustflags} from \`.cargo/config.toml\`${v.hora_env_rustflags ? ` and RUSTFLAGS ${v.hora_env_rustflags}` : ''}, profile ${v.hora_profile}; module reports simd128 = ${R['hora-wasm'].info?.simd128}; SIMD instructions in the module (wasm2wat): ${opsText}. \`HNSWParams\`: n_neighbor ${run.params.m}, n_neighbor0 ${2 * run.params.m}, ef_build ${run.params.ef_construction}; rows added in batches of 1,000, then \`build()\`; metric: ${run.params.hora_metric === 'cosine-via-l2' ? 'rows and queries scaled to unit length by the wrapper, hora\'s `Euclidean` (the cosine ranking; see the metric check below)' : run.params.hora_metric} | hora has no per-search ef (\`ef_search\` is set at construction; no setter): built with ef_search 10, queries ask k = max(10, ef) and keep the first 10; hora searches layer 0 with max(ef_search, k) candidates, so this is what ef_search = ef gives (cost: see below) |`);
  }
  p();
  // checks
  p('## Checks made in this run');
  p();
  if (cinfo?.efProbe) {
    p(`- **Conifer's per-query efSearch** (probe on the built index, first 50 queries): ${cinfo.efProbe.map((c) => `efSearch ${c.ef}: ${c.error ? `error "${c.error}"` : `${c.identical}/${c.of} top-10 lists identical to topK = ${c.ef}`}`).join('; ')}. Sweep used: ${cinfo.efMode === 'query-option' ? 'the efSearch query option' : `topK = max(10, ef)${run.params.conifer_ef_mode_requested === 'topk' ? ' (requested)' : ' (the package does not honour a per-query efSearch)'}`}.`);
  }
  if (run.checks.hora_metrics) {
    p(`- **hora's metrics** (2,000 rows, 200 queries, each metric in its own process; "self first" = a stored row queried returns itself first):`);
    p();
    p('  | hora metric | result | self first | recall@10 at ef 10 |');
    p('  |---|---|---|---|');
    for (const c of run.checks.hora_metrics) {
      c.metric ??= c.job.split(':')[1];
      const name = c.metric === 'cosine-via-l2' ? '`Euclidean` on unit-scaled vectors (used)' : `\`${{ cosine: 'CosineSimilarity', angular: 'Angular', dot: 'DotProduct', euclidean: 'Euclidean' }[c.metric]}\``;
      if (c.status === 'ok') p(`  | ${name} | ran | ${c.self_first}/${c.self_of} | ${c.recall.toFixed(3)} |`);
      else p(`  | ${name} | **failed**: ${(c.panic || c.error || '').replace(/\S*\/(hora-0\.1\.1\/)/g, '$1').replace(/\|/g, '\\|').slice(0, 200)} | – | – |`);
    }
    p();
  }
  const kcs = run.checks.hora_k_cost ?? [];
  let kcNeg = false;
  if (kcs.length) {
    p(`- **Cost of hora's k = ef sweep**, at each ef where hora first reached a target recall: on a ${kcs[0].n?.toLocaleString('en-US') ?? '–'}-row hora index built with ef_search = E, search(q, 10) and search(q, E) walk the same candidate list (hora searches with max(ef_search, k)), so their difference is the cost of the E − 10 extra results alone (hora clones each result node). Each query is run both ways back to back, the order alternating; ${kcs[0].passes ?? 3} passes over the ${kcs[0].queries?.toLocaleString('en-US') ?? '–'} queries, the mean times of the pass with the median difference:`);
    p();
    p('  | E | mean ms, k = 10 | mean ms, k = E | extra per query | share of hora\'s mean latency at ef E in the sweep above |');
    p('  |---|---|---|---|---|');
    for (const kc of kcs) {
      if (kc.status === 'failed') {
        p(`  | ${kc.job.split(':')[1]} | **failed**: ${kc.error.replace(/\|/g, '\\|')} | | | |`);
        continue;
      }
      const horaMean = R['hora-wasm']?.sweep?.find((q) => q.ef === kc.ef_search)?.mean_ms;
      p(`  | ${kc.ef_search} | ${ms(kc.mean_ms_k10)} | ${ms(kc.mean_ms_kE)} | ${(kc.extra_ms * 1000).toFixed(1)} µs | ${horaMean ? `${((kc.extra_ms / horaMean) * 100).toFixed(1)}%` : '–'} |`);
      kcNeg ||= kc.extra_ms <= 0;
    }
    p();
    p(`  hora\'s figures in the tables above include this cost (they are not corrected).${kcNeg ? ' A difference ≤ 0 means the cost is below what this machine\'s noise lets one measure.' : ''}`);
  }
  p();
  // notes: what the timings include, and what hora's source does (hora-0.1.1/src/...)
  p('## Notes');
  p();
  p('- **What each figure includes.** Conifer in wasm is timed through its public package API (argument checks, the request into wasm as a JSON body with the vector beside it, the JSON response parsed back, a promise per call), as an application calls it; Conifer native is the bare graph and arena, with no database or JSON layer; hnswlib-node is its N-API call. So Conifer wasm against hnswlib-node is an application-level comparison, and Conifer wasm against Conifer native mixes the wasm/native difference with the API layer.');
  if (R['hora-wasm']) {
    p('- **hora 0.1.1, read from its source** (these explain the metric check and bear on its figures):');
    p('  - Its query path never descends: in `HNSWIndex::search_knn` (`src/index/hnsw_idx.rs`, line 413) the greedy walk through the upper layers computes the distance of the current node instead of the neighbour\'s, so it never moves, and every query starts its layer-0 search at node 0 (the first row added, which hora always gives the top level, line 445). Inserts descend correctly.');
    p('  - Levels are drawn with probability 1/2 per level (line 82), where HNSW uses 1/M (level multiplier 1/ln M), so about half the nodes carry upper-layer lists (build time and memory that queries, per the point above, never use).');
    p('  - `CosineSimilarity` divides by `sqrt(dot(a, a))` where its `dot` returns the negated sum (`src/core/metrics.rs` line 86, `src/core/simd_metrics.rs` line 32): NaN, and the neighbour ordering then unwraps a `None` (`src/core/neighbor.rs` line 32). `DotProduct` negates that negated sum again (`metrics.rs` line 59) and `Angular` uses `float_two()`, which is 1.0 (`src/core/node.rs`), giving 1 + cos: both rank the least similar rows first.');
    p('  - Each search allocates a visited bitset of all nodes and clones every returned node with its vector (lines 328 and 628); its distance sums are plain scalar loops (its optional `simd` feature uses `packed_simd_2`, which needs a nightly compiler; this build uses the default features). ' + (v.hora_wasm_ops ? (v.hora_wasm_ops['f32x4.add'] ? `The module has ${v.hora_wasm_ops['f32x4.add']} f32x4.add instructions (wasm2wat), so LLVM vectorised some float sums.` : 'The module has no f32x4.add instruction (wasm2wat): LLVM did not vectorise those float sums (reordering them would change the result), so +simd128 does not speed up its distances.') : ''));
  }
  p();
  return `${L.join('\n')}\n`;
}
