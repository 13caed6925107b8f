// Tests of the built npm package (pkg/), through its public API, in Node.
// Covers the seed walkthrough, the §8 vectors of pinecone-api.md in both TS
// call shapes, client-side argument errors, bad inputs (the instance keeps
// working and keeps its data), and the error classes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Pinecone,
  PineconeArgumentError,
  PineconeBadRequestError,
  PineconeNotFoundError,
  PineconeConflictError,
} from '../../pkg/node.js';

const v = (x, n = 8) => Array(n).fill(x);
const close = (a, b, tol = 1e-6) => Math.abs(a - b) <= tol;
const spec = { serverless: { cloud: 'aws', region: 'us-east-1' } };

async function seed(metric = 'cosine') {
  const pc = new Pinecone();
  await pc.createIndex({ name: 'multitenant-app', dimension: 8, metric, spec });
  const index = pc.index('multitenant-app');
  await index.namespace('tenant1').upsert([
    { id: 'A', values: v(0.1) }, { id: 'B', values: v(0.2) }, { id: 'C', values: v(0.3) }, { id: 'D', values: v(0.4) },
  ]);
  await index.namespace('tenant2').upsert([
    { id: 'E', values: v(0.5) }, { id: 'F', values: v(0.6) }, { id: 'G', values: v(0.7) }, { id: 'H', values: v(0.8) },
  ]);
  return { pc, index };
}

test('seed walkthrough (cosine) and tenant isolation', async () => {
  const { index } = await seed();
  const res = await index.namespace('tenant2').query({ topK: 3, vector: v(0.7), includeValues: true });
  assert.equal(res.namespace, 'tenant2');
  assert.equal(res.matches.length, 3);
  for (const m of res.matches) {
    assert.ok(['E', 'F', 'G', 'H'].includes(m.id));
    assert.ok(close(m.score, 1), `score ${m.score}`);
    assert.equal(m.values.length, 8);
    assert.ok(close(m.values[0], { E: 0.5, F: 0.6, G: 0.7, H: 0.8 }[m.id]));
  }
  assert.equal(typeof res.usage.readUnits, 'number');
  const t1 = await index.namespace('tenant1').query({ topK: 3, vector: v(0.7) });
  assert.ok(t1.matches.every((m) => ['A', 'B', 'C', 'D'].includes(m.id)));
  const t3 = await index.namespace('tenant3').query({ topK: 3, vector: v(0.7) });
  assert.deepEqual(t3.matches, []);
});

test('euclidean squared ascending, dotproduct order', async () => {
  let { index } = await seed('euclidean');
  let res = await index.namespace('tenant2').query({ topK: 3, vector: v(0.7) });
  assert.equal(res.matches[0].id, 'G');
  assert.ok(close(res.matches[0].score, 0));
  assert.deepEqual(res.matches.slice(1).map((m) => m.id).sort(), ['F', 'H']);
  assert.ok(res.matches.slice(1).every((m) => close(m.score, 0.08, 1e-5)));
  ({ index } = await seed('dotproduct'));
  res = await index.namespace('tenant2').query({ topK: 3, vector: v(0.7) });
  assert.deepEqual(res.matches.map((m) => m.id), ['H', 'G', 'F']);
  [4.48, 3.92, 3.36].forEach((s, i) => assert.ok(close(res.matches[i].score, s, 1e-5)));
});

test('query by id, includeValues false, topK > count', async () => {
  const { index } = await seed();
  const t2 = index.namespace('tenant2');
  const byId = await t2.query({ topK: 1, id: 'G' });
  assert.equal(byId.matches.length, 1);
  assert.ok(close(byId.matches[0].score, 1));
  assert.deepEqual(byId.matches[0].values, []);
  assert.equal(byId.matches[0].metadata, undefined);
  assert.deepEqual((await t2.query({ topK: 2, id: 'nope' })).matches, []);
  assert.equal((await t2.query({ topK: 10, vector: v(1) })).matches.length, 4);
});

test('upsert overwrites, update merges, fetch omits missing (v6 and v7 shapes)', async () => {
  const pc = new Pinecone();
  await pc.createIndex({ name: 'x', dimension: 2, metric: 'cosine', spec });
  const ns = pc.index('x').namespace('n');
  await ns.upsert([{ id: 'X', values: [1, 2], metadata: { a: 1 } }]);
  await ns.upsert({ records: [{ id: 'X', values: [3, 4] }] });
  let f = await ns.fetch(['X', 'nope']);
  assert.deepEqual(Object.keys(f.records), ['X']);
  assert.deepEqual(f.records.X.values, [3, 4]);
  assert.equal(f.records.X.metadata, undefined);
  assert.equal(f.namespace, 'n');
  await ns.upsert([{ id: 'X', values: [1, 2], metadata: { genre: 'drama', year: 2020 } }]);
  await ns.update({ id: 'X', metadata: { year: 2021, rating: 5 } });
  f = await ns.fetch({ ids: ['X'] });
  assert.deepEqual(f.records.X.metadata, { genre: 'drama', year: 2021, rating: 5 });
  assert.deepEqual(f.records.X.values, [1, 2]);
  await ns.update({ id: 'missing', metadata: { a: 1 } });
  assert.deepEqual((await ns.fetch(['missing'])).records, {});
  // v7 per-call namespace overrides the bound one.
  await pc.index('x').upsert({ records: [{ id: 'Y', values: [1, 1] }], namespace: 'other' });
  assert.ok((await pc.index('x').fetch({ ids: ['Y'], namespace: 'other' })).records.Y);
  assert.deepEqual((await ns.fetch(['Y'])).records, {});
  // Typed arrays are accepted as values.
  await ns.upsert([{ id: 'T', values: new Float32Array([0.5, 0.25]) }]);
  assert.deepEqual((await ns.fetch(['T'])).records.T.values, [0.5, 0.25]);
});

test('server errors: dimension, zero vector, metadata size, limits', async () => {
  const { index } = await seed();
  const t1 = index.namespace('tenant1');
  await assert.rejects(t1.upsert([{ id: 'x', values: [1, 2, 3] }]), (e) => {
    assert.ok(e instanceof PineconeBadRequestError);
    assert.equal(e.name, 'PineconeBadRequestError');
    assert.equal(e.message, 'Vector dimension 3 does not match the dimension of the index 8');
    return true;
  });
  await assert.rejects(t1.query({ topK: 1, vector: [1, 2, 3] }), {
    name: 'PineconeBadRequestError',
    message: 'Query vector dimension 3 does not match the dimension of the index 8',
  });
  await assert.rejects(t1.upsert([{ id: 'z', values: v(0) }]), {
    message: "Dense vectors must contain at least one non-zero value. Vector ID 'z' contains only zeros",
  });
  await assert.rejects(t1.upsert([{ id: 'm', values: v(1), metadata: { t: 'x'.repeat(41000) } }]), (e) =>
    /metadata size is \d+ bytes, which exceeds the limit of 40960 bytes per vector/.test(e.message));
  const many = Array.from({ length: 1001 }, (_, i) => ({ id: `${i}`, values: v(1) }));
  await assert.rejects(t1.upsert(many), PineconeBadRequestError);
  await assert.rejects(t1.fetch(Array.from({ length: 1001 }, (_, i) => `${i}`)), PineconeBadRequestError);
  await assert.rejects(t1.deleteMany(Array.from({ length: 1001 }, (_, i) => `${i}`)), PineconeBadRequestError);
  await assert.rejects(t1.query({ topK: 10001, vector: v(1) }), PineconeBadRequestError);
  await assert.rejects(t1.upsert([{ id: 'i'.repeat(513), values: v(1) }]), PineconeBadRequestError);
  for (const metadata of [{ a: null }, { a: { b: 1 } }, { l: [1, 2] }, JSON.parse('{"__proto__": {"x": 1}}'), { constructor: 'x' }, { prototype: 1 }]) {
    await assert.rejects(t1.upsert([{ id: 'bad', values: v(1), metadata }]), PineconeBadRequestError, JSON.stringify(metadata));
  }
  await assert.rejects(t1.query({ topK: 1, vector: v(1), filter: { genre: { $regex: 'x' } } }), PineconeBadRequestError);
  await assert.rejects(t1.query({ topK: 1, vector: v(1), filter: { g: { $in: Array.from({ length: 10001 }, (_, i) => i) } } }), PineconeBadRequestError);
  let deep = { a: 1 };
  for (let i = 0; i < 50; i++) deep = { $and: [deep] };
  await assert.rejects(t1.query({ topK: 1, vector: v(1), filter: deep }), PineconeBadRequestError);
  // The instance still works and kept its data.
  const f = await t1.fetch(['A', 'B', 'C', 'D', 'bad', 'z']);
  assert.deepEqual(Object.keys(f.records).sort(), ['A', 'B', 'C', 'D']);
  const r = await index.namespace('tenant2').query({ topK: 3, vector: v(0.7) });
  assert.equal(r.matches.length, 3);
});

test('client-side argument errors (PineconeArgumentError, thrown before any work)', async () => {
  const { pc, index } = await seed();
  const t1 = index.namespace('tenant1');
  const cases = [
    [() => t1.upsert([]), 'Must pass in at least 1 record to upsert.'],
    [() => t1.upsert([{ values: v(1) }]), 'Every record must include an `id` property in order to upsert.'],
    [() => t1.upsert([{ id: 'a' }]), 'Every record must include either `values` or `sparseValues` in order to upsert.'],
    [() => t1.upsert([{ id: 'a', values: v(1), extra: 1 }]), /Object contained invalid properties: extra/],
    [() => t1.upsert([{ id: 'a', values: ['0.1', 0, 0, 0, 0, 0, 0, 0] }]), /must be an array of numbers/],
    [() => t1.upsert([{ id: 'a', values: [NaN, 0, 0, 0, 0, 0, 0, 1] }]), /finite numbers/],
    [() => t1.upsert([{ id: 'a', values: [Infinity, 0, 0, 0, 0, 0, 0, 1] }]), /finite numbers/],
    [() => t1.upsert([{ id: 7, values: v(1) }]), /`id` must be a string/],
    [() => t1.query({ vector: v(1) }), 'You must enter an integer for the `topK` search results to be returned.'],
    [() => t1.query({ topK: '3', vector: v(1) }), 'You must enter an integer for the `topK` search results to be returned.'],
    [() => t1.query({ topK: 0, vector: v(1) }), '`topK` property must be greater than 0.'],
    [() => t1.query({ topK: 1, vector: v(1), filter: {} }), 'You must enter a `filter` object with at least one key-value pair.'],
    [() => t1.query({ topK: 1, id: '' }), /non-empty string for the `id`/],
    [() => t1.query({ topK: 1, vector: [] }), /non-empty `vector`/],
    [() => t1.fetch([]), 'Must pass in at least 1 recordID.'],
    [() => t1.update({ metadata: { a: 1 } }), /exactly one of `id` or `filter`/],
    [() => t1.update({ id: 'a', filter: { a: 1 }, metadata: { a: 1 } }), /exactly one of `id` or `filter`/],
    [() => pc.configureIndex('multitenant-app', {}), 'You must pass at least one configuration option to configureIndex.'],
    [() => pc.createIndex({ name: 'n', metric: 'cosine', spec }), 'You must pass a positive `dimension` when creating a dense index.'],
    [() => pc.createIndex({ name: 'n', dimension: 3, vectorType: 'sparse', spec }), 'Sparse indexes cannot have a `dimension`.'],
    [() => pc.createIndex({ name: 'n', dimension: 3, metric: 'manhattan', spec }), /Invalid metric value/],
  ];
  for (const [fn, msg] of cases) {
    await assert.rejects(fn, (e) => {
      assert.ok(e instanceof PineconeArgumentError, `${e.name}: ${e.message}`);
      if (msg instanceof RegExp) assert.match(e.message, msg);
      else assert.equal(e.message, msg);
      return true;
    });
  }
  assert.equal((await t1.describeIndexStats()).namespaces.tenant1.recordCount, 4);
});

test('filters on list-valued metadata and ranges', async () => {
  const pc = new Pinecone();
  await pc.createIndex({ name: 'm', dimension: 2, spec });
  const idx = pc.index('m');
  await idx.upsert([
    { id: 'R', values: [1, 0], metadata: { genre: ['comedy', 'documentary'], year: 2019 } },
    { id: 'S', values: [1, 1], metadata: { genre: 'drama', year: 2020 } },
    { id: 'T', values: [0, 1], metadata: { year: 2021 } },
  ]);
  const q = async (filter) => (await idx.query({ topK: 10, vector: [1, 1], filter })).matches.map((m) => m.id).sort();
  assert.deepEqual(await q({ genre: 'comedy' }), ['R']);
  assert.deepEqual(await q({ genre: { $in: ['documentary', 'action'] } }), ['R']);
  assert.deepEqual(await q({ $and: [{ genre: 'comedy' }, { genre: 'documentary' }] }), ['R']);
  assert.deepEqual(await q({ $and: [{ genre: 'comedy' }, { genre: 'drama' }] }), []);
  await assert.rejects(q({ genre: ['comedy', 'documentary'] }), PineconeBadRequestError);
  assert.deepEqual(await q({ year: { $gte: 2020 } }), ['S', 'T']);
  assert.deepEqual(await q({ year: { $lt: 2020.5 } }), ['R', 'S']);
  assert.deepEqual(await q({ year: { $in: [2019, 2021] } }), ['R', 'T']);
  assert.deepEqual(await q({ genre: { $ne: 'drama' } }), ['R']);
  assert.deepEqual(await q({ genre: { $exists: true } }), ['R', 'S']);
  assert.deepEqual(await q({ $or: [{ year: 2021 }, { genre: 'drama' }] }), ['S', 'T']);
  const meta = (await idx.query({ topK: 1, vector: [1, 0], includeMetadata: true })).matches[0].metadata;
  assert.deepEqual(meta, { genre: ['comedy', 'documentary'], year: 2019 });
});

test('delete paths in both shapes, list pagination, stats, default namespace', async () => {
  const pc = new Pinecone();
  await pc.createIndex({ name: 'd', dimension: 2, spec });
  const idx = pc.index('d');
  const t = idx.namespace('t');
  await t.upsert([
    { id: 'doc1#1', values: [1, 1], metadata: { genre: 'drama' } },
    { id: 'doc1#3', values: [1, 2], metadata: { genre: 'comedy' } },
    { id: 'doc1#2', values: [1, 3], metadata: { genre: 'drama' } },
    { id: 'doc2#1', values: [1, 4] },
  ]);
  let page = await t.listPaginated({ prefix: 'doc1#' });
  assert.deepEqual(page.vectors, [{ id: 'doc1#1' }, { id: 'doc1#2' }, { id: 'doc1#3' }]);
  assert.equal(page.pagination, undefined);
  page = await t.listPaginated({ prefix: 'doc1#', limit: 2 });
  assert.deepEqual(page.vectors.map((x) => x.id), ['doc1#1', 'doc1#2']);
  const next = await t.listPaginated({ prefix: 'doc1#', limit: 2, paginationToken: page.pagination.next });
  assert.deepEqual(next.vectors.map((x) => x.id), ['doc1#3']);
  assert.equal(next.pagination, undefined);

  await t.deleteMany({ genre: 'drama' }); // v6 filter form
  assert.deepEqual(Object.keys((await t.fetch(['doc1#1', 'doc1#2', 'doc1#3'])).records), ['doc1#3']);
  await t.deleteMany({ filter: { genre: 'comedy' } }); // v7 form
  await t.deleteOne('nope');
  await t.deleteOne({ id: 'doc2#1' });
  await t.upsert([{ id: 'k', values: [1, 1] }]);
  await t.deleteMany({ ids: ['k'] });
  assert.equal((await idx.describeIndexStats()).namespaces.t.recordCount, 0);
  await t.upsert([{ id: 'k', values: [1, 1] }]);
  await t.deleteAll();
  const stats = await idx.describeIndexStats();
  assert.equal(stats.namespaces.t, undefined);
  await assert.rejects(t.deleteOne('k'), PineconeNotFoundError);
  await idx.upsert([{ id: 'def', values: [1, 1] }]);
  assert.ok((await idx.namespace('').fetch(['def'])).records.def);
  assert.ok((await idx.namespace('__default__').fetch(['def'])).records.def);
  const s2 = await idx.describeIndexStats();
  assert.deepEqual(s2, { namespaces: { '': { recordCount: 1 } }, dimension: 2, indexFullness: 0, totalRecordCount: 1 });
  await idx.deleteAll({ namespace: '__default__' });
  assert.equal((await idx.describeIndexStats()).totalRecordCount, 0);
});

test('stats of the seed, namespaces API', async () => {
  const { index } = await seed();
  assert.deepEqual(await index.describeIndexStats(), {
    namespaces: { tenant1: { recordCount: 4 }, tenant2: { recordCount: 4 } },
    dimension: 8,
    indexFullness: 0,
    totalRecordCount: 8,
  });
  const list = await index.listNamespaces({ limit: 1 });
  assert.deepEqual(list.namespaces.map(({ name, recordCount }) => ({ name, recordCount })), [{ name: 'tenant1', recordCount: '4' }]);
  assert.ok(list.namespaces[0].sizeBytes >= 4 * 8 * 4);
  assert.equal(list.totalCount, 2);
  const rest = await index.listNamespaces(1, list.pagination.next);
  assert.deepEqual(rest.namespaces.map((n) => n.name), ['tenant2']);
  const d = await index.describeNamespace('tenant2');
  assert.deepEqual({ name: d.name, recordCount: d.recordCount }, { name: 'tenant2', recordCount: '4' });
  assert.ok(d.sizeBytes >= 4 * 8 * 4);
  await index.deleteNamespace('tenant2');
  await assert.rejects(index.describeNamespace('tenant2'), PineconeNotFoundError);
  const created = await index.createNamespace({ name: 'fresh' });
  assert.equal(created.name, 'fresh');
  await assert.rejects(index.createNamespace({ name: 'fresh' }), PineconeConflictError);
});

test('index lifecycle: create, describe, list, configure, protect, delete, host targeting', async () => {
  const pc = new Pinecone();
  const model = await pc.createIndex({
    name: 'life', dimension: 4, metric: 'euclidean', spec, deletionProtection: 'enabled', tags: { env: 'dev', team: 'a' },
  });
  assert.equal(model.name, 'life');
  assert.equal(model.deletionProtection, 'enabled');
  assert.deepEqual(model.status, { ready: true, state: 'Ready' });
  assert.deepEqual(model.spec.serverless.cloud, 'aws');
  assert.equal(typeof model.host, 'string');
  await assert.rejects(pc.createIndex({ name: 'life', dimension: 4, spec }), PineconeConflictError);
  assert.equal(await pc.createIndex({ name: 'life', dimension: 4, spec, suppressConflicts: true }), undefined);
  for (const name of ['My_Index', 'a'.repeat(46), '-x']) {
    await assert.rejects(pc.createIndex({ name, dimension: 4, spec }), PineconeBadRequestError);
  }
  await assert.rejects(pc.describeIndex('nope'), (e) => e instanceof PineconeNotFoundError && e.message === 'Index nope not found.');
  await assert.rejects(pc.deleteIndex('life'), (e) => {
    assert.equal(e.name, 'PineconeBadRequestError');
    assert.match(e.message, /Deletion protection is enabled for this index/);
    return true;
  });
  let c = await pc.configureIndex('life', { tags: { env: '', owner: 'me' } }); // v6 shape
  assert.deepEqual(c.tags, { team: 'a', owner: 'me' });
  c = await pc.configureIndex({ name: 'life', deletionProtection: 'disabled' }); // v7 shape
  assert.equal(c.deletionProtection, 'disabled');
  // Targeting by host.
  const byHost = pc.index({ host: c.host });
  await byHost.upsert([{ id: 'h', values: [1, 2, 3, 4] }]);
  assert.ok((await pc.index('life').fetch(['h'])).records.h);
  assert.deepEqual((await pc.listIndexes()).indexes.map((i) => i.name), ['life']);
  await pc.deleteIndex('life');
  assert.deepEqual((await pc.listIndexes()).indexes, []);
  await assert.rejects(pc.index('life').query({ topK: 1, vector: [1, 2, 3, 4] }), PineconeNotFoundError);
  // Pod spec is recorded and described.
  const pod = await pc.createIndex({ name: 'pod', dimension: 768, spec: { pod: { environment: 'us-east1-gcp', podType: 's1.x2', pods: 2, metadataConfig: { indexed: ['genre'] } } } });
  assert.equal(pod.spec.pod.podType, 's1.x2');
  assert.equal(pod.spec.pod.shards, 2);
  assert.deepEqual(pod.spec.pod.metadataConfig, { indexed: ['genre'] });
  const re = await pc.configureIndex({ name: 'pod', podReplicas: 3, podType: 's1.x4' });
  assert.equal(re.spec.pod.replicas, 3);
  assert.equal(re.spec.pod.podType, 's1.x4');
});

test('concurrent upserts (Promise.all) are all applied', async () => {
  const pc = new Pinecone();
  await pc.createIndex({ name: 'c', dimension: 4, spec });
  const ns = pc.index('c').namespace('t');
  await Promise.all(
    Array.from({ length: 100 }, (_, i) => ns.upsert(Array.from({ length: 10 }, (_, j) => ({ id: `r${i}-${j}`, values: [i + 1, j, 1, 1] })))),
  );
  assert.equal((await pc.index('c').describeIndexStats()).totalRecordCount, 1000);
});

test('metrics after a known sequence', async () => {
  const { pc, index } = await seed();
  await index.namespace('tenant2').query({ topK: 1, vector: v(1) });
  await assert.rejects(index.namespace('tenant2').query({ topK: 1, vector: [1] }));
  await index.describeIndexStats();
  const m = await pc.metrics();
  const count = (type) => Number(m.text.match(new RegExp(`pinecone_request_count_total\\{index_name="multitenant-app",project_name="conifer",request_type="${type}"\\} (\\d+)`))?.[1]);
  assert.equal(count('upsert'), 2);
  assert.equal(count('query'), 2);
  assert.equal(count('describe_index_stats'), 1);
  assert.match(m.text, /pinecone_request_error_count_total\{index_name="multitenant-app",project_name="conifer",request_type="query"\} 1/);
  assert.match(m.text, /pinecone_vector_count\{index_name="multitenant-app",project_name="conifer"\} 8/);
  assert.match(m.text, /pinecone_request_latency_seconds_count\{index_name="multitenant-app",project_name="conifer",request_type="query"\} 2/);
  assert.equal(m.indexes['multitenant-app'].vector_count, 8);
});

test('collections: create, describe, restore with another metric and spec, export/import across databases', async () => {
  const { pc, index } = await seed();
  await index.namespace('tenant1').update({ id: 'A', metadata: { k: 'v' } });
  const c = await pc.createCollection({ name: 'snap', source: 'multitenant-app' });
  assert.deepEqual(
    { name: c.name, status: c.status, dimension: c.dimension, vectorCount: c.vectorCount, environment: c.environment },
    { name: 'snap', status: 'Ready', dimension: 8, vectorCount: 8, environment: 'us-east-1-aws' },
  );
  assert.ok(c.size > 0);
  assert.deepEqual((await pc.listCollections()).collections.map((x) => x.name), ['snap']);
  await assert.rejects(pc.createCollection({ name: 'snap', source: 'multitenant-app' }), PineconeConflictError);
  await assert.rejects(pc.describeCollection('nope'), PineconeNotFoundError);
  await pc.createIndex({ name: 'restored', dimension: 8, metric: 'euclidean', spec: { pod: { environment: 'us-east1-gcp', podType: 'p1.x1', sourceCollection: 'snap' } } });
  const ids = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
  for (const ns of ['tenant1', 'tenant2']) {
    assert.deepEqual(
      (await pc.index('restored').namespace(ns).fetch(ids)).records,
      (await index.namespace(ns).fetch(ids)).records,
    );
  }
  const bytes = await pc.exportCollection('snap');
  assert.ok(bytes instanceof Uint8Array && bytes.length === c.size);
  const other = new Pinecone();
  await other.importCollection('moved', bytes);
  await other.createIndex({ name: 'moved-index', dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', sourceCollection: 'moved' } } });
  const r = await other.index('moved-index').namespace('tenant2').query({ topK: 3, vector: v(0.7) });
  assert.equal(r.matches.length, 3);
  const bad = bytes.slice();
  bad[Math.floor(bad.length / 2)] ^= 1;
  await assert.rejects(other.importCollection('bad', bad), { name: 'ConiferCorruptionError' });
  await assert.rejects(other.importCollection('bad', bytes.slice(0, bytes.length - 3)), { name: 'ConiferCorruptionError' });
  assert.deepEqual((await other.listCollections()).collections.map((x) => x.name), ['moved']);
  await pc.deleteCollection('snap');
  await assert.rejects(pc.describeCollection('snap'), PineconeNotFoundError);
});
