// Control plane of the worker on workerd: /indexes in both API versions,
// /backups (501), unknown routes, methods, error bodies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, KEY1, vec } from './helpers.mjs';

let c;
before(async () => {
  c = await start();
});
after(() => c.close());

const serverless = { serverless: { cloud: 'aws', region: 'us-east-1' } };
const V7 = { 'X-Pinecone-Api-Version': '2026-07' };
const V4 = { 'X-Pinecone-Api-Version': '2026-04' };

function assertControlError(r, status, code, message) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.status, status);
  assert.equal(r.json.error.code, code);
  if (message instanceof RegExp) assert.match(r.json.error.message, message);
  else if (message !== undefined) assert.equal(r.json.error.message, message);
}

test('create (2026-04) returns 201 with an IndexModel whose host routes back to the worker', async () => {
  const r = await c.req('POST', '/indexes', {
    headers: V4,
    body: { name: 'cp-a', dimension: 8, metric: 'euclidean', spec: serverless, tags: { env: 'dev' } },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.name, 'cp-a');
  assert.equal(r.json.dimension, 8);
  assert.equal(r.json.metric, 'euclidean');
  assert.equal(r.json.vector_type, 'dense');
  assert.equal(r.json.deletion_protection, 'disabled');
  assert.deepEqual(r.json.tags, { env: 'dev' });
  assert.deepEqual(r.json.status, { ready: true, state: 'Ready' });
  assert.equal(r.json.spec.serverless.cloud, 'aws');
  assert.equal(r.json.host, `${c.origin}/index/cp-a`);
  assert.equal(r.json.private_host, undefined);
  // The host works as the data-plane base URL.
  const up = await c.req('POST', new URL(r.json.host).pathname + '/vectors/upsert', {
    body: { vectors: [{ id: 'x', values: vec(1) }] },
  });
  assert.equal(up.status, 200, up.text);
  assert.deepEqual(up.json, { upsertedCount: 1 });
});

test('the host follows X-Forwarded-Proto / X-Forwarded-Host', async () => {
  const r = await c.req('GET', '/indexes/cp-a', {
    headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'vectors.example.com' },
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.host, 'https://vectors.example.com/index/cp-a');
});

test('create errors: names, dimension, metric, spec, duplicates, bodies', async () => {
  const bad = async (body, status, code, message) =>
    assertControlError(await c.req('POST', '/indexes', { body }), status, code, message);
  const nameRule =
    'Index name must contain only lowercase alphanumeric characters or hyphens, and must not begin or end with a hyphen.';
  await bad({ name: 'My_Index', dimension: 8, spec: serverless }, 400, 'INVALID_ARGUMENT', nameRule);
  await bad({ name: '-abc', dimension: 8, spec: serverless }, 400, 'INVALID_ARGUMENT', nameRule);
  await bad({ name: 'a'.repeat(46), dimension: 8, spec: serverless }, 400, 'INVALID_ARGUMENT', /45 characters/);
  await bad({ name: 'cp-dim', dimension: 20001, spec: serverless }, 400, 'INVALID_ARGUMENT', /between 1 and 20000/);
  await bad({ name: 'cp-dim', dimension: 0, spec: serverless }, 400, 'INVALID_ARGUMENT', /between 1 and 20000/);
  await bad({ name: 'cp-m', dimension: 8, metric: 'manhattan', spec: serverless }, 400, 'INVALID_ARGUMENT', /Invalid metric/);
  await bad({ name: 'cp-s', dimension: 8 }, 400, 'INVALID_ARGUMENT', /spec/);
  await bad({ name: 'cp-s', vector_type: 'sparse', dimension: 8, spec: serverless }, 400, 'INVALID_ARGUMENT', /cannot have a `dimension`/);
  await bad({ name: 'cp-a', dimension: 8, spec: serverless }, 409, 'ALREADY_EXISTS', 'Resource already exists.');
  assertControlError(await c.req('POST', '/indexes', { raw: '{"name": ' }), 400, 'INVALID_ARGUMENT', /parse the request body/);
  assertControlError(await c.req('POST', '/indexes', { raw: '[1,2]' }), 422, 'UNPROCESSABLE_ENTITY');
  assertControlError(await c.req('POST', '/indexes', { raw: '' }), 400, 'INVALID_ARGUMENT');
  // None of them created anything.
  const list = await c.req('GET', '/indexes');
  assert.deepEqual(list.json.indexes.map((i) => i.name).filter((n) => n.startsWith('cp-')).sort(), ['cp-a']);
});

test('describe, list, 404 with Pinecone text', async () => {
  const d = await c.req('GET', '/indexes/cp-a');
  assert.equal(d.status, 200);
  assert.equal(d.json.name, 'cp-a');
  assertControlError(await c.req('GET', '/indexes/nope'), 404, 'NOT_FOUND', 'Index nope not found.');
  const l = await c.req('GET', '/indexes');
  assert.equal(l.status, 200);
  assert.ok(l.json.indexes.some((i) => i.name === 'cp-a' && i.host === `${c.origin}/index/cp-a`));
});

test('configure merges tags, sets deletion protection; protected delete is 403', async () => {
  await c.createIndex('cp-prot', { tags: { env: 'dev', team: 'x' } });
  const r = await c.req('PATCH', '/indexes/cp-prot', {
    body: { deletion_protection: 'enabled', tags: { env: '', owner: 'me' } },
  });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.deletion_protection, 'enabled');
  assert.deepEqual(r.json.tags, { owner: 'me', team: 'x' });
  assertControlError(
    await c.req('DELETE', '/indexes/cp-prot'),
    403,
    'FORBIDDEN',
    'Deletion protection is enabled for this index. Disable deletion protection before retrying.',
  );
  assert.equal((await c.req('GET', '/indexes/cp-prot')).status, 200);
  assertControlError(
    await c.req('PATCH', '/indexes/cp-prot', { body: { deletion_protection: 'maybe' } }),
    400,
    'INVALID_ARGUMENT',
    /deletion_protection/,
  );
  assertControlError(await c.req('PATCH', '/indexes/nope', { body: { tags: { a: 'b' } } }), 404, 'NOT_FOUND');
  assert.equal((await c.req('PATCH', '/indexes/cp-prot', { body: { deletion_protection: 'disabled' } })).status, 202);
  const del = await c.req('DELETE', '/indexes/cp-prot');
  assert.equal(del.status, 202);
  assert.equal(del.text, '');
  // Synchronous: the very next describe is 404.
  assertControlError(await c.req('GET', '/indexes/cp-prot'), 404, 'NOT_FOUND', 'Index cp-prot not found.');
  assertControlError(await c.req('DELETE', '/indexes/cp-prot'), 404, 'NOT_FOUND');
});

test('deleting an index wipes its namespaces; a re-created index of the same name starts empty', async () => {
  await c.createIndex('cp-wipe');
  assert.equal((await c.upsert('cp-wipe', 'ns1', [{ id: 'a', values: vec(1) }])).status, 200);
  const obj = await c.namespaceObject('cp-wipe', 'ns1');
  assert.ok((await obj.storedRows()) > 0);
  assert.equal((await c.req('DELETE', '/indexes/cp-wipe')).status, 202);
  const catalog = await c.catalog();
  for (let i = 0; i < 50 && (await catalog.pendingWipes()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await catalog.pendingWipes(), 0);
  assert.equal(await obj.storedRows(), 0);
  await c.createIndex('cp-wipe', { dimension: 4 });
  const f = await c.req('GET', '/index/cp-wipe/vectors/fetch?ids=a&namespace=ns1');
  assert.equal(f.status, 200);
  assert.deepEqual(f.json.vectors, {});
  const s = await c.stats('cp-wipe');
  assert.deepEqual(s.json.namespaces, {});
  assert.equal(s.json.dimension, 4);
});

test('2026-07: create from schema + deployment, describe, list, configure (200), delete', async () => {
  const body = {
    schema: { fields: { _values: { type: 'dense_vector', dimension: 8, metric: 'euclidean' } } },
    name: 'cp-y',
    deployment: { deployment_type: 'managed', cloud: 'aws', region: 'us-east-1' },
    deletion_protection: 'enabled',
    tags: { env: 'dev' },
  };
  const r = await c.req('POST', '/indexes', { headers: V7, body });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json, {
    name: 'cp-y',
    host: `${c.origin}/index/cp-y`,
    status: { ready: true, state: 'Ready' },
    schema: {
      fields: {
        _values: { type: 'dense_vector', dimension: 8, metric: 'euclidean' },
        _sparse_values: { type: 'sparse_vector' },
      },
    },
    deployment: { deployment_type: 'managed', cloud: 'aws', region: 'us-east-1' },
    read_capacity: { mode: 'OnDemand', status: { state: 'Ready' } },
    deletion_protection: 'enabled',
    tags: { env: 'dev' },
  });
  // The same stored index, seen by a 2026-04 client.
  const d4 = await c.req('GET', '/indexes/cp-y', { headers: V4 });
  assert.equal(d4.json.metric, 'euclidean');
  assert.equal(d4.json.dimension, 8);
  const d7 = await c.req('GET', '/indexes/cp-y', { headers: V7 });
  assert.deepEqual(d7.json, r.json);
  const l7 = await c.req('GET', '/indexes', { headers: V7 });
  assert.ok(l7.json.indexes.every((i) => i.schema && i.deployment && !('spec' in i)));
  const conf = await c.req('PATCH', '/indexes/cp-y', {
    headers: V7,
    body: { deletion_protection: 'disabled', tags: { env: '', team: 'a' } },
  });
  assert.equal(conf.status, 200, conf.text);
  assert.equal(conf.json.deletion_protection, 'disabled');
  assert.deepEqual(conf.json.tags, { team: 'a' });
  const unknownKey = await c.req('PATCH', '/indexes/cp-y', { headers: V7, body: { spec: {} } });
  assertControlError(unknownKey, 400, 'INVALID_ARGUMENT', /Unknown field `spec`/);
  const del = await c.req('DELETE', '/indexes/cp-y', { headers: V7 });
  assert.equal(del.status, 202);
  assert.equal((await c.req('GET', '/indexes/cp-y', { headers: V7 })).status, 404);
});

test('2026-07: sparse and pod deployments; documents-API schemas are refused', async () => {
  const sparse = await c.req('POST', '/indexes', {
    headers: V7,
    body: {
      name: 'cp-sparse',
      schema: { fields: { _sparse_values: { type: 'sparse_vector' } } },
      deployment: { deployment_type: 'managed', cloud: 'aws', region: 'us-east-1' },
    },
  });
  assert.equal(sparse.status, 201, sparse.text);
  assert.deepEqual(sparse.json.schema, { fields: { _sparse_values: { type: 'sparse_vector' } } });
  const d4 = await c.req('GET', '/indexes/cp-sparse', { headers: V4 });
  assert.equal(d4.json.vector_type, 'sparse');
  assert.equal(d4.json.metric, 'dotproduct');

  const pod = await c.req('POST', '/indexes', {
    headers: V7,
    body: {
      name: 'cp-pod',
      schema: { fields: { _values: { type: 'dense_vector', dimension: 8, metric: 'dotproduct' } } },
      deployment: { deployment_type: 'pod', environment: 'us-east1-gcp', pod_type: 'p1.x1', replicas: 1, shards: 1 },
    },
  });
  assert.equal(pod.status, 201, pod.text);
  assert.deepEqual(pod.json.deployment, {
    deployment_type: 'pod',
    environment: 'us-east1-gcp',
    pod_type: 'p1.x1',
    replicas: 1,
    shards: 1,
  });
  assert.equal(pod.json.read_capacity, undefined);
  const conf = await c.req('PATCH', '/indexes/cp-pod', { headers: V7, body: { deployment: { replicas: 2, pod_type: 'p1.x2' } } });
  assert.equal(conf.status, 200, conf.text);
  assert.equal(conf.json.deployment.replicas, 2);
  assert.equal(conf.json.deployment.pod_type, 'p1.x2');

  const docs = await c.req('POST', '/indexes', {
    headers: V7,
    body: {
      name: 'cp-docs',
      schema: { fields: { body: { type: 'semantic_text', model: 'x' } } },
      deployment: { deployment_type: 'managed', cloud: 'aws', region: 'us-east-1' },
    },
  });
  assertControlError(docs, 400, 'INVALID_ARGUMENT', /Documents API/);
  const byoc = await c.req('POST', '/indexes', {
    headers: V7,
    body: {
      name: 'cp-byoc',
      schema: { fields: { _values: { type: 'dense_vector', dimension: 8, metric: 'cosine' } } },
      deployment: { deployment_type: 'byoc', environment: 'x' },
    },
  });
  assertControlError(byoc, 400, 'INVALID_ARGUMENT', /byoc/);
  const noTag = await c.req('POST', '/indexes', {
    headers: V7,
    body: { name: 'cp-x', schema: { fields: { _values: { type: 'dense_vector', dimension: 8 } } }, deployment: { deployment_type: 'moon' } },
  });
  assertControlError(noTag, 400, 'INVALID_ARGUMENT', /Expected one of: 'managed', 'pod', 'byoc'/);
});

test('a create body is sniffed when no version header is sent', async () => {
  const r = await c.req('POST', '/indexes', {
    body: {
      name: 'cp-sniff',
      schema: { fields: { _values: { type: 'dense_vector', dimension: 3, metric: 'cosine' } } },
      deployment: { deployment_type: 'managed', cloud: 'gcp', region: 'us-central1' },
    },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.schema.fields._values.dimension, 3);
  // describe without a header: the oldest (2026-04) shape.
  const d = await c.req('GET', '/indexes/cp-sniff');
  assert.equal(d.json.dimension, 3);
  assert.equal(d.json.spec.serverless.cloud, 'gcp');
});

test('backups answer 501 until the engine has them (collections: collections.test.mjs)', async () => {
  for (const [m, p] of [
    ['GET', '/backups'],
    ['POST', '/indexes/cp-a/backups'],
  ]) {
    const r = await c.req(m, p, { body: m === 'POST' ? { name: 'c1', source: 'cp-a' } : undefined });
    assertControlError(r, 501, 'UNIMPLEMENTED', /not available in this deployment/);
  }
});

test('unknown routes are 404 and wrong methods 405, in each plane\'s body shape', async () => {
  assertControlError(await c.req('GET', '/nope'), 404, 'NOT_FOUND');
  assertControlError(await c.req('GET', '/'), 404, 'NOT_FOUND');
  const r = await c.req('PUT', '/indexes');
  assertControlError(r, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(r.headers.get('allow'), 'GET, POST');
  const d = await c.req('GET', '/index/cp-a/vectors/nope');
  assert.equal(d.status, 404);
  assert.equal(d.json.code, 5);
  assert.deepEqual(d.json.details, []);
  const m = await c.req('GET', '/index/cp-a/vectors/upsert');
  assert.equal(m.status, 405);
  assert.equal(m.json.code, 12);
  assert.equal(m.headers.get('allow'), 'POST');
});

test('a tenant credential may describe an index but not list, create, configure or delete', async () => {
  assert.equal((await c.req('GET', '/indexes/cp-a', { key: KEY1 })).status, 200);
  assertControlError(await c.req('GET', '/indexes', { key: KEY1 }), 403, 'FORBIDDEN');
  assertControlError(
    await c.req('POST', '/indexes', { key: KEY1, body: { name: 'cp-t', dimension: 2, spec: serverless } }),
    403,
    'FORBIDDEN',
  );
  assertControlError(await c.req('PATCH', '/indexes/cp-a', { key: KEY1, body: { tags: { a: 'b' } } }), 403, 'FORBIDDEN');
  assertControlError(await c.req('DELETE', '/indexes/cp-a', { key: KEY1 }), 403, 'FORBIDDEN');
  assertControlError(await c.req('GET', '/metrics', { key: KEY1 }), 403, 'FORBIDDEN');
  assertControlError(await c.req('GET', '/collections', { key: KEY1 }), 403, 'FORBIDDEN');
  assert.equal((await c.req('GET', '/indexes/cp-a')).status, 200);
  assert.equal((await c.req('GET', '/indexes/cp-t')).status, 404);
});
