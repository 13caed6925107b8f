// Control-plane shapes of the two API versions served side by side.
//
// The engine speaks 2026-04 (`dimension`/`metric`/`vector_type`/`spec`).
// Clients sending `X-Pinecone-Api-Version: 2026-07` or later (Python
// `pinecone` 10.x, TS 9.x) use `schema` + `deployment`; their requests are
// translated to 2026-04 here and the engine's IndexModel back to 2026-07.
// The data plane is the same in both versions.

export const V2026_04 = '2026-04';
export const V2026_07 = '2026-07';

/** Which control-plane version a request speaks. */
export function requestVersion(request, body) {
  const h = (request.headers.get('X-Pinecone-Api-Version') || '').trim();
  if (/^\d{4}-\d{2}/.test(h)) return h >= V2026_07 ? V2026_07 : V2026_04;
  // No (or an unparseable) header: sniff a create body, else the oldest version.
  if (body && typeof body === 'object' && ('schema' in body || 'deployment' in body)) return V2026_07;
  return V2026_04;
}

export class TranslationError extends Error {
  constructor(message, status = 400, code = 'INVALID_ARGUMENT') {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const CREATE_KEYS = new Set(['name', 'schema', 'deployment', 'read_capacity', 'deletion_protection', 'tags', 'conifer']);

/** A 2026-07 createIndex body as a 2026-04 one. */
export function createBodyFrom0726(b) {
  if (!isObject(b)) throw new TranslationError('Request body must be a JSON object.');
  // A 2026-04 body sent with a 2026-07 header: accept it as is.
  if (!('schema' in b) && !('deployment' in b) && ('spec' in b || 'dimension' in b)) return b;
  for (const k of Object.keys(b)) {
    if (!CREATE_KEYS.has(k)) throw new TranslationError(`Unknown field \`${k}\` in create index request.`);
  }
  const out = { name: b.name };
  const fields = isObject(b.schema) && isObject(b.schema.fields) ? b.schema.fields : null;
  if (!fields) throw new TranslationError('Missing required field `schema.fields`.');
  const dense = fields._values;
  const sparse = fields._sparse_values;
  for (const [name, f] of Object.entries(fields)) {
    if (name === '_values' || name === '_sparse_values') continue;
    const t = isObject(f) ? f.type : undefined;
    if (t === undefined && isObject(f) && f.filterable === true) continue; // legacy metadata field
    throw new TranslationError(
      `Schema field '${name}' defines a Documents API index, which this deployment does not support; use \`_values\` (dense_vector) or \`_sparse_values\` (sparse_vector).`,
    );
  }
  if (dense !== undefined) {
    if (!isObject(dense) || dense.type !== 'dense_vector') {
      throw new TranslationError('Schema field `_values` must have type `dense_vector`.');
    }
    out.dimension = dense.dimension;
    if (dense.metric !== undefined) out.metric = typeof dense.metric === 'string' ? dense.metric.toLowerCase() : dense.metric;
    out.vector_type = 'dense';
  } else if (sparse !== undefined) {
    if (!isObject(sparse) || sparse.type !== 'sparse_vector') {
      throw new TranslationError('Schema field `_sparse_values` must have type `sparse_vector`.');
    }
    out.vector_type = 'sparse';
    out.metric = 'dotproduct';
  } else {
    throw new TranslationError('The schema must define `_values` (dense_vector) or `_sparse_values` (sparse_vector).');
  }
  const legacyIndexed = Object.entries(fields)
    .filter(([n, f]) => n !== '_values' && n !== '_sparse_values' && isObject(f) && f.filterable === true)
    .map(([n]) => n);
  const d = b.deployment;
  if (!isObject(d)) throw new TranslationError('Missing required field `deployment`.');
  if (d.deployment_type === 'managed' || d.deployment_type === undefined) {
    out.spec = { serverless: { cloud: d.cloud, region: d.region } };
  } else if (d.deployment_type === 'pod') {
    const pod = { environment: d.environment, pod_type: d.pod_type ?? 'p1.x1', replicas: d.replicas ?? 1, shards: d.shards ?? 1 };
    if (legacyIndexed.length) pod.metadata_config = { indexed: legacyIndexed };
    out.spec = { pod };
  } else if (d.deployment_type === 'byoc') {
    throw new TranslationError("deployment_type 'byoc' is not supported by this deployment");
  } else {
    throw new TranslationError(`Unknown deployment_type '${d.deployment_type}'. Expected one of: 'managed', 'pod', 'byoc'.`);
  }
  checkReadCapacity(b.read_capacity);
  if (b.deletion_protection !== undefined) out.deletion_protection = b.deletion_protection;
  if (b.tags !== undefined && b.tags !== null) out.tags = b.tags;
  if (b.conifer !== undefined) out.conifer = b.conifer;
  return out;
}

function checkReadCapacity(rc) {
  if (rc === undefined || rc === null) return;
  if (!isObject(rc) || rc.mode !== 'OnDemand') {
    throw new TranslationError("read_capacity: only mode 'OnDemand' is supported by this deployment.");
  }
}

const CONFIGURE_KEYS = new Set(['deletion_protection', 'tags', 'read_capacity', 'deployment', 'embed']);

/** A 2026-07 configureIndex body as a 2026-04 one. */
export function configureBodyFrom0726(b) {
  if (!isObject(b)) throw new TranslationError('Request body must be a JSON object.');
  for (const k of Object.keys(b)) {
    if (!CONFIGURE_KEYS.has(k)) throw new TranslationError(`Unknown field \`${k}\` in configure index request.`);
  }
  if (b.embed !== undefined && b.embed !== null) throw new TranslationError('`embed` is not supported by this deployment.');
  checkReadCapacity(b.read_capacity);
  const out = {};
  if (b.deletion_protection !== undefined) out.deletion_protection = b.deletion_protection;
  if (b.tags !== undefined) out.tags = b.tags;
  if (b.deployment !== undefined && b.deployment !== null) {
    if (!isObject(b.deployment)) throw new TranslationError('`deployment` must be an object.');
    for (const k of Object.keys(b.deployment)) {
      if (k !== 'replicas' && k !== 'pod_type') {
        throw new TranslationError(`Only \`replicas\` and \`pod_type\` of \`deployment\` can be configured, not \`${k}\`.`);
      }
    }
    out.spec = { pod: { ...b.deployment } };
  }
  return out;
}

/** The engine's 2026-04 IndexModel in the 2026-07 shape. */
export function modelTo0726(m) {
  const fields = {};
  if (m.vector_type === 'sparse') {
    fields._sparse_values = { type: 'sparse_vector' };
  } else {
    fields._values = { type: 'dense_vector', dimension: m.dimension, metric: m.metric };
    fields._sparse_values = { type: 'sparse_vector' };
  }
  const out = { name: m.name, host: m.host, status: m.status, schema: { fields } };
  const pod = m.spec && m.spec.pod;
  if (pod) {
    for (const f of (pod.metadata_config && pod.metadata_config.indexed) || []) {
      if (!(f in fields)) fields[f] = { filterable: true };
    }
    out.deployment = {
      deployment_type: 'pod',
      environment: pod.environment,
      pod_type: pod.pod_type,
      replicas: pod.replicas,
      shards: pod.shards,
    };
  } else {
    const s = (m.spec && m.spec.serverless) || {};
    out.deployment = { deployment_type: 'managed', cloud: s.cloud, region: s.region };
    out.read_capacity = { mode: 'OnDemand', status: { state: 'Ready' } };
  }
  out.deletion_protection = m.deletion_protection;
  out.tags = m.tags && Object.keys(m.tags).length ? m.tags : null;
  const source = (pod && pod.source_collection) || (m.spec && m.spec.serverless && m.spec.serverless.source_collection);
  if (source) out.source_collection = source;
  return out;
}
