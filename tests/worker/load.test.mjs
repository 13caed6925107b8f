// A small, bounded version of worker/loadtest.mjs: 100 tenants, each with
// its own key, upserting and querying concurrently. Zero errors, zero lost
// writes, every query sees only its own tenant's records.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLoad, formatReport } from '../../worker/loadtest.mjs';

test('100 tenants: concurrent upserts and queries, no errors, no lost writes', async () => {
  const r = await runLoad({ tenants: 100, upserts: 3, batch: 5, queries: 2, concurrency: 16, dim: 32, maxSeconds: 60 });
  console.log(formatReport(r));
  assert.equal(r.notStarted, 0, 'the time bound cut the run short');
  assert.deepEqual(r.errors, []);
  assert.equal(r.requests, 500);
  assert.equal(r.acknowledgedRecords, 1500);
  assert.equal(r.lostWrites, 0);
  assert.equal(r.unexpectedRecords, 0);
  assert.equal(r.totalVectorCount, 1500);
});
