// The official TS clients against the worker: @pinecone-database/pinecone
// 8.x (API 2026-04) and 9.x (API 2026-07), installed as `pinecone8` and
// `pinecone9`. Each runs the multitenancy walkthrough with tenant keys
// (pinecone-api.md §8) and checks the errors each client maps.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { start, ADMIN, KEY1, KEY2, vec } from './helpers.mjs';

const require = createRequire(import.meta.url);

let c;
before(async () => {
  c = await start();
});
after(() => c.close());

const close = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);
const f32 = (x) => Math.fround(x);

async function walkthrough(pkg) {
  const { Pinecone } = require(pkg);
  const name = `multitenant-app-${pkg}`;
  const admin = new Pinecone({ apiKey: ADMIN, controllerHostUrl: c.origin, maxRetries: 0 });
  const created = await admin.createIndex({
    name,
    dimension: 8,
    metric: 'cosine',
    spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
    waitUntilReady: true,
  });
  // waitUntilReady resolves to the ready IndexModel (or void) at once: the index is created synchronously.
  if (created) assert.equal(created.name, name);
  const described = await admin.describeIndex(name);
  assert.equal(described.host, `${c.origin}/index/${name}`);
  assert.equal(described.status.ready, true);
  assert.equal(described.dimension ?? described.schema?.fields?._values?.dimension, 8);

  // Tenants use their own keys; the client resolves the host by describing the index.
  const t1 = new Pinecone({ apiKey: KEY1, controllerHostUrl: c.origin, maxRetries: 0 }).index(name).namespace('tenant1');
  const t2 = new Pinecone({ apiKey: KEY2, controllerHostUrl: c.origin, maxRetries: 0 }).index(name).namespace('tenant2');
  await t1.upsert({ records: ['A', 'B', 'C', 'D'].map((id, i) => ({ id, values: vec(0.1 * (i + 1)) })) });
  await t2.upsert({ records: ['E', 'F', 'G', 'H'].map((id, i) => ({ id, values: vec(0.1 * (i + 5)) })) });

  await t1.update({ id: 'A', metadata: { genre: 'drama' } });
  const fa = await t1.fetch({ ids: ['A', 'nope'] });
  assert.deepEqual(Object.keys(fa.records), ['A']);
  assert.deepEqual(fa.records.A.metadata, { genre: 'drama' });
  assert.deepEqual(fa.records.A.values.map(f32), vec(f32(0.1)));
  assert.equal(fa.namespace, 'tenant1');

  const q = await t2.query({ topK: 3, vector: vec(0.7), includeValues: true });
  assert.equal(q.namespace, 'tenant2');
  assert.equal(q.matches.length, 3);
  for (const m of q.matches) {
    const i = ['E', 'F', 'G', 'H'].indexOf(m.id);
    assert.ok(i >= 0, m.id);
    close(m.score, 1.0);
    assert.deepEqual(m.values.map(f32), vec(f32(0.1 * (i + 5))));
  }
  const iso = await t1.query({ topK: 10, vector: vec(0.7) });
  assert.deepEqual(iso.matches.map((m) => m.id).sort(), ['A', 'B', 'C', 'D']);

  // A tenant cannot reach another tenant's namespace (403 -> PineconeBadRequestError in TS).
  const t1Client = new Pinecone({ apiKey: KEY1, controllerHostUrl: c.origin, maxRetries: 0 });
  await assert.rejects(t1Client.index(name).namespace('tenant2').query({ topK: 1, vector: vec(1) }), (e) => {
    assert.equal(e.name, 'PineconeBadRequestError');
    assert.match(e.message, /may only access namespace 'tenant1'/);
    return true;
  });
  const own = await t1Client.index(name).describeIndexStats();
  // The client's bound namespace is irrelevant for stats: a tenant sees only its own namespace.
  assert.deepEqual(own.namespaces, { tenant1: { recordCount: 4 } });

  await t1.deleteAll();

  const stats = await admin.index(name).describeIndexStats();
  assert.deepEqual(stats.namespaces, { tenant2: { recordCount: 4 } });
  assert.equal(stats.totalRecordCount, 4);
  assert.equal(stats.dimension, 8);
  assert.equal(stats.indexFullness, 0);

  // Errors as each client maps them.
  await assert.rejects(t2.upsert({ records: [{ id: 'x', values: [1, 2, 3] }] }), (e) => {
    assert.equal(e.name, 'PineconeBadRequestError');
    assert.equal(e.message, 'Vector dimension 3 does not match the dimension of the index 8');
    return true;
  });
  await assert.rejects(
    admin.createIndex({ name, dimension: 8, metric: 'cosine', spec: { serverless: { cloud: 'aws', region: 'us-east-1' } } }),
    (e) => e.name === 'PineconeConflictError',
  );
  assert.equal(
    await admin.createIndex({
      name,
      dimension: 8,
      metric: 'cosine',
      spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
      suppressConflicts: true,
    }),
    undefined,
  );
  await assert.rejects(admin.describeIndex('does-not-exist'), (e) => e.name === 'PineconeNotFoundError');
  await assert.rejects(
    new Pinecone({ apiKey: 'wrong', controllerHostUrl: c.origin, maxRetries: 0 }).listIndexes(),
    (e) => e.name === 'PineconeAuthorizationError',
  );

  const listed = await admin.index(name).listNamespaces();
  assert.deepEqual(listed.namespaces.map((n) => n.name), ['tenant2']);
  assert.equal(Number(listed.namespaces[0].recordCount), 4);
  const page = await t2.listPaginated({ prefix: '' });
  assert.deepEqual(page.vectors.map((v) => v.id), ['E', 'F', 'G', 'H']);

  await admin.configureIndex({ name, deletionProtection: 'enabled', tags: { env: 'dev' } });
  assert.equal((await admin.describeIndex(name)).deletionProtection, 'enabled');
  await assert.rejects(admin.deleteIndex(name), (e) => {
    assert.equal(e.name, 'PineconeBadRequestError');
    assert.match(e.message, /Deletion protection is enabled for this index/);
    return true;
  });
  await admin.configureIndex({ name, deletionProtection: 'disabled', tags: { env: '' } });
  const after = await admin.describeIndex(name);
  assert.equal(after.deletionProtection, 'disabled');
  assert.ok(!after.tags || !after.tags.env);
  await admin.deleteIndex(name);
  await assert.rejects(admin.describeIndex(name), (e) => e.name === 'PineconeNotFoundError');
  return { described };
}

test('@pinecone-database/pinecone 8.x (API 2026-04): multitenancy walkthrough', async () => {
  const { described } = await walkthrough('pinecone8');
  assert.equal(described.metric, 'cosine');
  assert.equal(described.spec.serverless.cloud, 'aws');
});

test('@pinecone-database/pinecone 9.x (API 2026-07): multitenancy walkthrough', async () => {
  const { described } = await walkthrough('pinecone9');
  assert.equal(described.schema.fields._values.type, 'dense_vector');
  assert.equal(described.deployment.deploymentType, 'managed');
});
