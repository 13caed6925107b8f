#!/usr/bin/env node
// Load test on loopback: concurrent upserts and queries for many tenants,
// each with its own API key, against the worker on workerd. Bounded in
// requests (tenants x (upserts + queries)) and in time (--max-seconds: no
// request is started after it). Checks zero errors and zero lost writes
// (every acknowledged id is listed back, per tenant), and prints p50/p99
// latency and throughput.
//
//   node worker/loadtest.mjs [--tenants 100] [--upserts 20] [--batch 10]
//     [--queries 20] [--concurrency 32] [--dim 128] [--max-seconds 120]
//     [--url http://127.0.0.1:8787 --admin-key K --tenant-key-prefix P]
//
// Without --url it starts its own worker (fresh state in a temp directory).
// With --url the worker's CONIFER_API_KEYS must map `<prefix><i>` to
// `tenant-<i>` for every tenant i.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startWorker } from './server.mjs';

export const DEFAULTS = {
  tenants: 100,
  upserts: 20,
  batch: 10,
  queries: 20,
  concurrency: 32,
  dim: 128,
  maxSeconds: 120,
  url: null,
  adminKey: 'load-admin',
  tenantKeyPrefix: 'load-key-',
  quiet: false,
};

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function vector(rand, dim) {
  const v = new Array(dim);
  for (let i = 0; i < dim; i++) v[i] = rand() * 2 - 1;
  return v;
}

/** Runs the load; resolves to a report object (throws only on set-up failure). */
export async function runLoad(options = {}) {
  const o = { ...DEFAULTS, ...options };
  let worker = null;
  let stateDir = null;
  let base = o.url;
  const tenantKey = (t) => `${o.tenantKeyPrefix}${t}`;
  const tenantNs = (t) => `tenant-${t}`;
  if (!base) {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conifer-load-'));
    const keys = Array.from({ length: o.tenants }, (_, t) => `${tenantKey(t)}=${tenantNs(t)}`).join(',');
    worker = await startWorker({ port: 0, persistDir: stateDir, env: { CONIFER_ADMIN_KEY: o.adminKey, CONIFER_API_KEYS: keys } });
    base = worker.url.origin;
  }
  const index = `load-${Date.now().toString(36)}`;
  const call = async (method, p, body, key) => {
    const r = await fetch(base + p, {
      method,
      headers: { 'Api-Key': key, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, text };
  };
  try {
    const created = await call(
      'POST',
      '/indexes',
      { name: index, dimension: o.dim, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1' } } },
      o.adminKey,
    );
    if (created.status !== 201) throw new Error(`create index: ${created.status} ${created.text}`);

    // The work: every tenant's upserts (unique ids) and queries, interleaved.
    const rand = rng(42);
    const tasks = [];
    for (let t = 0; t < o.tenants; t++) {
      for (let u = 0; u < o.upserts; u++) tasks.push({ kind: 'upsert', t, u });
      for (let q = 0; q < o.queries; q++) tasks.push({ kind: 'query', t });
    }
    for (let i = tasks.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [tasks[i], tasks[j]] = [tasks[j], tasks[i]];
    }
    const lat = { upsert: [], query: [] };
    const errors = [];
    const acked = Array.from({ length: o.tenants }, () => new Set());
    let next = 0;
    let notStarted = 0;
    const started = performance.now();
    const deadline = started + o.maxSeconds * 1000;
    async function loop() {
      const r = rng(1000 + next);
      while (next < tasks.length) {
        if (performance.now() > deadline) {
          notStarted = tasks.length - next;
          next = tasks.length;
          break;
        }
        const task = tasks[next++];
        const ns = tenantNs(task.t);
        const t0 = performance.now();
        let res;
        try {
          if (task.kind === 'upsert') {
            const vectors = Array.from({ length: o.batch }, (_, k) => ({
              id: `t${task.t}-u${task.u}-${k}`,
              values: vector(r, o.dim),
              metadata: { tenant: task.t, batch: task.u },
            }));
            res = await call('POST', `/index/${index}/vectors/upsert`, { namespace: ns, vectors }, tenantKey(task.t));
            if (res.status === 200 && JSON.parse(res.text).upsertedCount === o.batch) {
              for (const v of vectors) acked[task.t].add(v.id);
            }
          } else {
            res = await call('POST', `/index/${index}/query`, { namespace: ns, topK: 5, vector: vector(r, o.dim) }, tenantKey(task.t));
            if (res.status === 200) {
              const out = JSON.parse(res.text);
              // Isolation: a query sees only its own tenant's records.
              if (out.matches.some((m) => !m.id.startsWith(`t${task.t}-`))) {
                res = { status: 'isolation', text: `foreign record in ${ns}` };
              }
            }
          }
        } catch (e) {
          res = { status: 'network', text: e.message };
        }
        const ms = performance.now() - t0;
        lat[task.kind].push(ms);
        if (res.status !== 200) errors.push(`${task.kind} ${ns}: ${res.status} ${String(res.text).slice(0, 200)}`);
      }
    }
    await Promise.all(Array.from({ length: o.concurrency }, loop));
    const elapsed = (performance.now() - started) / 1000;

    // Zero lost writes: every acknowledged id is listed back, and the
    // catalog's counts agree.
    let lost = 0;
    let extra = 0;
    const stats = JSON.parse((await call('POST', `/index/${index}/describe_index_stats`, {}, o.adminKey)).text);
    for (let t = 0; t < o.tenants; t++) {
      const ns = tenantNs(t);
      const seen = new Set();
      let token = '';
      for (;;) {
        const q = `namespace=${encodeURIComponent(ns)}&limit=1000${token ? `&paginationToken=${token}` : ''}`;
        const page = await call('GET', `/index/${index}/vectors/list?${q}`, undefined, tenantKey(t));
        if (page.status !== 200) throw new Error(`list ${ns}: ${page.status} ${page.text}`);
        const out = JSON.parse(page.text);
        for (const v of out.vectors) seen.add(v.id);
        if (!out.pagination) break;
        token = out.pagination.next;
      }
      for (const id of acked[t]) if (!seen.has(id)) lost++;
      for (const id of seen) if (!acked[t].has(id)) extra++;
      const counted = stats.namespaces[ns] ? stats.namespaces[ns].vectorCount : 0;
      if (counted !== seen.size) errors.push(`stats count of ${ns} is ${counted}, listed ${seen.size}`);
    }
    const all = [...lat.upsert, ...lat.query].sort((a, b) => a - b);
    const summary = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] };
    };
    const done = lat.upsert.length + lat.query.length;
    return {
      options: { ...o, url: base },
      requests: done,
      notStarted,
      elapsedSeconds: elapsed,
      throughput: done / elapsed,
      vectorsPerSecond: (lat.upsert.length * o.batch) / elapsed,
      latencyMs: { all: summary(all), upsert: summary(lat.upsert), query: summary(lat.query) },
      errors,
      lostWrites: lost,
      unexpectedRecords: extra,
      acknowledgedRecords: acked.reduce((n, s) => n + s.size, 0),
      totalVectorCount: stats.totalVectorCount,
    };
  } finally {
    await call('DELETE', `/indexes/${index}`, undefined, o.adminKey).catch(() => {});
    if (worker) await worker.stop();
    if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

export function formatReport(r) {
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const line = (name, s) => `  ${name.padEnd(7)} n=${s.n}  p50=${f(s.p50)} ms  p99=${f(s.p99)} ms  max=${f(s.max)} ms`;
  return [
    `load: ${r.options.tenants} tenants x (${r.options.upserts} upserts of ${r.options.batch} + ${r.options.queries} queries), dim ${r.options.dim}, concurrency ${r.options.concurrency}`,
    `  machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
    `  ${r.requests} requests in ${r.elapsedSeconds.toFixed(2)} s: ${r.throughput.toFixed(0)} req/s, ${r.vectorsPerSecond.toFixed(0)} vectors/s upserted` +
      (r.notStarted ? ` (${r.notStarted} not started: time bound reached)` : ''),
    line('all', r.latencyMs.all),
    line('upsert', r.latencyMs.upsert),
    line('query', r.latencyMs.query),
    `  errors: ${r.errors.length}; acknowledged records: ${r.acknowledgedRecords}; lost writes: ${r.lostWrites}; unexpected records: ${r.unexpectedRecords}; stats total: ${r.totalVectorCount}`,
    ...r.errors.slice(0, 10).map((e) => `  error: ${e}`),
  ].join('\n');
}

function parseArgs(argv) {
  const o = {};
  const names = {
    '--tenants': 'tenants',
    '--upserts': 'upserts',
    '--batch': 'batch',
    '--queries': 'queries',
    '--concurrency': 'concurrency',
    '--dim': 'dim',
    '--max-seconds': 'maxSeconds',
    '--url': 'url',
    '--admin-key': 'adminKey',
    '--tenant-key-prefix': 'tenantKeyPrefix',
  };
  for (let i = 0; i < argv.length; i++) {
    const k = names[argv[i]];
    if (!k) throw new Error(`unknown option ${argv[i]}`);
    const v = argv[++i];
    o[k] = ['url', 'adminKey', 'tenantKeyPrefix'].includes(k) ? v : Number(v);
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await runLoad(parseArgs(process.argv.slice(2)));
  console.log(formatReport(report));
  const ok = report.errors.length === 0 && report.lostWrites === 0 && report.unexpectedRecords === 0 && report.notStarted === 0;
  process.exit(ok ? 0 : 1);
}
