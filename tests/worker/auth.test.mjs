// Authentication and tenant confinement: API keys, JWTs (jose) with the
// algorithm, issuer and audience pinned, 401 and 403 bodies, and that a
// refused request touches nothing.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, UnsecuredJWT, generateKeyPair, exportSPKI } from 'jose';
import { start, ADMIN, KEY1, KEY2, vec, seedFixture, JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE } from './helpers.mjs';

/** Namespace descriptions also carry `size_bytes` (checked separately). */
const noSize = ({ size_bytes: _size, ...rest }) => rest;

let c;
before(async () => {
  c = await start();
  await c.createIndex('auth');
  await seedFixture(c, 'auth', { tenant1: KEY1, tenant2: KEY2 });
});
after(() => c.close());

const secret = new TextEncoder().encode(JWT_SECRET);

async function jwt({ claims = { tenant: 'tenant1' }, alg = 'HS256', key = secret, iss = JWT_ISSUER, aud = JWT_AUDIENCE, exp = '10m' } = {}) {
  let b = new SignJWT(claims).setProtectedHeader({ alg }).setIssuedAt();
  if (iss) b = b.setIssuer(iss);
  if (aud) b = b.setAudience(aud);
  if (exp !== null) b = b.setExpirationTime(exp);
  return b.sign(key);
}

const bearer = (t) => ({ Authorization: `Bearer ${t}` });

function assert401(r, plane) {
  assert.equal(r.status, 401, r.text);
  if (plane === 'data') {
    assert.equal(r.json.code, 16);
    assert.deepEqual(r.json.details, []);
  } else {
    assert.equal(r.json.error.code, 'UNAUTHENTICATED');
    assert.equal(r.json.status, 401);
  }
}

async function statsAsAdmin() {
  return (await c.stats('auth')).json;
}

test('no credential, an empty key and an unknown key get 401 on both planes', async () => {
  assert401(await c.req('GET', '/indexes', { key: null }), 'control');
  assert401(await c.req('POST', '/index/auth/query', { key: null, body: { topK: 1, vector: vec(1), namespace: 'tenant1' } }), 'data');
  assert401(await c.req('GET', '/indexes', { key: '' }), 'control');
  const r = await c.req('POST', '/index/auth/query', { key: 'who-knows', body: { topK: 1, vector: vec(1), namespace: 'tenant1' } });
  assert401(r, 'data');
  assert.equal(r.json.message, 'Invalid API Key');
  assert401(await c.req('GET', '/metrics', { key: 'nope' }), 'control');
  assert401(await c.req('GET', '/no/such/route', { key: null }), 'control');
});

test("a tenant key naming another tenant's namespace gets 403 and changes nothing", async () => {
  const before = await statsAsAdmin();
  const forbidden = async (method, path, body) => {
    const r = await c.req(method, path, { key: KEY1, body });
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.code, 7);
    assert.deepEqual(r.json.details, []);
    assert.match(r.json.message, /may only access namespace 'tenant1'/);
    return r;
  };
  await forbidden('POST', '/index/auth/vectors/upsert', { namespace: 'tenant2', vectors: [{ id: 'evil', values: vec(1) }] });
  await forbidden('POST', '/index/auth/vectors/delete', { namespace: 'tenant2', deleteAll: true });
  await forbidden('POST', '/index/auth/vectors/delete', { namespace: 'tenant2', ids: ['E'] });
  await forbidden('POST', '/index/auth/vectors/update', { namespace: 'tenant2', id: 'E', setMetadata: { pwned: true } });
  await forbidden('POST', '/index/auth/query', { namespace: 'tenant2', topK: 3, vector: vec(1) });
  await forbidden('GET', '/index/auth/vectors/fetch?ids=E&namespace=tenant2');
  await forbidden('GET', '/index/auth/vectors/list?namespace=tenant2');
  await forbidden('POST', '/index/auth/vectors/fetch_by_metadata', { namespace: 'tenant2', filter: { a: 1 } });
  await forbidden('GET', '/index/auth/namespaces/tenant2');
  await forbidden('DELETE', '/index/auth/namespaces/tenant2');
  await forbidden('POST', '/index/auth/namespaces', { name: 'tenant1-extra' });
  // The default namespace is not the tenant's: absent, "" and "__default__".
  await forbidden('POST', '/index/auth/vectors/upsert', { vectors: [{ id: 'd', values: vec(1) }] });
  await forbidden('POST', '/index/auth/vectors/upsert', { namespace: '', vectors: [{ id: 'd', values: vec(1) }] });
  await forbidden('GET', '/index/auth/vectors/fetch?ids=d&namespace=__default__');
  await forbidden('GET', '/index/auth/vectors/fetch?ids=d');
  // A namespace nobody has written: refused, and nothing is created for it.
  await forbidden('POST', '/index/auth/vectors/upsert', { namespace: 'tenant9', vectors: [{ id: 'x', values: vec(1) }] });
  assert.equal(await (await c.namespaceObject('auth', 'tenant9')).storedRows(), 0);
  assert.deepEqual(await statsAsAdmin(), before);
  const f = await c.req('GET', '/index/auth/vectors/fetch?ids=E&ids=evil&namespace=tenant2');
  assert.deepEqual(Object.keys(f.json.vectors), ['E']);
  assert.equal(f.json.vectors.E.metadata, undefined);
});

test('a body naming the namespace twice cannot smuggle in another tenant', async () => {
  const before = await statsAsAdmin();
  const raw = '{"namespace":"tenant2","vectors":[{"id":"smuggled","values":[1,1,1,1,1,1,1,1]}],"namespace":"tenant1"}';
  const r = await c.req('POST', '/index/auth/vectors/upsert', { key: KEY1, raw });
  assert.equal(r.status, 400, r.text);
  assert.match(r.json.message, /duplicate field `namespace`/);
  const escaped = await c.req('POST', '/index/auth/query', { key: KEY1, raw: '{"namespace":"tenant\\u0032","topK":1,"vector":[1,1,1,1,1,1,1,1]}' });
  assert.equal(escaped.status, 403, escaped.text);
  assert.deepEqual(await statsAsAdmin(), before);
  const f = await c.req('GET', '/index/auth/vectors/fetch?ids=smuggled&namespace=tenant2');
  assert.deepEqual(f.json.vectors, {});
});

test('a tenant key works on its own namespace', async () => {
  const q = await c.query('auth', { namespace: 'tenant1', topK: 10, vector: vec(1) }, KEY1);
  assert.equal(q.status, 200, q.text);
  assert.deepEqual(q.json.matches.map((m) => m.id).sort(), ['A', 'B', 'C', 'D']);
  const u = await c.req('POST', '/index/auth/vectors/update', { key: KEY1, body: { namespace: 'tenant1', id: 'A', setMetadata: { g: 'x' } } });
  assert.equal(u.status, 200);
  const f = await c.req('GET', '/index/auth/vectors/fetch?ids=A&namespace=tenant1', { key: KEY1 });
  assert.deepEqual(f.json.vectors.A.metadata, { g: 'x' });
  const l = await c.req('GET', '/index/auth/vectors/list?namespace=tenant1', { key: KEY1 });
  assert.equal(l.json.vectors.length, 4);
  const d = await c.req('GET', '/index/auth/namespaces/tenant1', { key: KEY1 });
  assert.deepEqual(noSize(d.json), { name: 'tenant1', record_count: '4' });
  assert.ok(d.json.size_bytes > 0);
});

test("a tenant's describe_index_stats and list_namespaces show only its own namespace", async () => {
  const all = await statsAsAdmin();
  assert.deepEqual(Object.keys(all.namespaces).sort(), ['tenant1', 'tenant2']);
  assert.equal(all.totalVectorCount, 8);
  const s1 = await c.stats('auth', KEY1);
  assert.equal(s1.status, 200, s1.text);
  assert.deepEqual(s1.json.namespaces, { tenant1: { vectorCount: 4 } });
  assert.equal(s1.json.totalVectorCount, 4);
  assert.equal(s1.json.dimension, 8);
  const s3 = await c.stats('auth', 'key-tenant3');
  assert.deepEqual(s3.json.namespaces, {});
  assert.equal(s3.json.totalVectorCount, 0);
  const l2 = await c.req('GET', '/index/auth/namespaces', { key: KEY2 });
  assert.deepEqual({ ...l2.json, namespaces: l2.json.namespaces.map(noSize) }, { namespaces: [{ name: 'tenant2', record_count: '4' }], total_count: 1 });
  const la = await c.req('GET', '/index/auth/namespaces', { key: ADMIN });
  assert.equal(la.json.total_count, 2);
});

test('a valid JWT is a tenant credential confined to its claim', async () => {
  const t = await jwt({ claims: { tenant: 'tenant2', sub: 'user-7' } });
  const q = await c.req('POST', '/index/auth/query', { key: null, headers: bearer(t), body: { namespace: 'tenant2', topK: 1, vector: vec(0.8) } });
  assert.equal(q.status, 200, q.text);
  assert.equal(q.json.matches.length, 1);
  const other = await c.req('POST', '/index/auth/query', { key: null, headers: bearer(t), body: { namespace: 'tenant1', topK: 1, vector: vec(1) } });
  assert.equal(other.status, 403);
  const s = await c.req('POST', '/index/auth/describe_index_stats', { key: null, headers: bearer(t), body: {} });
  assert.deepEqual(s.json.namespaces, { tenant2: { vectorCount: 4 } });
  const cp = await c.req('POST', '/indexes', { key: null, headers: bearer(t), body: { name: 'jwt-idx', dimension: 2, spec: {} } });
  assert.equal(cp.status, 403);
});

test('rejected JWTs: expired, unpinned algorithm, alg none, wrong issuer/audience/secret, no exp, bad claim', async () => {
  const body = { namespace: 'tenant1', topK: 1, vector: vec(1) };
  const rejected = async (token, what) => {
    const r = await c.req('POST', '/index/auth/query', { key: null, headers: bearer(token), body });
    assert401(r, 'data');
    return r;
  };
  const expired = await rejected(await jwt({ exp: Math.floor(Date.now() / 1000) - 3600 }), 'expired');
  assert.match(expired.json.message, /ERR_JWT_EXPIRED/);
  const hs512 = await rejected(await jwt({ alg: 'HS512' }), 'HS512');
  assert.match(hs512.json.message, /ERR_JOSE_ALG_NOT_ALLOWED/);
  const none = new UnsecuredJWT({ tenant: 'tenant1' }).setIssuer(JWT_ISSUER).setAudience(JWT_AUDIENCE).setExpirationTime('10m').encode();
  await rejected(none, 'alg none');
  await rejected(await jwt({ iss: 'https://evil.test' }), 'issuer');
  await rejected(await jwt({ aud: 'someone-else' }), 'audience');
  await rejected(await jwt({ key: new TextEncoder().encode('another-secret-of-at-least-32-bytes!!') }), 'secret');
  await rejected(await jwt({ exp: null }), 'no exp');
  await rejected(await jwt({ claims: { sub: 'x' } }), 'no tenant');
  await rejected(await jwt({ claims: { tenant: '__default__' } }), 'default namespace as tenant');
  await rejected(await jwt({ claims: { tenant: ['tenant1'] } }), 'non-string tenant');
  await rejected('not.a.jwt', 'garbage');
  // A bad bearer token never falls back to an Api-Key sent beside it.
  const both = await c.req('POST', '/index/auth/query', {
    key: ADMIN,
    headers: bearer(await jwt({ alg: 'HS512' })),
    body,
  });
  assert401(both, 'data');
  const basic = await c.req('GET', '/indexes', { key: null, headers: { Authorization: 'Basic YTpi' } });
  assert401(basic, 'control');
});

test('an asymmetric (ES256) configuration accepts its tokens and refuses HMAC tokens keyed with the public key', async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const pem = await exportSPKI(publicKey);
  const w = await start({ env: { CONIFER_JWT_ALG: 'ES256', CONIFER_JWT_SECRET: '', CONIFER_JWT_PUBLIC_KEY: pem } });
  try {
    const good = await jwt({ alg: 'ES256', key: privateKey, claims: { tenant: 'tenant1' } });
    const r = await w.req('POST', '/index/none/query', { key: null, headers: bearer(good), body: { namespace: 'tenant1', topK: 1, vector: [1] } });
    assert.equal(r.status, 404, r.text); // authenticated; the index does not exist
    const confused = await jwt({ alg: 'HS256', key: new TextEncoder().encode(pem), claims: { tenant: 'tenant1' } });
    const bad = await w.req('POST', '/index/none/query', { key: null, headers: bearer(confused), body: { namespace: 'tenant1', topK: 1, vector: [1] } });
    assert401(bad, 'data');
  } finally {
    await w.close();
  }
});

test('an incomplete JWT or key configuration refuses every request with a 500 naming the setting', async () => {
  const w = await start({ env: { CONIFER_JWT_ISSUER: '' } });
  try {
    const r = await w.req('GET', '/indexes');
    assert.equal(r.status, 500);
    assert.match(r.json.error.message, /CONIFER_JWT_ISSUER/);
  } finally {
    await w.close();
  }
  const w2 = await start({ env: { CONIFER_API_KEYS: 'justakey' } });
  try {
    const r = await w2.req('GET', '/indexes');
    assert.equal(r.status, 500);
    assert.match(r.json.error.message, /CONIFER_API_KEYS/);
  } finally {
    await w2.close();
  }
});
