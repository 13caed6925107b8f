// Limits of the deployment: the per-namespace memory limit (one Durable
// Object in a 128 MB isolate), pod capacity across namespaces, filtered
// stats of pod indexes, and concurrent writes into one namespace.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, vec } from './helpers.mjs';

let c;
before(async () => {
  c = await start({ env: { CONIFER_MAX_NAMESPACE_BYTES: '60000' } });
});
after(() => c.close());

test('a namespace past the memory limit gets a clear 403 and stays usable', async () => {
  await c.createIndex('mem', { dimension: 256 });
  // 256 floats = 1,024 bytes a record: about 58 records fit in 60,000 bytes.
  const batch = (from, n) => Array.from({ length: n }, (_, i) => ({ id: `r${from + i}`, values: vec(i + from + 1, 256) }));
  for (let i = 0; i < 5; i++) assert.equal((await c.upsert('mem', 'big', batch(i * 10, 10))).status, 200);
  const r = await c.upsert('mem', 'big', batch(50, 20));
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.code, 8);
  assert.match(r.json.message, /over this deployment's limit of 60000 bytes per namespace/);
  // Nothing of the refused request was written; the namespace still works.
  assert.equal((await c.stats('mem')).json.namespaces.big.vectorCount, 50);
  const q = await c.query('mem', { namespace: 'big', topK: 3, vector: vec(1, 256) });
  assert.equal(q.status, 200);
  assert.equal(q.json.matches.length, 3);
  assert.equal((await c.upsert('mem', 'big', batch(50, 5))).status, 200);
  // Deleting makes room again; other namespaces are not affected.
  assert.equal((await c.req('POST', '/index/mem/vectors/delete', { body: { namespace: 'big', ids: batch(0, 30).map((v) => v.id) } })).status, 200);
  assert.equal((await c.upsert('mem', 'big', batch(100, 20))).status, 200);
  assert.equal((await c.upsert('mem', 'other', batch(0, 50))).status, 200);
});

test('pod capacity is enforced across namespaces', async () => {
  // The smallest capacities are tens of thousands of records: too many to
  // write here, so the test fills the rest of the index by hand.
  const model = await c.createIndex('pods', { dimension: 4, spec: { pod: { environment: 'us-east1-gcp', pod_type: 'p1.x1' } } });
  // Fill the index through its catalog: a namespace object trusts the
  // catalog's count of the other namespaces (`other`), so a large `other`
  // stands in for records elsewhere in the index.
  const catalog = await c.catalog();
  const cfg = await catalog.dataConfig('pods');
  // The capacity is the engine's, from its IndexModel.
  assert.equal(cfg.capacity, model.conifer.capacity);
  assert.equal(cfg.capacity, 1_250_000 * 4);
  const full = { ...cfg, other: cfg.capacity - 3 };
  const obj = await c.namespaceObject('pods', 'p1');
  const body = (ids) => JSON.stringify({ namespace: 'p1', vectors: ids.map((id) => ({ id, values: [1, 2, 3, 4] })) });
  let r = await obj.op(full, 'p1', 'upsert', body(['a', 'b', 'c']));
  assert.equal(r.status, 200, r.body);
  r = await obj.op(full, 'p1', 'upsert', body(['d']));
  assert.equal(r.status, 403);
  assert.match(JSON.parse(r.body).message, /is full/);
  // Overwriting existing ids adds nothing and is allowed.
  r = await obj.op(full, 'p1', 'upsert', body(['a', 'b']));
  assert.equal(r.status, 200, r.body);
});

test('filtered describe_index_stats on a pod index counts matches in every namespace', async () => {
  const model = await c.createIndex('podf', { spec: { pod: { environment: 'us-east1-gcp', pod_type: 's1.x1' } } });
  await c.upsert('podf', 'a', [
    { id: '1', values: vec(1), metadata: { g: 'x' } },
    { id: '2', values: vec(1), metadata: { g: 'y' } },
  ]);
  await c.upsert('podf', 'b', [{ id: '3', values: vec(1), metadata: { g: 'x' } }]);
  const s = await c.stats('podf', undefined, { filter: { g: 'x' } });
  assert.equal(s.status, 200, s.text);
  assert.deepEqual(s.json.namespaces, { a: { vectorCount: 1 }, b: { vectorCount: 1 } });
  assert.equal(s.json.totalVectorCount, 2);
  const all = await c.stats('podf');
  assert.equal(all.json.totalVectorCount, 3);
  assert.equal(all.json.indexFullness, 3 / model.conifer.capacity);
});

test('concurrent upserts, updates and deletes in one namespace lose nothing', async () => {
  await c.createIndex('conc');
  const n = 60;
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => c.upsert('conc', 'shared', [{ id: `id${i}`, values: vec(i + 1), metadata: { i } }])),
  );
  assert.ok(results.every((r) => r.status === 200));
  const ops = await Promise.all([
    ...Array.from({ length: 20 }, (_, i) =>
      c.req('POST', '/index/conc/vectors/update', { body: { namespace: 'shared', id: `id${i}`, setMetadata: { touched: true } } }),
    ),
    ...Array.from({ length: 10 }, (_, i) => c.req('POST', '/index/conc/vectors/delete', { body: { namespace: 'shared', ids: [`id${50 + i}`] } })),
    ...Array.from({ length: 10 }, () => c.query('conc', { namespace: 'shared', topK: 5, vector: vec(1) })),
  ]);
  assert.ok(ops.every((r) => r.status === 200));
  assert.equal((await c.stats('conc')).json.namespaces.shared.vectorCount, 50);
  const f = await c.req('GET', `/index/conc/vectors/fetch?${Array.from({ length: 20 }, (_, i) => `ids=id${i}`).join('&')}&namespace=shared`);
  assert.equal(Object.keys(f.json.vectors).length, 20);
  assert.ok(Object.values(f.json.vectors).every((v) => v.metadata.touched === true));
});
