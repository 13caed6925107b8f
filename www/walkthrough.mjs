// The seed's multitenancy walkthrough, run against the built package in
// Node: one index, one namespace per tenant. `make demo` runs it.
import { Pinecone } from '../pkg/node.js';

const show = (label, value) => console.log(`\n# ${label}\n${JSON.stringify(value, null, 2)}`);
const v = (x) => Array(8).fill(x);

const pc = new Pinecone();
const model = await pc.createIndex({
  name: 'multitenant-app',
  dimension: 8,
  metric: 'cosine',
  spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
});
show('createIndex multitenant-app (dimension 8, cosine)', model);

const index = pc.index('multitenant-app');
await index.namespace('tenant1').upsert([
  { id: 'A', values: v(0.1) },
  { id: 'B', values: v(0.2) },
  { id: 'C', values: v(0.3) },
  { id: 'D', values: v(0.4) },
]);
await index.namespace('tenant2').upsert([
  { id: 'E', values: v(0.5) },
  { id: 'F', values: v(0.6) },
  { id: 'G', values: v(0.7) },
  { id: 'H', values: v(0.8) },
]);
show('upsert A-D into tenant1, E-H into tenant2: describeIndexStats', await index.describeIndexStats());

await index.namespace('tenant1').update({ id: 'A', values: v(0.15), metadata: { updated: true } });
show('update A in tenant1: fetch A', await index.namespace('tenant1').fetch(['A']));

const res = await index.namespace('tenant2').query({ topK: 3, vector: v(0.7), includeValues: true });
show('query tenant2 with [0.7]*8, topK 3, includeValues', res);

await index.namespace('tenant1').deleteAll();
show('deleteAll on tenant1 (offboarding): describeIndexStats', await index.describeIndexStats());
