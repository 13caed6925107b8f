// Data plane of the worker on workerd: every endpoint with good and bad
// bodies, the limits and error texts of pinecone-api.md, and the test
// vectors of its §8 over HTTP.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, vec, seedFixture } from './helpers.mjs';

/** Namespace descriptions also carry `size_bytes` (checked separately). */
const noSize = ({ size_bytes: _size, ...rest }) => rest;

let c;
before(async () => {
  c = await start();
  await c.createIndex('mt');
  await seedFixture(c, 'mt');
  await c.createIndex('mt-euc', { metric: 'euclidean' });
  await seedFixture(c, 'mt-euc');
  await c.createIndex('mt-dot', { metric: 'dotproduct' });
  await seedFixture(c, 'mt-dot');
});
after(() => c.close());

function assertDataError(r, status, grpc, message) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.code, grpc, r.text);
  assert.deepEqual(r.json.details, []);
  if (message instanceof RegExp) assert.match(r.json.message, message);
  else if (message !== undefined) assert.equal(r.json.message, message);
}

const close = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('§8.1/2 cosine query in tenant2 returns tenant2 records with values; tenant1 and tenant3 are isolated', async () => {
  const r = await c.query('mt', { namespace: 'tenant2', topK: 3, vector: vec(0.7), includeValues: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.namespace, 'tenant2');
  assert.equal(r.json.matches.length, 3);
  for (const m of r.json.matches) {
    assert.ok(['E', 'F', 'G', 'H'].includes(m.id));
    close(m.score, 1.0);
    assert.deepEqual(m.values, vec(0.1 * (['E', 'F', 'G', 'H'].indexOf(m.id) + 5)).map((x) => Math.fround(x)).map((x) => +x.toPrecision(7)));
    assert.equal(m.metadata, undefined);
  }
  const t1 = await c.query('mt', { namespace: 'tenant1', topK: 10, vector: vec(0.7) });
  assert.deepEqual(t1.json.matches.map((m) => m.id).sort(), ['A', 'B', 'C', 'D']);
  const t3 = await c.query('mt', { namespace: 'tenant3', topK: 3, vector: vec(0.7) });
  assert.equal(t3.status, 200);
  assert.deepEqual(t3.json.matches, []);
  assert.equal(t3.json.namespace, 'tenant3');
});

test('§8.3/4 euclidean (squared, ascending) and dotproduct scores', async () => {
  const e = await c.query('mt-euc', { namespace: 'tenant2', topK: 3, vector: vec(0.7) });
  assert.equal(e.json.matches[0].id, 'G');
  close(e.json.matches[0].score, 0);
  assert.deepEqual(e.json.matches.slice(1).map((m) => m.id).sort(), ['F', 'H']);
  for (const m of e.json.matches.slice(1)) close(m.score, 0.08, 1e-5);
  const d = await c.query('mt-dot', { namespace: 'tenant2', topK: 3, vector: vec(0.7) });
  assert.deepEqual(d.json.matches.map((m) => m.id), ['H', 'G', 'F']);
  [4.48, 3.92, 3.36].forEach((s, i) => close(d.json.matches[i].score, s, 1e-5));
});

test('query by id, topK > count, and query errors', async () => {
  const byId = await c.query('mt', { namespace: 'tenant2', id: 'G', topK: 1 });
  assert.equal(byId.json.matches.length, 1);
  close(byId.json.matches[0].score, 1.0);
  assert.deepEqual((await c.query('mt', { namespace: 'tenant2', id: 'nope', topK: 2 })).json.matches, []);
  assert.equal((await c.query('mt', { namespace: 'tenant2', vector: vec(0.3), topK: 10 })).json.matches.length, 4);
  assertDataError(
    await c.query('mt', { namespace: 'tenant2', vector: [1, 2, 3], topK: 1 }),
    400,
    3,
    'Query vector dimension 3 does not match the dimension of the index 8',
  );
  // Validation also applies to a namespace that does not exist.
  assertDataError(
    await c.query('mt', { namespace: 'nobody', vector: [1, 2, 3], topK: 1 }),
    400,
    3,
    'Query vector dimension 3 does not match the dimension of the index 8',
  );
  assertDataError(await c.query('mt', { namespace: 'tenant2', vector: vec(1) }), 400, 3, /topK/);
  assertDataError(await c.query('mt', { namespace: 'tenant2', vector: vec(1), topK: 0 }), 400, 3, '`topK` property must be greater than 0.');
  assertDataError(await c.query('mt', { namespace: 'tenant2', vector: vec(1), topK: 10001 }), 400, 3, /10000/);
  const bigIn = { g: { $in: Array.from({ length: 10001 }, (_, i) => i) } };
  assertDataError(await c.query('mt', { namespace: 'tenant2', vector: vec(1), topK: 1, filter: bigIn }), 400, 3);
  assertDataError(await c.query('mt', { namespace: 'tenant2', vector: vec(1), topK: 1, filter: { genre: ['a', 'b'] } }), 400, 3);
  const syntax = await c.req('POST', '/index/mt/query', { raw: '{"topK": ' });
  assertDataError(syntax, 400, 3, /Invalid request body/);
  assertDataError(await c.req('POST', '/index/mt/query', { raw: '[]' }), 400, 3, /JSON object/);
  assertDataError(await c.query('mt', { namespace: 7, vector: vec(1), topK: 1 }), 400, 3, /namespace/);
});

test('upsert limits and error texts', async () => {
  const ns = 'limits';
  assertDataError(
    await c.upsert('mt', ns, [{ id: 'x', values: [1, 2, 3] }]),
    400,
    3,
    'Vector dimension 3 does not match the dimension of the index 8',
  );
  assertDataError(
    await c.upsert('mt', ns, [{ id: 'z', values: vec(0) }]),
    400,
    3,
    "Dense vectors must contain at least one non-zero value. Vector ID 'z' contains only zeros",
  );
  const meta = { text: 'x'.repeat(41000) };
  assertDataError(await c.upsert('mt', ns, [{ id: 'm', values: vec(1), metadata: meta }]), 400, 3, /exceeds the limit of 40960 bytes per vector/);
  assertDataError(await c.upsert('mt', ns, [{ id: 'n', values: vec(1), metadata: { a: null } }]), 400, 3);
  assertDataError(await c.upsert('mt', ns, [{ id: 'n', values: vec(1), metadata: { a: { b: 1 } } }]), 400, 3);
  const many = Array.from({ length: 1001 }, (_, i) => ({ id: `r${i}`, values: vec(1) }));
  assertDataError(await c.upsert('mt', ns, many), 400, 3, /1000/);
  assertDataError(await c.upsert('mt', ns, []), 400, 3, 'Must pass in at least 1 record to upsert.');
  assertDataError(await c.upsert('mt', ns, [{ id: 'i'.repeat(513), values: vec(1) }]), 400, 3, /512/);
  const huge = [{ id: 'h', values: vec(1), metadata: { t: 'y'.repeat(2 * 1024 * 1024) } }];
  assertDataError(
    await c.upsert('mt', ns, huge),
    400,
    3,
    'Your request is larger than the maximum supported size - 2MB. Please try to reduce your batch size.',
  );
  assertDataError(await c.upsert('mt', 'n'.repeat(513), [{ id: 'a', values: vec(1) }]), 400, 3, 'Namespace name must be 512 characters or less.');
  assertDataError(await c.upsert('mt', 'a\0b', [{ id: 'a', values: vec(1) }]), 400, 3, /NUL/);
  assertDataError(await c.upsert('mt', ns, [{ id: 'v', values: vec(1).map((x, i) => (i ? x : 1e39)) }]), 400, 3);
  // None of the refused upserts created the namespace.
  const s = await c.stats('mt');
  assert.equal(s.json.namespaces[ns], undefined);
});

test('§8.9/10 upsert overwrites the whole record; update merges metadata; update of a missing id succeeds', async () => {
  const ns = 'records';
  assert.equal((await c.upsert('mt', ns, [{ id: 'X', values: vec(1), metadata: { a: 1 } }])).status, 200);
  assert.equal((await c.upsert('mt', ns, [{ id: 'X', values: vec(2) }])).status, 200);
  let f = await c.req('GET', `/index/mt/vectors/fetch?ids=X&namespace=${ns}`);
  assert.deepEqual(f.json.vectors.X, { id: 'X', values: vec(2) });
  await c.upsert('mt', ns, [{ id: 'Y', values: vec(1), metadata: { genre: 'drama', year: 2020 } }]);
  const u = await c.req('POST', '/index/mt/vectors/update', { body: { namespace: ns, id: 'Y', setMetadata: { year: 2021, rating: 5 } } });
  assert.equal(u.status, 200, u.text);
  f = await c.req('GET', `/index/mt/vectors/fetch?ids=Y&namespace=${ns}`);
  assert.deepEqual(f.json.vectors.Y.metadata, { genre: 'drama', year: 2021, rating: 5 });
  assert.deepEqual(f.json.vectors.Y.values, vec(1));
  const miss = await c.req('POST', '/index/mt/vectors/update', { body: { namespace: ns, id: 'missing', setMetadata: { a: 1 } } });
  assert.equal(miss.status, 200);
  f = await c.req('GET', `/index/mt/vectors/fetch?ids=missing&namespace=${ns}`);
  assert.deepEqual(f.json.vectors, {});
  // update in a namespace that does not exist: success, nothing created.
  const none = await c.req('POST', '/index/mt/vectors/update', { body: { namespace: 'ghost', id: 'a', setMetadata: { a: 1 } } });
  assert.equal(none.status, 200);
  assert.equal((await c.stats('mt')).json.namespaces.ghost, undefined);
  assertDataError(await c.req('POST', '/index/mt/vectors/update', { body: { namespace: ns } }), 400, 3, /`id` or a `filter`/);
  assertDataError(await c.req('POST', '/index/mt/vectors/update', { body: { namespace: ns, id: 'Y', values: [1] } }), 400, 3, /dimension/);
  // update by filter
  const byFilter = await c.req('POST', '/index/mt/vectors/update', {
    body: { namespace: ns, filter: { genre: 'drama' }, setMetadata: { seen: true } },
  });
  assert.equal(byFilter.status, 200);
  assert.equal(byFilter.json.matchedRecords, 1);
});

test('§8.11 fetch returns only existing ids; fetch limits', async () => {
  const f = await c.req('GET', '/index/mt/vectors/fetch?ids=A&ids=nope&namespace=tenant1');
  assert.equal(f.status, 200);
  assert.deepEqual(Object.keys(f.json.vectors), ['A']);
  assert.equal(f.json.namespace, 'tenant1');
  assertDataError(await c.req('GET', '/index/mt/vectors/fetch?namespace=tenant1'), 400, 3, 'Must pass in at least 1 recordID.');
  const ids = Array.from({ length: 1001 }, (_, i) => `ids=${i}`).join('&');
  assertDataError(await c.req('GET', `/index/mt/vectors/fetch?${ids}&namespace=tenant1`), 400, 3, /1000/);
  const empty = await c.req('GET', '/index/mt/vectors/fetch?ids=A&namespace=never');
  assert.deepEqual(empty.json.vectors, {});
});

test('§8.15-17 filters, and fetch_by_metadata', async () => {
  const ns = 'filters';
  await c.upsert('mt', ns, [
    { id: 'R', values: vec(1), metadata: { genre: ['comedy', 'documentary'], year: 2019 } },
    { id: 'S', values: vec(0.5), metadata: { genre: 'drama', year: 2020 } },
    { id: 'T', values: vec(0.2), metadata: { year: 2021 } },
  ]);
  const ids = async (filter) =>
    (await c.query('mt', { namespace: ns, vector: vec(1), topK: 10, filter })).json.matches.map((m) => m.id).sort();
  assert.deepEqual(await ids({ genre: 'comedy' }), ['R']);
  assert.deepEqual(await ids({ genre: { $in: ['documentary', 'action'] } }), ['R']);
  assert.deepEqual(await ids({ $and: [{ genre: 'comedy' }, { genre: 'documentary' }] }), ['R']);
  assert.deepEqual(await ids({ $and: [{ genre: 'comedy' }, { genre: 'drama' }] }), []);
  assert.deepEqual(await ids({ year: { $gte: 2020 } }), ['S', 'T']);
  assert.deepEqual(await ids({ year: { $lt: 2020.5 } }), ['R', 'S']);
  assert.deepEqual(await ids({ genre: { $ne: 'drama' } }), ['R']);
  assert.deepEqual(await ids({ genre: { $exists: true } }), ['R', 'S']);
  const withMeta = await c.query('mt', { namespace: ns, vector: vec(1), topK: 1, filter: { year: 2019 }, includeMetadata: true });
  assert.deepEqual(withMeta.json.matches[0].metadata, { genre: ['comedy', 'documentary'], year: 2019 });
  assert.deepEqual(withMeta.json.matches[0].values, []);
  const fbm = await c.req('POST', '/index/mt/vectors/fetch_by_metadata', { body: { namespace: ns, filter: { year: { $gte: 2020 } }, limit: 1 } });
  assert.equal(fbm.status, 200, fbm.text);
  assert.equal(Object.keys(fbm.json.vectors).length, 1);
  assert.ok(fbm.json.pagination.next);
  const next = await c.req('POST', '/index/mt/vectors/fetch_by_metadata', {
    body: { namespace: ns, filter: { year: { $gte: 2020 } }, limit: 1, paginationToken: fbm.json.pagination.next },
  });
  assert.equal(Object.keys(next.json.vectors).length, 1);
  assert.notDeepEqual(Object.keys(next.json.vectors), Object.keys(fbm.json.vectors));
  assertDataError(await c.req('POST', '/index/mt/vectors/fetch_by_metadata', { body: { namespace: ns } }), 400, 3, /filter/);
});

test('§8.21 delete by ids, by filter, deleteAll; 404 for a namespace that does not exist', async () => {
  const ns = 'deletes';
  await c.upsert('mt', ns, [
    { id: 'a', values: vec(1), metadata: { genre: 'drama' } },
    { id: 'b', values: vec(1), metadata: { genre: 'drama' } },
    { id: 'c', values: vec(1), metadata: { genre: 'comedy' } },
    { id: 'd', values: vec(1) },
  ]);
  let r = await c.req('POST', '/index/mt/vectors/delete', { body: { namespace: ns, ids: ['d', 'nope'] } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, {});
  r = await c.req('POST', '/index/mt/vectors/delete', { body: { namespace: ns, filter: { genre: 'drama' } } });
  assert.equal(r.status, 200);
  let f = await c.req('GET', `/index/mt/vectors/fetch?ids=a&ids=b&ids=c&ids=d&namespace=${ns}`);
  assert.deepEqual(Object.keys(f.json.vectors), ['c']);
  assert.equal((await c.stats('mt')).json.namespaces[ns].vectorCount, 1);
  // the legacy DELETE form with query parameters
  await c.upsert('mt', ns, [{ id: 'e', values: vec(1) }]);
  r = await c.req('DELETE', `/index/mt/vectors/delete?ids=e&namespace=${ns}`);
  assert.equal(r.status, 200, r.text);
  f = await c.req('GET', `/index/mt/vectors/fetch?ids=e&namespace=${ns}`);
  assert.deepEqual(f.json.vectors, {});
  assertDataError(await c.req('POST', '/index/mt/vectors/delete', { body: { namespace: ns } }), 400, 3, /exactly one of/);
  assertDataError(
    await c.req('POST', '/index/mt/vectors/delete', { body: { namespace: ns, ids: Array.from({ length: 1001 }, (_, i) => `${i}`) } }),
    400,
    3,
    /1000/,
  );
  r = await c.req('POST', '/index/mt/vectors/delete', { body: { namespace: ns, deleteAll: true } });
  assert.equal(r.status, 200);
  const s = await c.stats('mt');
  assert.equal(s.json.namespaces[ns], undefined);
  assertDataError(await c.req('POST', '/index/mt/vectors/delete', { body: { namespace: ns, deleteAll: true } }), 404, 5, `Namespace ${ns} not found`);
  assertDataError(await c.req('POST', '/index/mt/vectors/delete', { body: { namespace: 'never', ids: ['x'] } }), 404, 5);
  // deleteAll leaves nothing in the namespace's storage.
  assert.equal(await (await c.namespaceObject('mt', ns)).storedRows(), 0);
});

test('§8.22 list by prefix in C order with pagination', async () => {
  const ns = 'listing';
  await c.upsert('mt', ns, ['doc1#1', 'doc1#3', 'doc1#2', 'doc2#1'].map((id) => ({ id, values: vec(1) })));
  let r = await c.req('GET', `/index/mt/vectors/list?namespace=${ns}&prefix=${encodeURIComponent('doc1#')}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.vectors, [{ id: 'doc1#1' }, { id: 'doc1#2' }, { id: 'doc1#3' }]);
  assert.equal(r.json.pagination, undefined);
  assert.equal(r.json.namespace, ns);
  r = await c.req('GET', `/index/mt/vectors/list?namespace=${ns}&prefix=${encodeURIComponent('doc1#')}&limit=2`);
  assert.deepEqual(r.json.vectors.map((v) => v.id), ['doc1#1', 'doc1#2']);
  assert.ok(r.json.pagination.next);
  r = await c.req(
    'GET',
    `/index/mt/vectors/list?namespace=${ns}&prefix=${encodeURIComponent('doc1#')}&limit=2&paginationToken=${r.json.pagination.next}`,
  );
  assert.deepEqual(r.json.vectors.map((v) => v.id), ['doc1#3']);
  assert.equal(r.json.pagination, undefined);
  r = await c.req('GET', `/index/mt/vectors/list?namespace=${ns}&prefix=`);
  assert.equal(r.json.vectors.length, 4);
  assertDataError(await c.req('GET', `/index/mt/vectors/list?namespace=${ns}&limit=abc`), 400, 3, /limit/);
  assertDataError(await c.req('GET', `/index/mt/vectors/list?namespace=${ns}&limit=0`), 400, 3, /limit/);
  assertDataError(await c.req('GET', `/index/mt/vectors/list?namespace=${ns}&paginationToken=zz`), 400, 3, 'Invalid pagination token.');
  const none = await c.req('GET', '/index/mt/vectors/list?namespace=never');
  assert.deepEqual(none.json.vectors, []);
});

test('§8.23 describe_index_stats counts every namespace (POST and GET); filters are refused on serverless', async () => {
  await c.createIndex('stats');
  await seedFixture(c, 'stats');
  const expected = {
    namespaces: { tenant1: { vectorCount: 4 }, tenant2: { vectorCount: 4 } },
    dimension: 8,
    indexFullness: 0,
    totalVectorCount: 8,
    metric: 'cosine',
    vectorType: 'dense',
  };
  assert.deepEqual((await c.stats('stats')).json, expected);
  assert.deepEqual((await c.req('GET', '/index/stats/describe_index_stats')).json, expected);
  assertDataError(await c.stats('stats', undefined, { filter: { a: 1 } }), 400, 3, /do not support describing index stats with metadata filtering/);
  assertDataError(await c.req('POST', '/index/stats/describe_index_stats', { raw: 'nope' }), 400, 3);
});

test('§8.24 default namespace: absent, "" and "__default__" are one namespace', async () => {
  await c.createIndex('defns');
  assert.equal((await c.req('POST', '/index/defns/vectors/upsert', { body: { vectors: [{ id: 'd', values: vec(1) }] } })).status, 200);
  for (const q of ['', '&namespace=', '&namespace=__default__']) {
    const f = await c.req('GET', `/index/defns/vectors/fetch?ids=d${q}`);
    assert.deepEqual(Object.keys(f.json.vectors), ['d'], q);
  }
  const s = await c.stats('defns');
  assert.deepEqual(s.json.namespaces, { '': { vectorCount: 1 } });
  const l = await c.req('GET', '/index/defns/namespaces');
  assert.deepEqual(l.json.namespaces.map(noSize), [{ name: '__default__', record_count: '1' }]);
  const d = await c.req('GET', '/index/defns/namespaces/__default__');
  assert.equal(d.status, 200);
  assert.equal(d.json.name, '__default__');
});

test('namespaces: create (409 twice), list with prefix and pages, describe, delete (404 after)', async () => {
  await c.createIndex('nsops');
  const cr = await c.req('POST', '/index/nsops/namespaces', { body: { name: 'acme', schema: { fields: { genre: { filterable: true } } } } });
  assert.equal(cr.status, 200, cr.text);
  assert.equal(cr.json.name, 'acme');
  assert.equal(cr.json.record_count, '0');
  assertDataError(await c.req('POST', '/index/nsops/namespaces', { body: { name: 'acme' } }), 409, 6);
  assertDataError(await c.req('POST', '/index/nsops/namespaces', { body: {} }), 400, 3, /name/);
  for (const n of ['ab-1', 'ab-2', 'ab-3', 'zz']) await c.upsert('nsops', n, [{ id: 'x', values: vec(1) }]);
  let l = await c.req('GET', '/index/nsops/namespaces');
  assert.deepEqual(l.json.namespaces.map((n) => n.name), ['ab-1', 'ab-2', 'ab-3', 'acme', 'zz']);
  assert.equal(l.json.total_count, 5);
  const acme = l.json.namespaces.find((n) => n.name === 'acme');
  assert.deepEqual(acme.schema, { fields: { genre: { filterable: true } } });
  l = await c.req('GET', '/index/nsops/namespaces?prefix=ab-&limit=2');
  assert.deepEqual(l.json.namespaces.map((n) => n.name), ['ab-1', 'ab-2']);
  assert.equal(l.json.total_count, 3);
  l = await c.req('GET', `/index/nsops/namespaces?prefix=ab-&limit=2&paginationToken=${l.json.pagination.next}`);
  assert.deepEqual(l.json.namespaces.map((n) => n.name), ['ab-3']);
  assert.equal(l.json.pagination, undefined);
  assertDataError(await c.req('GET', '/index/nsops/namespaces?limit=0'), 400, 3, /limit/);
  const d = await c.req('GET', '/index/nsops/namespaces/ab-1');
  assert.deepEqual(noSize(d.json), { name: 'ab-1', record_count: '1' });
  assertDataError(await c.req('GET', '/index/nsops/namespaces/ns9'), 404, 5, 'Namespace ns9 not found');
  const del = await c.req('DELETE', '/index/nsops/namespaces/ab-1');
  assert.equal(del.status, 200);
  assert.deepEqual(del.json, {});
  assertDataError(await c.req('GET', '/index/nsops/namespaces/ab-1'), 404, 5);
  assertDataError(await c.req('DELETE', '/index/nsops/namespaces/ab-1'), 404, 5);
  assert.equal((await c.stats('nsops')).json.namespaces['ab-1'], undefined);
  assert.equal(await (await c.namespaceObject('nsops', 'ab-1')).storedRows(), 0);
  // Percent-encoded names.
  await c.upsert('nsops', 'a b/c', [{ id: 'x', values: vec(1) }]);
  const enc = await c.req('GET', `/index/nsops/namespaces/${encodeURIComponent('a b/c')}`);
  assert.equal(enc.status, 200, enc.text);
  assert.equal(enc.json.name, 'a b/c');
});

test('malformed percent-encoding in a path is a 400', async () => {
  assertDataError(await c.req('GET', '/index/mt/namespaces/%E0%A4%A'), 400, 3, /percent-encoding/);
  assertDataError(await c.req('GET', '/index/%ZZ/namespaces'), 400, 3, /percent-encoding/);
});

test('unknown index on the data plane is 404 with the data-plane body', async () => {
  assertDataError(await c.upsert('nope', 'ns', [{ id: 'a', values: vec(1) }]), 404, 5, 'Index nope not found.');
  assertDataError(await c.query('nope', { topK: 1, vector: vec(1) }), 404, 5);
  assertDataError(await c.stats('nope'), 404, 5);
  assertDataError(await c.req('GET', '/index/nope/namespaces'), 404, 5);
});

test('sparse index: sparse records and hybrid scoring through the worker', async () => {
  const r = await c.req('POST', '/indexes', {
    body: { name: 'sparse', vector_type: 'sparse', metric: 'dotproduct', spec: { serverless: { cloud: 'aws', region: 'us-east-1' } } },
  });
  assert.equal(r.status, 201, r.text);
  const up = await c.upsert('sparse', 's', [
    { id: 'a', sparseValues: { indices: [1, 5], values: [1, 2] } },
    { id: 'b', sparseValues: { indices: [5], values: [1] } },
  ]);
  assert.equal(up.status, 200, up.text);
  const q = await c.query('sparse', { namespace: 's', topK: 2, sparseVector: { indices: [5], values: [2] } });
  assert.deepEqual(q.json.matches.map((m) => m.id), ['a', 'b']);
  close(q.json.matches[0].score, 4);
  assertDataError(await c.upsert('sparse', 's', [{ id: 'c', values: [1, 2] }]), 400, 3);
  assertDataError(
    await c.upsert('sparse', 's', [{ id: 'c', sparseValues: { indices: Array.from({ length: 2049 }, (_, i) => i), values: Array(2049).fill(1) } }]),
    400,
    3,
    /2048/,
  );
});
