// GET /metrics after a known sequence of requests: exact counters across
// namespace objects and the catalog, before and after the objects flush,
// and after an object drops its engine.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, vec, KEY1, parseProm, sleep } from './helpers.mjs';

let c;
before(async () => {
  c = await start();
});
after(() => c.close());

const L = (index, rt) => `index_name="${index}",project_name="test-project",request_type="${rt}"`;

async function scrape() {
  const r = await c.req('GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return { text: r.text, m: parseProm(r.text) };
}

function checkCounts(m, index, expected) {
  for (const [rt, [count, errors]] of Object.entries(expected)) {
    assert.equal(m.get(`pinecone_request_count_total{${L(index, rt)}}`), count, `${rt} count`);
    assert.equal(m.get(`pinecone_request_error_count_total{${L(index, rt)}}`), errors, `${rt} errors`);
    assert.equal(m.get(`pinecone_request_latency_seconds_count{${L(index, rt)}}`), count, `${rt} histogram count`);
    assert.equal(m.get(`pinecone_request_latency_seconds_bucket{${L(index, rt)},le="+Inf"}`), count, `${rt} +Inf bucket`);
    let prev = 0;
    for (const le of ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5']) {
      const v = m.get(`pinecone_request_latency_seconds_bucket{${L(index, rt)},le="${le}"}`);
      assert.ok(v >= prev && v <= count, `${rt} bucket ${le}=${v}`);
      prev = v;
    }
    assert.ok(m.get(`pinecone_request_latency_seconds_sum{${L(index, rt)}}`) >= 0);
  }
}

test('counters, gauges and histograms after a known sequence, exact before and after flushes', async () => {
  await c.createIndex('m1');
  const ok = (r) => assert.equal(r.status, 200, r.text);
  // upsert: 3 good (two namespaces), 1 bad
  ok(await c.upsert('m1', 't1', [{ id: 'a', values: vec(1) }, { id: 'b', values: vec(0.5) }]));
  ok(await c.upsert('m1', 't1', [{ id: 'c', values: vec(0.2) }]));
  ok(await c.upsert('m1', 't2', [{ id: 'z', values: vec(0.3) }]));
  assert.equal((await c.upsert('m1', 't1', [{ id: 'x', values: [1] }])).status, 400);
  // query: 2 good, 1 on a namespace that does not exist (the catalog answers), 1 bad
  ok(await c.query('m1', { namespace: 't1', topK: 2, vector: vec(1) }));
  ok(await c.query('m1', { namespace: 't2', topK: 2, vector: vec(1) }));
  ok(await c.query('m1', { namespace: 'nobody', topK: 2, vector: vec(1) }));
  assert.equal((await c.query('m1', { namespace: 't1', topK: 2, vector: [1] })).status, 400);
  // fetch: GET fetch and fetch_by_metadata
  ok(await c.req('GET', '/index/m1/vectors/fetch?ids=a&namespace=t1'));
  ok(await c.req('POST', '/index/m1/vectors/fetch_by_metadata', { body: { namespace: 't1', filter: { g: 1 } } }));
  // delete, describe_index_stats (x2), update
  ok(await c.req('POST', '/index/m1/vectors/delete', { body: { namespace: 't1', ids: ['c'] } }));
  ok(await c.stats('m1'));
  ok(await c.req('GET', '/index/m1/describe_index_stats'));
  ok(await c.req('POST', '/index/m1/vectors/update', { body: { namespace: 't1', id: 'a', setMetadata: { g: 1 } } }));
  // refused before the engine: not counted
  assert.equal((await c.query('m1', { namespace: 't2', topK: 1, vector: vec(1) }, KEY1)).status, 403);
  assert.equal((await c.req('POST', '/index/m1/query', { raw: '{', key: undefined })).status, 400);

  const expected = {
    upsert: [4, 1],
    query: [4, 1],
    fetch: [2, 0],
    delete: [1, 0],
    describe_index_stats: [2, 0],
    update: [1, 0],
  };
  let { m, text } = await scrape();
  checkCounts(m, 'm1', expected);
  assert.equal(m.get('pinecone_vector_count{index_name="m1",project_name="test-project"}'), 3);
  assert.equal(m.get('pinecone_index_fullness{index_name="m1",project_name="test-project"}'), 0);
  for (const name of ['pinecone_vector_count', 'pinecone_request_count_total', 'pinecone_request_error_count_total', 'pinecone_index_fullness']) {
    assert.match(text, new RegExp(`# TYPE ${name} (gauge|counter)`));
  }
  assert.match(text, /# TYPE pinecone_request_latency_seconds histogram/);

  // After the objects flush their deltas to the catalog: the same figures.
  await sleep(700);
  ({ m } = await scrape());
  checkCounts(m, 'm1', expected);

  // deleteAll drops t2's engine; its counts stay.
  ok(await c.req('POST', '/index/m1/vectors/delete', { body: { namespace: 't2', deleteAll: true } }));
  ({ m } = await scrape());
  checkCounts(m, 'm1', { ...expected, delete: [2, 0] });
  assert.equal(m.get('pinecone_vector_count{index_name="m1",project_name="test-project"}'), 2);
  await sleep(700);
  ({ m } = await scrape());
  checkCounts(m, 'm1', { ...expected, delete: [2, 0] });
});

test('pod index fullness is records over the engine\'s capacity', async () => {
  const model = await c.createIndex('m2', { spec: { pod: { environment: 'us-east1-gcp', pod_type: 'p1.x1', pods: 1 } } });
  const vectors = Array.from({ length: 10 }, (_, i) => ({ id: `v${i}`, values: vec(i + 1) }));
  assert.equal((await c.upsert('m2', 'a', vectors.slice(0, 6))).status, 200);
  assert.equal((await c.upsert('m2', 'b', vectors.slice(6))).status, 200);
  const cap = model.conifer.capacity;
  assert.equal(cap, 1_250_000 * 4);
  const { m } = await scrape();
  assert.equal(m.get('pinecone_vector_count{index_name="m2",project_name="test-project"}'), 10);
  const full = m.get('pinecone_index_fullness{index_name="m2",project_name="test-project"}');
  assert.ok(Math.abs(full - 10 / cap) < 1e-15, `${full}`);
  const s = await c.stats('m2');
  assert.ok(Math.abs(s.json.indexFullness - 10 / cap) < 1e-15);
  // The engine in namespace 'a' computes its own fullness with the same capacity.
  const cfg = await (await c.catalog()).dataConfig('m2');
  const own = await (await c.namespaceObject('m2', 'a')).op(cfg, 'a', 'describe_index_stats', '{}');
  const engineFull = JSON.parse(own.body).indexFullness;
  assert.ok(Math.abs(engineFull - 6 / cap) < 1e-15, `${engineFull} vs ${6 / cap}`);
});

test('deleting an index removes its series', async () => {
  await c.createIndex('m3');
  assert.equal((await c.upsert('m3', 'a', [{ id: 'x', values: vec(1) }])).status, 200);
  let { m } = await scrape();
  assert.equal(m.get(`pinecone_request_count_total{${L('m3', 'upsert')}}`), 1);
  assert.equal((await c.req('DELETE', '/indexes/m3')).status, 202);
  ({ m } = await scrape());
  assert.equal(m.get(`pinecone_request_count_total{${L('m3', 'upsert')}}`), undefined);
  assert.equal(m.get('pinecone_vector_count{index_name="m3",project_name="test-project"}'), undefined);
});
