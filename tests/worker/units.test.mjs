// Unit tests of the worker's pure modules (run in Node, no workerd):
// tuple-key encoding, the 2026-07 translation, and API-key parsing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKey, decodeKey } from '../../worker/src/storage.js';
import { createBodyFrom0726, modelTo0726, configureBodyFrom0726 } from '../../worker/src/versions.js';
import { parseApiKeys } from '../../worker/src/auth.js';

function cmpBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Tuple order: element-wise, integers before strings, strings by UTF-8 bytes. */
function cmpTuple(a, b) {
  const enc = new TextEncoder();
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    const c = typeof x === 'number' ? x - y : cmpBytes(enc.encode(x), enc.encode(y));
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

test('tuple keys: round trip, order and prefixes match the engine storage rules', () => {
  const keys = [
    [],
    ['seg'],
    ['seg', 'idx'],
    ['seg', 'idx', ''],
    ['seg', 'idx', '', 0],
    ['seg', 'idx', '', 2],
    ['seg', 'idx', '', 10],
    ['seg', 'idx', '', 2 ** 53 - 1],
    ['seg', 'idx', 'a'],
    ['seg', 'idx', 'a\0'],
    ['seg', 'idx', 'a\0b'],
    ['seg', 'idx', 'a', 1],
    ['seg', 'idx', 'ab'],
    ['seg', 'idx', 'é'],
    ['seg', 'idx', '\u{1F600}'],
    ['seg', 'idx', '\uFFFF'],
    ['seg', 0],
    [0],
    [1, 'x'],
    ['manifest', 'idx', 'a'],
  ];
  for (const k of keys) assert.deepEqual(decodeKey(encodeKey(k)), k);
  for (const a of keys) {
    for (const b of keys) {
      const byBytes = Math.sign(cmpBytes(encodeKey(a), encodeKey(b)));
      assert.equal(byBytes, Math.sign(cmpTuple(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
      const isPrefix = a.length <= b.length && a.every((p, i) => p === b[i]);
      const ea = encodeKey(a);
      const eb = encodeKey(b);
      const bytePrefix = ea.length <= eb.length && ea.every((x, i) => x === eb[i]);
      assert.equal(bytePrefix, isPrefix, `prefix ${JSON.stringify(a)} of ${JSON.stringify(b)}`);
    }
  }
  assert.throws(() => encodeKey(['a', -1]));
  assert.throws(() => encodeKey(['a', 1.5]));
  assert.throws(() => encodeKey([{}]));
  assert.throws(() => decodeKey(Uint8Array.from([2, 97])));
});

test('2026-07 translation: create, configure and the IndexModel', () => {
  assert.deepEqual(
    createBodyFrom0726({
      name: 'x',
      schema: { fields: { _values: { type: 'dense_vector', dimension: 8, metric: 'COSINE' } } },
      deployment: { deployment_type: 'managed', cloud: 'aws', region: 'us-east-1' },
      read_capacity: { mode: 'OnDemand' },
      deletion_protection: 'enabled',
      tags: { a: 'b' },
    }),
    {
      name: 'x',
      dimension: 8,
      metric: 'cosine',
      vector_type: 'dense',
      spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
      deletion_protection: 'enabled',
      tags: { a: 'b' },
    },
  );
  assert.throws(() => createBodyFrom0726({ name: 'x', schema: { fields: {} }, deployment: {} }), /_values/);
  assert.throws(
    () =>
      createBodyFrom0726({
        name: 'x',
        schema: { fields: { _values: { type: 'dense_vector', dimension: 8 } } },
        deployment: { deployment_type: 'managed', cloud: 'aws', region: 'r' },
        read_capacity: { mode: 'Dedicated' },
      }),
    /OnDemand/,
  );
  assert.throws(() => createBodyFrom0726({ name: 'x', bogus: 1 }), /Unknown field `bogus`/);
  assert.deepEqual(configureBodyFrom0726({ deployment: { replicas: 2 } }), { spec: { pod: { replicas: 2 } } });
  assert.throws(() => configureBodyFrom0726({ deployment: { shards: 2 } }), /replicas/);
  const pod = modelTo0726({
    name: 'p',
    host: 'http://h/index/p',
    status: { ready: true, state: 'Ready' },
    dimension: 8,
    metric: 'dotproduct',
    vector_type: 'dense',
    deletion_protection: 'disabled',
    tags: {},
    spec: { pod: { environment: 'e', pod_type: 's1.x2', pods: 4, replicas: 2, shards: 2, metadata_config: { indexed: ['genre'] } } },
  });
  assert.deepEqual(pod.deployment, { deployment_type: 'pod', environment: 'e', pod_type: 's1.x2', replicas: 2, shards: 2 });
  assert.deepEqual(pod.schema.fields.genre, { filterable: true });
  assert.equal(pod.tags, null);
  assert.equal(pod.read_capacity, undefined);
});

test('API key configuration parsing', () => {
  assert.deepEqual([...parseApiKeys(' k1=tenant1 , k2=tenant 2,,')], [
    ['k1', 'tenant1'],
    ['k2', 'tenant 2'],
  ]);
  assert.equal(parseApiKeys('').size, 0);
  assert.equal(parseApiKeys(undefined).size, 0);
  for (const bad of ['k1', '=t', 'k=', 'k=__default__', 'k=a,k=b', `k=${'x'.repeat(513)}`]) {
    assert.throws(() => parseApiKeys(bad), /CONIFER_API_KEYS/, bad);
  }
});
