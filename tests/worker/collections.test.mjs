// Collections through the REST API: Pinecone's /collections routes, an
// index restored from a collection (its namespaces spread over their own
// objects), Conifer's export/import of the portable bytes, the bytes
// crossing between the worker and the JS package in Node, and the refusals
// (corrupt uploads, 404/409, tenant keys, a failed restore leaving nothing).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { start, ADMIN, KEY1, vec, tempDir, sleep } from './helpers.mjs';
import { Pinecone } from '../../pkg/node.js';

let c;
before(async () => {
  c = await start();
});
after(() => c.close());

const V7 = { 'X-Pinecone-Api-Version': '2026-07' };
const POD = { pod: { environment: 'us-east1-gcp', pod_type: 'p1.x1' } };

function assertControlError(r, status, code, message) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.status, status);
  assert.equal(r.json.error.code, code);
  if (message instanceof RegExp) assert.match(r.json.error.message, message);
  else if (message !== undefined) assert.equal(r.json.error.message, message);
}

/** Raw bytes of GET /collections/{name}/export. */
async function exportBytes(name, key = ADMIN) {
  const r = await fetch(`${c.origin}/collections/${name}/export`, { headers: { 'Api-Key': key } });
  const bytes = new Uint8Array(await r.arrayBuffer());
  return { status: r.status, type: r.headers.get('content-type'), bytes };
}

/** PUT /collections/{name}/import with a raw body. */
async function importBytes(name, bytes, key = ADMIN) {
  const r = await fetch(`${c.origin}/collections/${name}/import`, {
    method: 'PUT',
    headers: { 'Api-Key': key, 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  const text = await r.text();
  return { status: r.status, text, json: text ? JSON.parse(text) : undefined };
}

/** Every record of `ns` as {id: {values, metadata, sparseValues}} (the wire's fetch, ids from list). */
async function records(index, ns) {
  const ids = [];
  let token;
  do {
    const q = new URLSearchParams({ namespace: ns, limit: '100' });
    if (token) q.set('paginationToken', token);
    const l = await c.req('GET', `/index/${index}/vectors/list?${q}`);
    assert.equal(l.status, 200, l.text);
    ids.push(...l.json.vectors.map((v) => v.id));
    token = l.json.pagination && l.json.pagination.next;
  } while (token);
  if (ids.length === 0) return {};
  const q = new URLSearchParams({ namespace: ns });
  for (const id of ids) q.append('ids', id);
  const f = await c.req('GET', `/index/${index}/vectors/fetch?${q}`);
  assert.equal(f.status, 200, f.text);
  return normalize(f.json.vectors);
}

function normalize(vectors) {
  const out = {};
  for (const [id, v] of Object.entries(vectors)) {
    out[id] = { values: v.values ?? [], metadata: v.metadata ?? null, sparseValues: v.sparseValues ?? null };
  }
  return out;
}

/** Namespace -> vectorCount of describe_index_stats. */
async function counts(index) {
  const s = await c.stats(index);
  assert.equal(s.status, 200, s.text);
  return Object.fromEntries(Object.entries(s.json.namespaces).map(([n, v]) => [n, v.vectorCount]));
}

async function seedSource(name) {
  await c.createIndex(name);
  const up = async (ns, vectors) => assert.equal((await c.upsert(name, ns, vectors)).status, 200);
  await up('tenant1', ['A', 'B', 'C', 'D'].map((id, i) => ({ id, values: vec(0.1 * (i + 1)), metadata: { genre: i % 2 ? 'drama' : 'comedy', i } })));
  await up('tenant2', ['E', 'F', 'G', 'H'].map((id, i) => ({ id, values: vec(0.1 * (i + 5)) })));
  await up('', [{ id: 'Z', values: vec(-0.5), metadata: { where: 'default' } }]);
  await up('odd "ns"/é', Array.from({ length: 150 }, (_, i) => ({ id: `r${i}`, values: vec(i + 1).map((x, j) => x + j) })));
}

const NAMESPACES = ['tenant1', 'tenant2', '', 'odd "ns"/é'];

test('create, describe, list, export, import under a new name, and restore into a pod index with another metric', async () => {
  await seedSource('col-src');
  const r = await c.req('POST', '/collections', { body: { name: 'snap', source: 'col-src' } });
  assert.equal(r.status, 201, r.text);
  const { size, ...rest } = r.json;
  assert.deepEqual(rest, {
    name: 'snap',
    status: 'Ready',
    environment: 'us-east-1-aws',
    dimension: 8,
    vector_count: 159,
    source: 'col-src',
  });
  assert.ok(size > 159 * 8 * 4, `${size}`);

  const d = await c.req('GET', '/collections/snap');
  assert.equal(d.status, 200);
  assert.deepEqual(d.json, r.json);
  const l = await c.req('GET', '/collections');
  assert.deepEqual(l.json, { collections: [r.json] });
  // The same through 2026-07.
  assert.deepEqual((await c.req('GET', '/collections/snap', { headers: V7 })).json, r.json);

  const ex = await exportBytes('snap');
  assert.equal(ex.status, 200);
  assert.equal(ex.type, 'application/octet-stream');
  assert.equal(ex.bytes.length, size);
  assert.deepEqual([...ex.bytes.subarray(0, 4)], [...Buffer.from('CNFC')]);

  const im = await importBytes('moved', ex.bytes);
  assert.equal(im.status, 201, im.text);
  assert.equal(im.json.name, 'moved');
  assert.equal(im.json.vector_count, 159);
  assert.equal(im.json.dimension, 8);
  assert.deepEqual((await c.req('GET', '/collections')).json.collections.map((x) => x.name), ['moved', 'snap']);

  const created = await c.req('POST', '/indexes', {
    body: {
      name: 'col-restored',
      dimension: 8,
      metric: 'euclidean',
      deletion_protection: 'enabled',
      spec: { pod: { ...POD.pod, source_collection: 'moved' } },
    },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.metric, 'euclidean');
  assert.equal(created.json.spec.pod.source_collection, 'moved');
  assert.equal(created.json.deletion_protection, 'enabled');
  const d7 = await c.req('GET', '/indexes/col-restored', { headers: V7 });
  assert.equal(d7.json.source_collection, 'moved');
  assert.equal(d7.json.deployment.deployment_type, 'pod');

  assert.deepEqual(await counts('col-restored'), await counts('col-src'));
  for (const ns of NAMESPACES) {
    const want = await records('col-src', ns);
    assert.ok(Object.keys(want).length > 0);
    assert.deepEqual(await records('col-restored', ns), want, `namespace '${ns}'`);
  }
  // The restored records are searchable, with the new metric, and writable.
  const q = await c.query('col-restored', { namespace: 'tenant2', topK: 1, vector: vec(0.7) });
  assert.equal(q.json.matches[0].id, 'G');
  assert.equal(q.json.matches[0].score, 0);
  assert.equal((await c.upsert('col-restored', 'tenant1', [{ id: 'N', values: vec(1) }])).status, 200);
  // Each namespace lives in its own object; the catalog's engine, which
  // made the index, holds no records of it.
  const obj = await c.namespaceObject('col-restored', 'tenant2');
  assert.ok((await obj.storedRows()) > 0);
  const own = await (await c.catalog()).answer('col-restored', 'tenant2', 'describe_namespace', '');
  assert.equal(own.status, 404, own.body);

  // The source and the first collection are untouched by all this.
  assert.equal((await c.req('GET', '/collections/snap')).json.vector_count, 159);
  assert.deepEqual((await exportBytes('snap')).bytes, ex.bytes);
  assert.equal((await c.req('DELETE', '/indexes/col-restored')).status, 403, 'deletion protection was applied');
  assert.equal((await c.req('PATCH', '/indexes/col-restored', { body: { deletion_protection: 'disabled' } })).status, 202);
  assert.equal((await c.req('DELETE', '/indexes/col-restored')).status, 202);
});

test('a serverless index from a collection of a pod index, a sparse collection, and an empty one', async () => {
  await c.createIndex('col-pod', { dimension: 4, metric: 'dotproduct', spec: POD });
  await c.upsert('col-pod', 'a', [{ id: '1', values: [1, 2, 3, 4], metadata: { k: 'v' } }]);
  assert.equal((await c.req('POST', '/collections', { body: { name: 'podsnap', source: 'col-pod' } })).json.environment, 'us-east1-gcp');
  const r = await c.req('POST', '/indexes', {
    body: { name: 'col-pod-sl', dimension: 4, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'podsnap' } } },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.spec.serverless.source_collection, 'podsnap');
  assert.deepEqual(await records('col-pod-sl', 'a'), await records('col-pod', 'a'));

  await c.createIndex('col-sparse', { dimension: undefined, vector_type: 'sparse', metric: 'dotproduct' });
  const sv = [{ id: 's1', sparseValues: { indices: [1, 7], values: [0.5, 0.25] } }, { id: 's2', sparseValues: { indices: [3], values: [1] } }];
  assert.equal((await c.upsert('col-sparse', 'x', sv)).status, 200);
  const sc = await c.req('POST', '/collections', { body: { name: 'sparsesnap', source: 'col-sparse' } });
  assert.equal(sc.status, 201, sc.text);
  assert.equal(sc.json.dimension, undefined);
  assert.equal(sc.json.vector_count, 2);
  const rs = await c.req('POST', '/indexes', {
    body: { name: 'col-sparse2', vector_type: 'sparse', metric: 'dotproduct', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'sparsesnap' } } },
  });
  assert.equal(rs.status, 201, rs.text);
  assert.deepEqual(await records('col-sparse2', 'x'), await records('col-sparse', 'x'));
  // A dense index cannot come from a sparse collection (the engine's check and text).
  const bad = await c.req('POST', '/indexes', {
    body: { name: 'col-sparse3', dimension: 4, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'sparsesnap' } } },
  });
  assertControlError(bad, 400, 'INVALID_ARGUMENT', /same dimension and vector type as the collection 'sparsesnap'/);
  assert.equal((await c.req('GET', '/indexes/col-sparse3')).status, 404);

  await c.createIndex('col-empty');
  const e = await c.req('POST', '/collections', { body: { name: 'emptysnap', source: 'col-empty' } });
  assert.equal(e.status, 201, e.text);
  assert.equal(e.json.vector_count, 0);
  const re = await c.req('POST', '/indexes', {
    body: { name: 'col-empty2', dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'emptysnap' } } },
  });
  assert.equal(re.status, 201, re.text);
  assert.deepEqual(await counts('col-empty2'), {});
});

test('corrupted, truncated and empty uploads are refused with a 400 and store nothing', async () => {
  await c.createIndex('col-c');
  await c.upsert('col-c', 'n', [{ id: 'a', values: vec(1) }, { id: 'b', values: vec(2) }]);
  assert.equal((await c.req('POST', '/collections', { body: { name: 'good', source: 'col-c' } })).status, 201);
  const { bytes } = await exportBytes('good');
  const before = (await c.req('GET', '/collections')).json;
  for (const at of [0, 5, 12, Math.floor(bytes.length / 2), bytes.length - 1]) {
    const bad = bytes.slice();
    bad[at] ^= 0x01;
    const r = await importBytes('bad', bad);
    assertControlError(r, 400, 'INVALID_ARGUMENT', /not a valid Conifer collection .*nothing was stored/);
  }
  for (const n of [1, 3, 20, bytes.length - 1]) {
    assertControlError(await importBytes('bad', bytes.slice(0, n)), 400, 'INVALID_ARGUMENT', /not a valid Conifer collection/);
  }
  assertControlError(await importBytes('bad', new Uint8Array(0)), 400, 'INVALID_ARGUMENT', /collection bytes/);
  assertControlError(await importBytes('bad', Buffer.from('{"name":"x"}')), 400, 'INVALID_ARGUMENT', /not a valid Conifer collection/);
  assertControlError(await c.req('GET', '/collections/bad'), 404, 'NOT_FOUND', 'Collection bad not found.');
  assert.deepEqual((await c.req('GET', '/collections')).json, before);
  // The intact bytes still import.
  assert.equal((await importBytes('bad', bytes)).status, 201);
  assert.equal((await c.req('DELETE', '/collections/bad')).status, 202);
});

test('404, 409, 400 and 405 cases', async () => {
  await c.createIndex('col-e');
  assertControlError(await c.req('GET', '/collections/nope'), 404, 'NOT_FOUND', 'Collection nope not found.');
  assertControlError(await c.req('DELETE', '/collections/nope'), 404, 'NOT_FOUND', 'Collection nope not found.');
  const ex = await fetch(`${c.origin}/collections/nope/export`, { headers: { 'Api-Key': ADMIN } });
  assert.equal(ex.status, 404);
  assert.equal((await ex.json()).error.message, 'Collection nope not found.');
  assertControlError(await c.req('POST', '/collections', { body: { name: 'x1', source: 'no-index' } }), 404, 'NOT_FOUND', 'Index no-index not found.');
  assertControlError(await c.req('POST', '/collections', { body: { name: 'x1' } }), 400, 'INVALID_ARGUMENT', /source/);
  assertControlError(await c.req('POST', '/collections', { body: { name: 'Bad_Name', source: 'col-e' } }), 400, 'INVALID_ARGUMENT');
  assertControlError(await c.req('POST', '/collections', { raw: 'nope' }), 400, 'INVALID_ARGUMENT');
  assertControlError(await c.req('POST', '/indexes', {
    body: { name: 'col-e2', dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'nope' } } },
  }), 404, 'NOT_FOUND', 'Collection nope not found.');
  assert.equal((await c.req('GET', '/indexes/col-e2')).status, 404);

  // Two creates of one name at once: one wins.
  const both = await Promise.all([1, 2].map(() => c.req('POST', '/collections', { body: { name: 'dup', source: 'col-e' } })));
  assert.deepEqual(both.map((r) => r.status).sort(), [201, 409]);
  assertControlError(await c.req('POST', '/collections', { body: { name: 'dup', source: 'col-e' } }), 409, 'ALREADY_EXISTS');
  const { bytes } = await exportBytes('dup');
  assertControlError(await importBytes('dup', bytes), 409, 'ALREADY_EXISTS');
  assertControlError(await importBytes('Bad_Name', bytes), 400, 'INVALID_ARGUMENT');
  // An index named like an existing one is still a 409, collection or not.
  assertControlError(await c.req('POST', '/indexes', {
    body: { name: 'col-e', dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'dup' } } },
  }), 409, 'ALREADY_EXISTS');
  // A wrong dimension is the engine's 400 and creates nothing.
  assertControlError(await c.req('POST', '/indexes', {
    body: { name: 'col-e3', dimension: 9, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'dup' } } },
  }), 400, 'INVALID_ARGUMENT', /same dimension and vector type as the collection 'dup' \(dimension 8\)/);
  assert.equal((await c.req('GET', '/indexes/col-e3')).status, 404);

  const m = await c.req('PUT', '/collections/dup');
  assertControlError(m, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(m.headers.get('allow'), 'GET, DELETE');
  assert.equal((await c.req('POST', '/collections/dup/export')).headers.get('allow'), 'GET');
  assert.equal((await c.req('GET', '/collections/dup/import')).headers.get('allow'), 'PUT');
  assertControlError(await c.req('GET', '/collections/dup/other'), 404, 'NOT_FOUND');

  assert.equal((await c.req('DELETE', '/collections/dup')).status, 202);
  assert.equal((await c.req('DELETE', '/collections/dup')).status, 404);
  assertControlError(await c.req('GET', '/collections/dup'), 404, 'NOT_FOUND');
});

test('collections need the admin credential', async () => {
  await c.createIndex('col-t');
  assert.equal((await c.req('POST', '/collections', { body: { name: 'tsnap', source: 'col-t' } })).status, 201);
  const { bytes } = await exportBytes('tsnap');
  for (const key of [KEY1]) {
    assertControlError(await c.req('GET', '/collections', { key }), 403, 'FORBIDDEN');
    assertControlError(await c.req('POST', '/collections', { key, body: { name: 't2', source: 'col-t' } }), 403, 'FORBIDDEN');
    assertControlError(await c.req('GET', '/collections/tsnap', { key }), 403, 'FORBIDDEN');
    assertControlError(await c.req('DELETE', '/collections/tsnap', { key }), 403, 'FORBIDDEN');
    const ex = await exportBytes('tsnap', key);
    assert.equal(ex.status, 403);
    assert.equal((await importBytes('t3', bytes, key)).status, 403);
    assertControlError(await c.req('POST', '/indexes', {
      key,
      body: { name: 't4', dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'tsnap' } } },
    }), 403, 'FORBIDDEN');
  }
  assertControlError(await c.req('GET', '/collections', { key: null }), 401, 'UNAUTHENTICATED');
  assert.deepEqual((await c.req('GET', '/collections')).json.collections.map((x) => x.name).filter((n) => /^t\d/.test(n)), []);
  assert.equal((await c.req('GET', '/collections/tsnap')).status, 200);
});

test('bytes exported by the worker restore in the JS package in Node, and the reverse', async () => {
  // Worker -> Node.
  await seedSource('col-x');
  assert.equal((await c.req('POST', '/collections', { body: { name: 'xsnap', source: 'col-x' } })).status, 201);
  const { bytes } = await exportBytes('xsnap');
  const pc = new Pinecone();
  const imported = await pc.importCollection('from-worker', bytes);
  assert.equal(imported.vectorCount, 159);
  await pc.createIndex({
    name: 'node-idx',
    dimension: 8,
    metric: 'dotproduct',
    spec: { serverless: { cloud: 'aws', region: 'us-east-1', sourceCollection: 'from-worker' } },
  });
  for (const ns of NAMESPACES) {
    const want = await records('col-x', ns);
    const got = await pc.index('node-idx').namespace(ns).fetch(Object.keys(want));
    assert.deepEqual(normalize(got.records), want, `namespace '${ns}'`);
  }
  // Exporting again in Node gives the worker's bytes but for the name.
  const again = await pc.exportCollection('from-worker');
  assert.equal(again.length, bytes.length - 'xsnap'.length + 'from-worker'.length);

  // Node -> worker.
  const src = new Pinecone();
  await src.createIndex({ name: 'made-in-node', dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1' } } });
  const recs = Array.from({ length: 40 }, (_, i) => ({ id: `n${i}`, values: vec(0.01 * (i + 1)).map((x, j) => x * (j + 1)), metadata: { i, even: i % 2 === 0 } }));
  await src.index('made-in-node').namespace('tenant1').upsert(recs.slice(0, 25));
  await src.index('made-in-node').namespace('tenant2').upsert(recs.slice(25));
  await src.index('made-in-node').upsert([{ id: 'dflt', values: vec(0.3) }]);
  await src.createCollection({ name: 'nodesnap', source: 'made-in-node' });
  const nodeBytes = await src.exportCollection('nodesnap');
  const up = await importBytes('from-node', nodeBytes);
  assert.equal(up.status, 201, up.text);
  assert.equal(up.json.vector_count, 41);
  const r = await c.req('POST', '/indexes', {
    body: { name: 'col-from-node', dimension: 8, metric: 'euclidean', spec: { pod: { ...POD.pod, source_collection: 'from-node' } } },
  });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(await counts('col-from-node'), { '': 1, tenant1: 25, tenant2: 15 });
  for (const ns of ['tenant1', 'tenant2', '']) {
    const got = await records('col-from-node', ns);
    const want = await src.index('made-in-node').namespace(ns).fetch(Object.keys(got));
    assert.deepEqual(got, normalize(want.records), `namespace '${ns}'`);
  }
  // And the worker's export of it imports back into Node unchanged.
  const back = await exportBytes('from-node');
  assert.deepEqual((await new Pinecone().importCollection('round-trip', back.bytes)).vectorCount, 41);
});

test('a restore that fails in one namespace object removes the index and wipes every object it touched', async () => {
  // A namespace over this worker's per-namespace memory limit, made in Node.
  const small = await start({ env: { CONIFER_MAX_NAMESPACE_BYTES: '20000' } });
  try {
    const pc = new Pinecone();
    await pc.createIndex({ name: 'big', dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1' } } });
    await pc.index('big').namespace('fits').upsert([{ id: 'a', values: vec(1) }]);
    await pc.index('big').namespace('huge').upsert(Array.from({ length: 1000 }, (_, i) => ({ id: `h${i}`, values: vec(i + 1) })));
    await pc.createCollection({ name: 'bigsnap', source: 'big' });
    const bytes = await pc.exportCollection('bigsnap');
    const put = await fetch(`${small.origin}/collections/bigsnap/import`, { method: 'PUT', headers: { 'Api-Key': ADMIN }, body: bytes });
    assert.equal(put.status, 201);
    const r = await small.req('POST', '/indexes', {
      body: { name: 'restore', dimension: 8, metric: 'cosine', deletion_protection: 'enabled', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'bigsnap' } } },
    });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.json.error.code, 'QUOTA_EXCEEDED');
    assert.match(r.json.error.message, /Namespace 'huge' .* over this deployment's limit of 20000 bytes/);
    assert.equal((await small.req('GET', '/indexes/restore')).status, 404);
    const catalog = await small.catalog();
    for (let i = 0; i < 50 && (await catalog.pendingWipes()) > 0; i++) await sleep(50);
    assert.equal(await catalog.pendingWipes(), 0);
    // A new index of the same name starts empty.
    await small.createIndex('restore');
    assert.deepEqual((await small.stats('restore')).json.namespaces, {});
    assert.equal((await small.req('GET', '/index/restore/vectors/fetch?ids=a&namespace=fits')).json.vectors.a, undefined);
  } finally {
    await small.close();
  }
});

test('collections over CONIFER_MAX_COLLECTION_BYTES are refused', async () => {
  const w = await start({ env: { CONIFER_MAX_COLLECTION_BYTES: '20000' } });
  try {
    await w.createIndex('q');
    const batch = (prefix, n) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, values: vec(i + 1) }));
    assert.equal((await w.upsert('q', 'one', batch('o', 600))).status, 200);
    // One namespace alone is too large: refused by its object.
    let r = await w.req('POST', '/collections', { body: { name: 'q1', source: 'q' } });
    assertControlError(r, 403, 'QUOTA_EXCEEDED', /Collection exceeds quota: namespace 'one' of index 'q' alone makes \d+ bytes, over this deployment's limit of 20000 bytes/);
    assert.equal((await w.req('DELETE', '/index/q/namespaces/one')).status, 200);
    // Each part fits, the merged collection does not: refused by the catalog.
    assert.equal((await w.upsert('q', 'x', batch('x', 350))).status, 200);
    assert.equal((await w.upsert('q', 'y', batch('y', 350))).status, 200);
    r = await w.req('POST', '/collections', { body: { name: 'q1', source: 'q' } });
    assertControlError(r, 403, 'QUOTA_EXCEEDED', /Collection exceeds quota: index 'q' makes a collection of \d+ bytes, over this deployment's limit of 20000 bytes/);
    assert.equal((await w.req('GET', '/collections')).json.collections.length, 0);
    // An upload over the limit.
    const put = await fetch(`${w.origin}/collections/q2/import`, { method: 'PUT', headers: { 'Api-Key': ADMIN }, body: new Uint8Array(20001) });
    assert.equal(put.status, 400);
    assert.match((await put.json()).error.message, /larger than this deployment's limit of 20000 bytes per collection/);
    // Under the limit all is well.
    assert.equal((await w.req('DELETE', '/index/q/namespaces/y')).status, 200);
    assert.equal((await w.req('POST', '/collections', { body: { name: 'q1', source: 'q' } })).status, 201);
  } finally {
    await w.close();
  }
});

test('collections are kept across a restart', async () => {
  const dir = tempDir();
  try {
    let w = await start({ persistDir: dir });
    let bytes;
    try {
      await w.createIndex('keep');
      await w.upsert('keep', 'a', [{ id: '1', values: vec(1) }]);
      assert.equal((await w.req('POST', '/collections', { body: { name: 'kept', source: 'keep' } })).status, 201);
      bytes = new Uint8Array(await (await fetch(`${w.origin}/collections/kept/export`, { headers: { 'Api-Key': ADMIN } })).arrayBuffer());
    } finally {
      await w.close();
    }
    w = await start({ persistDir: dir });
    try {
      assert.equal((await w.req('GET', '/collections/kept')).json.vector_count, 1);
      const again = new Uint8Array(await (await fetch(`${w.origin}/collections/kept/export`, { headers: { 'Api-Key': ADMIN } })).arrayBuffer());
      assert.deepEqual(again, bytes);
      const r = await w.req('POST', '/indexes', {
        body: { name: 'keep2', dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1', source_collection: 'kept' } } },
      });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual((await w.req('GET', '/index/keep2/vectors/fetch?ids=1&namespace=a')).json.vectors['1'].values, vec(1));
    } finally {
      await w.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
