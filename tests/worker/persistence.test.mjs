// Data survives a restart of the worker (a new workerd process over the
// same persistence directory): indexes, records, namespaces, schemas,
// registry counts, deletion protection and flushed metrics.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { start, vec, seedFixture, tempDir, parseProm, sleep } from './helpers.mjs';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('everything acknowledged before a restart is there after it', async () => {
  let c = await start({ persistDir: dir });
  let firstOrigin;
  try {
    firstOrigin = c.origin;
    await c.createIndex('keep', { deletion_protection: 'enabled', tags: { env: 'prod' } });
    await seedFixture(c, 'keep');
    const up = await c.req('POST', '/index/keep/vectors/update', { body: { namespace: 'tenant1', id: 'A', setMetadata: { genre: 'drama' } } });
    assert.equal(up.status, 200);
    const del = await c.req('POST', '/index/keep/vectors/delete', { body: { namespace: 'tenant2', ids: ['H'] } });
    assert.equal(del.status, 200);
    const ns = await c.req('POST', '/index/keep/namespaces', { body: { name: 'empty', schema: { fields: { genre: { filterable: true } } } } });
    assert.equal(ns.status, 200);
    // Many small writes: a segment log that the engine compacts on load.
    for (let i = 0; i < 70; i++) {
      assert.equal((await c.upsert('keep', 'log', [{ id: `r${i % 10}`, values: vec(i + 1) }])).status, 200);
    }
    await c.req('POST', '/indexes', {
      headers: { 'X-Pinecone-Api-Version': '2026-07' },
      body: {
        name: 'keep7',
        schema: { fields: { _values: { type: 'dense_vector', dimension: 8, metric: 'dotproduct' } } },
        deployment: { deployment_type: 'managed', cloud: 'aws', region: 'us-east-1' },
      },
    });
    await seedFixture(c, 'keep7');
    await sleep(700); // metrics deltas flushed to the catalog
  } finally {
    await c.close();
  }

  c = await start({ persistDir: dir });
  try {
    assert.notEqual(c.origin, firstOrigin);
    const d = await c.req('GET', '/indexes/keep');
    assert.equal(d.status, 200);
    assert.equal(d.json.deletion_protection, 'enabled');
    assert.deepEqual(d.json.tags, { env: 'prod' });
    assert.equal(d.json.host, `${c.origin}/index/keep`, 'the host follows the new address');
    assert.equal((await c.req('DELETE', '/indexes/keep')).status, 403);

    const s = await c.stats('keep');
    assert.deepEqual(s.json.namespaces, {
      empty: { vectorCount: 0 },
      log: { vectorCount: 10 },
      tenant1: { vectorCount: 4 },
      tenant2: { vectorCount: 3 },
    });
    assert.equal(s.json.totalVectorCount, 17);
    const f = await c.req('GET', '/index/keep/vectors/fetch?ids=A&ids=B&namespace=tenant1');
    assert.equal(f.status, 200, f.text);
    assert.deepEqual(f.json.vectors.A.metadata, { genre: 'drama' });
    assert.deepEqual(Object.keys(f.json.vectors).sort(), ['A', 'B']);
    const q = await c.query('keep', { namespace: 'tenant2', topK: 10, vector: vec(0.7) });
    assert.deepEqual(q.json.matches.map((m) => m.id).sort(), ['E', 'F', 'G']);
    const log = await c.req('GET', '/index/keep/vectors/fetch?ids=r9&namespace=log');
    assert.deepEqual(log.json.vectors.r9.values, vec(70));
    const e = await c.req('GET', '/index/keep/namespaces/empty');
    assert.deepEqual(e.json.schema, { fields: { genre: { filterable: true } } });
    const l = await c.req('GET', '/index/keep/namespaces');
    assert.deepEqual(l.json.namespaces.map((n) => n.name), ['empty', 'log', 'tenant1', 'tenant2']);

    const d7 = await c.req('GET', '/indexes/keep7', { headers: { 'X-Pinecone-Api-Version': '2026-07' } });
    assert.equal(d7.json.schema.fields._values.metric, 'dotproduct');
    const q7 = await c.query('keep7', { namespace: 'tenant2', topK: 1, vector: vec(0.7) });
    assert.equal(q7.json.matches[0].id, 'H');

    // Counters flushed before the restart are kept; new requests add to them.
    const m = parseProm((await c.req('GET', '/metrics')).text);
    const upserts = 'pinecone_request_count_total{index_name="keep",project_name="test-project",request_type="upsert"}';
    assert.equal(m.get(upserts), 72);
    assert.equal((await c.upsert('keep', 'tenant1', [{ id: 'N', values: vec(1) }])).status, 200);
    assert.equal(parseProm((await c.req('GET', '/metrics')).text).get(upserts), 73);

    // Writes and deletes keep working on the restored state.
    assert.equal((await c.req('DELETE', '/index/keep/namespaces/tenant2')).status, 200);
    assert.equal((await c.stats('keep')).json.namespaces.tenant2, undefined);
  } finally {
    await c.close();
  }
});

test('a namespace object stores its HNSW graph once writes pause, and reinstalls it after a restart', async () => {
  const gdir = tempDir();
  let c = await start({ persistDir: gdir });
  const v = (i) => [Math.sin(i), Math.cos(i * 1.3), (i % 17) / 17, (i % 5) - 2, 1, (i % 3) / 3, Math.sin(i / 7), 0.5];
  try {
    await c.createIndex('graphy', { metric: 'euclidean', conifer: { index_type: 'hnsw' } });
    for (let b = 0; b < 3; b++) {
      const recs = Array.from({ length: 100 }, (_, j) => ({ id: `r${b * 100 + j}`, values: v(b * 100 + j) }));
      assert.equal((await c.upsert('graphy', 'g', recs)).status, 200);
    }
    const obj = await c.namespaceObject('graphy', 'g');
    const deadline = Date.now() + 15_000;
    let kinds = await obj.storedKinds();
    while (!kinds.includes('graph') && Date.now() < deadline) {
      await sleep(100);
      kinds = await obj.storedKinds();
    }
    assert.ok(kinds.includes('graph'), `graph stored after the writes paused: ${kinds}`);
    // efSearch is accepted per query (a Conifer extension) and checked.
    const q = await c.query('graphy', { namespace: 'g', topK: 1, vector: v(77), efSearch: 8 });
    assert.equal(q.json.matches[0].id, 'r77');
    const bad = await c.query('graphy', { namespace: 'g', topK: 1, vector: v(77), efSearch: 0 });
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /efSearch/);
  } finally {
    await c.close();
  }
  c = await start({ persistDir: gdir });
  try {
    const q = await c.query('graphy', { namespace: 'g', topK: 1, vector: v(250) });
    assert.equal(q.json.matches[0].id, 'r250');
    // Installed, not rebuilt: a graph built at load queues a compaction to store it.
    assert.equal(await (await c.namespaceObject('graphy', 'g')).compactionsDue(), 0);
  } finally {
    await c.close();
    fs.rmSync(gdir, { recursive: true, force: true });
  }
});

test('s1 at the edge: values kept in Durable Object storage come back exactly, before and after a restart', async () => {
  const dir2 = tempDir();
  // Exact in binary, no two parallel: the base-4 digits of i, then 4, 1.
  const v = (i) => [...Array.from({ length: 6 }, (_, d) => ((i >> (2 * d)) & 3) + 1), 4, 1];
  const pod = { spec: { pod: { environment: 'us-east1-gcp', pod_type: 's1.x1' } } };
  let c = await start({ persistDir: dir2 });
  try {
    await c.createIndex('s1edge', pod);
    // 1,200 records: past the 1,000 from which s1 keeps float32 values in storage only.
    for (let b = 0; b < 2; b++) {
      const recs = Array.from({ length: 600 }, (_, j) => ({ id: `r${b * 600 + j}`, values: v(b * 600 + j), metadata: { b } }));
      assert.equal((await c.upsert('s1edge', 't', recs)).status, 200);
    }
    const kinds = await (await c.namespaceObject('s1edge', 't')).storedKinds();
    assert.ok(kinds.includes('vec'), `each record's values under a key of its own: ${kinds}`);
    const q = await c.query('s1edge', { namespace: 't', topK: 3, vector: v(1111), includeValues: true });
    assert.equal(q.status, 200, q.text);
    assert.equal(q.json.matches[0].id, 'r1111');
    assert.deepEqual(q.json.matches[0].values, v(1111));
    // A metadata-only update rewrites the whole record: it needs the stored values.
    const up = await c.req('POST', '/index/s1edge/vectors/update', { body: { namespace: 't', id: 'r7', setMetadata: { b: 9 } } });
    assert.equal(up.status, 200, up.text);
    const f = await c.req('GET', '/index/s1edge/vectors/fetch?ids=r7&ids=r1199&namespace=t');
    assert.deepEqual(f.json.vectors.r7.values, v(7));
    assert.deepEqual(f.json.vectors.r7.metadata, { b: 9 });
    assert.deepEqual(f.json.vectors.r1199.values, v(1199));
  } finally {
    await c.close();
  }
  c = await start({ persistDir: dir2 });
  try {
    assert.equal((await c.stats('s1edge')).json.namespaces.t.vectorCount, 1200);
    const q = await c.query('s1edge', { namespace: 't', topK: 1, id: 'r500', includeValues: true, includeMetadata: true });
    assert.equal(q.json.matches[0].id, 'r500');
    assert.deepEqual(q.json.matches[0].values, v(500));
    const f = await c.req('GET', '/index/s1edge/vectors/fetch?ids=r7&namespace=t');
    assert.deepEqual(f.json.vectors.r7.values, v(7));
    assert.deepEqual(f.json.vectors.r7.metadata, { b: 9 });
  } finally {
    await c.close();
    fs.rmSync(dir2, { recursive: true, force: true });
  }
});
