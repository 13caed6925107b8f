// The storage-adapter interface in Node: the engine's storage conformance
// suite run through a JS in-memory adapter, a database reopened from an
// adapter, and an adapter that breaks the contract being caught.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pinecone, runStorageConformance } from '../../pkg/node.js';

/** Compares tuple keys as IndexedDB does: element by element, numbers before strings, prefix first. */
export function compareKeys(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return a.length - b.length;
}

const startsWith = (key, prefix) => key.length >= prefix.length && prefix.every((p, i) => key[i] === p);

/** A minimal in-memory adapter: a sorted array of [key, bytes]. */
export function memoryAdapter() {
  const rows = [];
  const find = (key) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(rows[mid][0], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    rows,
    async get(key) {
      const i = find(key);
      return i < rows.length && compareKeys(rows[i][0], key) === 0 ? rows[i][1].slice() : undefined;
    },
    async scan(prefix) {
      const out = [];
      for (let i = find(prefix); i < rows.length && startsWith(rows[i][0], prefix); i++) {
        out.push([rows[i][0].slice(), rows[i][1].slice()]);
      }
      return out;
    },
    async commit(ops) {
      // Validate everything first so the batch is all or nothing.
      for (const op of ops) {
        if (!['put', 'delete', 'deletePrefix'].includes(op.type)) throw new Error(`bad op ${op.type}`);
      }
      for (const op of ops) {
        const i = find(op.key);
        const hit = i < rows.length && compareKeys(rows[i][0], op.key) === 0;
        if (op.type === 'put') {
          if (hit) rows[i][1] = op.value.slice();
          else rows.splice(i, 0, [op.key.slice(), op.value.slice()]);
        } else if (op.type === 'delete') {
          if (hit) rows.splice(i, 1);
        } else {
          let j = i;
          while (j < rows.length && startsWith(rows[j][0], op.key)) j++;
          rows.splice(i, j - i);
        }
      }
    },
  };
}

const spec = { serverless: { cloud: 'aws', region: 'us-east-1' } };

test('storage conformance suite through a JS adapter', async () => {
  assert.equal(await runStorageConformance(memoryAdapter()), true);
});

test('the conformance suite catches a broken adapter', async () => {
  const a = memoryAdapter();
  // Wrong order: strings before numbers.
  const scan = a.scan;
  a.scan = async (p) => (await scan(p)).reverse();
  await assert.rejects(runStorageConformance(a), /conformance/);
});

test('reopen from an adapter: indexes, config and namespaces survive', async () => {
  const store = memoryAdapter();
  const pc = new Pinecone({ storage: store });
  await pc.createIndex({ name: 'docs', dimension: 3, metric: 'euclidean', spec, tags: { team: 'a' } });
  const idx = pc.index('docs');
  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      idx.namespace(`t${i % 5}`).upsert([{ id: `r${i}`, values: [i, 1, 1], metadata: { n: i } }]),
    ),
  );
  await idx.namespace('t1').deleteMany(['r1']);
  await idx.namespace('t4').deleteAll();

  const pc2 = new Pinecone({ storage: store });
  const d = await pc2.describeIndex('docs');
  assert.equal(d.dimension, 3);
  assert.equal(d.metric, 'euclidean');
  assert.deepEqual(d.tags, { team: 'a' });
  const stats = await pc2.index('docs').describeIndexStats();
  assert.equal(stats.totalRecordCount, 39);
  assert.deepEqual(Object.keys(stats.namespaces).sort(), ['t0', 't1', 't2', 't3']);
  const f = await pc2.index('docs').namespace('t2').fetch(['r2', 'r7', 'r12']);
  assert.deepEqual(Object.keys(f.records).sort(), ['r12', 'r2', 'r7']);
  assert.deepEqual(f.records.r7.metadata, { n: 7 });
  const q = await pc2.index('docs').namespace('t1').query({ topK: 3, vector: [6, 1, 1] });
  assert.equal(q.matches[0].id, 'r6');
  assert.ok(!q.matches.some((m) => m.id === 'r1'));
  // Offboarding through the adapter leaves no key of the tenant.
  await pc2.index('docs').deleteNamespace('t2');
  assert.ok(store.rows.every(([k]) => k[2] !== 't2'));
});

test('the graph built by an ingest is stored once writes pause, and on close; a reopen installs it', async () => {
  const store = memoryAdapter();
  const hasGraph = (ns) => store.rows.some(([k]) => k[0] === 'graph' && k[1] === 'g' && k[2] === ns);
  const pc = new Pinecone({ storage: store });
  await pc.createIndex({ name: 'g', dimension: 4, metric: 'euclidean', spec, conifer: { indexType: 'hnsw' } });
  const vec = (i) => [Math.sin(i), Math.cos(i * 1.3), (i % 17) / 17, (i % 5) - 2];
  const ingest = async (ns) => {
    for (let b = 0; b < 4; b++) {
      const records = Array.from({ length: 50 }, (_, j) => ({ id: `r${b * 50 + j}`, values: vec(b * 50 + j) }));
      await pc.index('g').namespace(ns).upsert(records);
    }
  };
  // Writes pause: the queued compaction stores the graph about a second later.
  await ingest('quiet');
  assert.equal(hasGraph('quiet'), false, 'not stored inside the ingest');
  const db = await pc._engine();
  assert.equal(db.compactionsDue(), 1);
  const deadline = Date.now() + 10_000;
  while (!hasGraph('quiet') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(hasGraph('quiet'), true, 'stored after the writes paused');
  // Closing right after an ingest stores the graph before it returns.
  await ingest('closed');
  assert.equal(hasGraph('closed'), false);
  await pc.close();
  assert.equal(hasGraph('closed'), true, 'close() stores the pending graph');

  const pc2 = new Pinecone({ storage: store });
  for (const ns of ['quiet', 'closed']) {
    const q = await pc2.index('g').namespace(ns).query({ topK: 1, vector: vec(123), efSearch: 16 });
    assert.equal(q.matches[0].id, 'r123');
  }
  // Installed, not rebuilt: a rebuild at load would queue a compaction to store it.
  assert.equal((await pc2._engine()).compactionsDue(), 0);
  await assert.rejects(pc2.index('g').namespace('quiet').query({ topK: 1, vector: vec(1), efSearch: 0 }), /efSearch/);
  await assert.rejects(pc2.index('g').namespace('quiet').query({ topK: 1, vector: vec(1), efSearch: 2.5 }), /efSearch/);
  await pc2.close();
});

test('s1 through an adapter: values live under their own keys and come back exactly', async () => {
  const store = memoryAdapter();
  let gets = 0; // reads of stored values
  let inFlight = 0;
  let maxInFlight = 0; // value reads awaited together (a round issues every get before awaiting any)
  const counted = {
    ...store,
    get: async (k) => {
      if (k[0] !== 'vec') return store.get(k);
      gets += 1;
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight -= 1;
      return store.get(k);
    },
  };
  const pc = new Pinecone({ storage: counted });
  await pc.createIndex({ name: 's', dimension: 8, metric: 'cosine', spec: { pod: { environment: 'e', podType: 's1.x1' } } });
  // Exact in binary, no two parallel: the base-4 digits of i, then 4, 1.
  const vec = (i) => [...Array.from({ length: 6 }, (_, d) => ((i >> (2 * d)) & 3) + 1), 4, 1];
  const ns = pc.index('s').namespace('t');
  for (let b = 0; b < 3; b++) {
    await ns.upsert(Array.from({ length: 500 }, (_, j) => ({ id: `r${b * 500 + j}`, values: vec(b * 500 + j), metadata: { b } })));
  }
  const vecKeys = () => store.rows.filter(([k]) => k[0] === 'vec' && k[1] === 's').length;
  assert.equal(vecKeys(), 1500);
  gets = 0;
  const q = await ns.query({ topK: 3, vector: vec(1234), includeValues: true, includeMetadata: true });
  assert.equal(q.matches[0].id, 'r1234');
  assert.deepEqual(q.matches[0].values, vec(1234));
  assert.ok(gets > 0 && gets <= 3 * 3, `rescoring read ${gets} values (3 x topK at most)`);
  assert.equal(maxInFlight, gets, 'the values of one rescoring round are read concurrently');
  const f = await ns.fetch(['r0', 'r999']);
  assert.deepEqual(f.records.r999.values, vec(999));
  await ns.update({ id: 'r0', metadata: { b: 9 } });
  const f2 = await ns.fetch(['r0']);
  assert.deepEqual(f2.records.r0.values, vec(0));
  assert.deepEqual(f2.records.r0.metadata, { b: 9 });
  await ns.deleteMany(['r1']);
  assert.equal(vecKeys(), 1499);
  await pc.close();
  const pc2 = new Pinecone({ storage: store });
  const q2 = await pc2.index('s').namespace('t').query({ topK: 1, id: 'r777', includeValues: true });
  assert.deepEqual(q2.matches[0].values, vec(777));
  await pc2.index('s').namespace('t').deleteAll();
  assert.equal(vecKeys(), 0);
  await pc2.close();
});
