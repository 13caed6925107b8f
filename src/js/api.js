// The Pinecone-shaped JS API over the wasm engine. This file holds argument
// handling only (both TS call shapes, client-side checks with the TS
// client's messages, camelCase <-> wire conversion) plus routing writes
// through the cross-tab write lock of IndexedDB databases (tabs.js); every
// rule about data lives in the Rust engine.

import { Engine, buildInfo as wasmBuildInfo, runStorageConformance as wasmConformance } from './wasm/conifer.js';
import { rethrow, argError, PineconeConflictError } from './errors.js';
import { Tabs } from './tabs.js';

export * from './errors.js';

let loader = null;
let loading = null;

/** Set by each entry point (browser, Node, workerd) to instantiate the wasm. */
export function setLoader(fn) {
  loader = fn;
}

function ensureWasm() {
  if (!loading) {
    if (!loader) throw new Error('conifer-db: no wasm loader for this runtime');
    loading = Promise.resolve().then(loader);
  }
  return loading;
}

/** `{ version, simd128 }` of the loaded wasm build. */
export async function buildInfo() {
  await ensureWasm();
  return JSON.parse(wasmBuildInfo());
}

/** Default host template for in-process indexes. */
const DEFAULT_HOST = '{name}.svc.conifer.local';

/** Database name when `new Pinecone()` is given none. */
const DEFAULT_NAME = 'default';
/** Quiet time after the last call before queued compactions run. */
const COMPACT_IDLE_MS = 1000;

/** Data-plane operations that write (run under the cross-tab write lock). */
const WRITE_OPS = new Set(['upsert', 'update', 'delete', 'create_namespace']);

/** True where IndexedDB exists (browsers, their workers). */
function hasIndexedDb() {
  return typeof globalThis.indexedDB === 'object' && globalThis.indexedDB !== null && typeof globalThis.indexedDB.open === 'function';
}

/**
 * Runs the storage conformance suite of the engine against a storage
 * adapter (`{ get, scan, commit }`); rejects with the first failed check.
 */
export async function runStorageConformance(adapter) {
  await ensureWasm();
  return call(wasmConformance(adapter));
}

async function call(p) {
  try {
    return await p;
  } catch (e) {
    rethrow(e);
  }
}

function parse(s) {
  return s === undefined || s === null ? s : JSON.parse(s);
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function snakeToCamel(k) {
  return k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
}

function camelToSnake(k) {
  return k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/** Converts control-plane keys to camelCase; user keys (tags, schema fields) are kept. */
function camelize(v, keep = false) {
  if (Array.isArray(v)) return v.map((x) => camelize(x));
  if (!isPlainObject(v)) return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const key = keep ? k : snakeToCamel(k);
    out[key] = camelize(x, k === 'tags' || k === 'fields');
  }
  return out;
}

function snakify(v, keep = false) {
  if (Array.isArray(v)) return v.map((x) => snakify(x));
  if (!isPlainObject(v)) return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    const key = keep ? k : camelToSnake(k);
    out[key] = snakify(x, k === 'tags' || k === 'fields');
  }
  return out;
}

/** Checks an array of finite numbers; returns a copy as an `Out` (Array or Float64Array). */
function toNumbers(values, what, Out = Array) {
  if (values === undefined || values === null) return undefined;
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw argError(`\`${what}\` must be an array of numbers.`);
  }
  return fillNumbers(values, what, new Out(values.length), 0);
}

/** Checks `values` (an array or typed array) and copies them into `out` from `at`. */
function fillNumbers(values, what, out, at) {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (typeof x !== 'number') throw argError(`\`${what}\` must be an array of numbers; item ${i} is ${typeof x}.`);
    if (!Number.isFinite(x)) throw argError(`\`${what}\` must contain finite numbers; item ${i} is ${x}.`);
    out[at + i] = x;
  }
  return out;
}

function toSparse(s, what) {
  if (s === undefined || s === null) return undefined;
  if (!isPlainObject(s)) throw argError(`\`${what}\` must be an object with \`indices\` and \`values\`.`);
  const indices = toNumbers(s.indices, `${what}.indices`) ?? [];
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i > 0xffffffff) {
      throw argError(`\`${what}.indices\` must be non-negative 32-bit integers; got ${i}.`);
    }
  }
  return { indices, values: toNumbers(s.values, `${what}.values`) ?? [] };
}

const RECORD_KEYS = new Set(['id', 'values', 'sparseValues', 'metadata']);

/** `0xFFFFFFFF` in `lens`: this record's dense values are not passed beside the body. */
const NO_VECTOR = 0xffffffff;

/**
 * Records as the upsert body plus their dense values beside it (a
 * Float64Array back to back, and each record's length), checked as
 * `wireRecord` checks them.
 */
function wireRecords(records) {
  let total = 0;
  for (const r of records) {
    const v = isPlainObject(r) ? r.values : undefined;
    if (Array.isArray(v) || ArrayBuffer.isView(v)) total += v.length;
  }
  const values = new Float64Array(total);
  const lens = new Uint32Array(records.length);
  let at = 0;
  const vectors = records.map((r, i) => {
    const w = wireRecord(r, true);
    if (r.values === undefined || r.values === null) lens[i] = NO_VECTOR;
    else {
      fillNumbers(r.values, 'values', values, at);
      lens[i] = r.values.length;
      at += r.values.length;
    }
    return w;
  });
  return { vectors, side: { values, lens } };
}

/** `wireRecord(r, true)` leaves `values` out (they travel beside the body). */
function wireRecord(r, valuesBeside = false) {
  if (!isPlainObject(r)) throw argError('Every record must be an object.');
  if (r.id === undefined || r.id === null) {
    throw argError('Every record must include an `id` property in order to upsert.');
  }
  if (typeof r.id !== 'string') throw argError('Record property `id` must be a string.');
  if (r.values === undefined && r.sparseValues === undefined) {
    throw argError('Every record must include either `values` or `sparseValues` in order to upsert.');
  }
  const bad = Object.keys(r).filter((k) => !RECORD_KEYS.has(k));
  if (bad.length) {
    throw argError(
      `Object contained invalid properties: ${bad.join(', ')}. Valid properties include id, values, sparseValues, metadata.`,
    );
  }
  if (r.metadata !== undefined && r.metadata !== null && !isPlainObject(r.metadata)) {
    throw argError('Record property `metadata` must be an object.');
  }
  if (valuesBeside && r.values !== undefined && r.values !== null && !Array.isArray(r.values) && !ArrayBuffer.isView(r.values)) {
    throw argError('`values` must be an array of numbers.');
  }
  return {
    id: r.id,
    values: valuesBeside ? undefined : toNumbers(r.values, 'values'),
    sparseValues: toSparse(r.sparseValues, 'sparseValues'),
    metadata: r.metadata ?? undefined,
  };
}

function stringify(body) {
  try {
    return JSON.stringify(body);
  } catch (e) {
    throw argError(`Request could not be serialised: ${e.message}`);
  }
}

function checkFilter(filter) {
  if (filter === undefined || filter === null) return undefined;
  if (!isPlainObject(filter) || Object.keys(filter).length === 0) {
    throw argError('You must enter a `filter` object with at least one key-value pair.');
  }
  return filter;
}

/** Converts an engine IndexModel (wire) to the TS client's camelCase shape. */
function indexModel(wire) {
  const m = camelize(wire);
  return m;
}

/**
 * A client for a local Conifer database with Pinecone's API.
 *
 * `new Pinecone({ storage, name, durability })`: `storage` is
 * `"indexeddb"` (the default where IndexedDB exists: browsers and their
 * workers), `"memory"` (the default elsewhere) or a storage adapter object
 * (`{ get, scan, commit }`, see README). `name` picks the IndexedDB database
 * (`conifer-db:<name>`, default `"default"`); `durability` is `"relaxed"`
 * (default) or `"strict"`.
 */
export class Pinecone {
  constructor(options = {}) {
    if (!isPlainObject(options)) throw argError('Pinecone options must be an object.');
    this._options = { ...options };
    this._db = null;
    this._tabs = null;
    this._compacting = null;
    this._compactTimer = null;
    this._hostTemplate = options.hostTemplate || DEFAULT_HOST;
  }

  /** @internal the opened engine (opened on first use). */
  _engine() {
    if (!this._db) {
      const o = this._options;
      const storage = o.storage ?? (hasIndexedDb() ? 'indexeddb' : 'memory');
      let kind;
      let adapter;
      if (storage === 'memory') kind = 'memory';
      else if (storage === 'memory-store') kind = 'memory-store';
      else if (storage === 'indexeddb') {
        if (!hasIndexedDb()) return Promise.reject(argError("storage: 'indexeddb' needs IndexedDB, which this runtime lacks."));
        kind = 'indexeddb';
      } else if (storage !== null && typeof storage === 'object') {
        kind = 'adapter';
        adapter = storage;
      } else {
        return Promise.reject(
          argError(`Unknown storage option '${storage}'. Use 'indexeddb', 'memory' or a storage adapter object.`),
        );
      }
      const name = o.name ?? DEFAULT_NAME;
      if (typeof name !== 'string' || name.length === 0) return Promise.reject(argError('`name` must be a non-empty string.'));
      const durability = o.durability ?? 'relaxed';
      if (durability !== 'relaxed' && durability !== 'strict') {
        return Promise.reject(argError(`Invalid durability '${durability}'. Valid values are: relaxed, strict.`));
      }
      const dbName = `conifer-db:${name}`;
      this._db = (async () => {
        await ensureWasm();
        const db = await call(
          Engine.open(kind, adapter, Number(o.memoryBudget ?? 0), String(o.projectName ?? ''), dbName, durability),
        );
        this._tabs = db.isShared() ? new Tabs(db, dbName) : null;
        return db;
      })();
      this._db.catch(() => {
        this._db = null;
      });
    }
    return this._db;
  }

  /** @internal runs a write as this origin's one writer (IndexedDB). */
  _write(fn) {
    return this._tabs ? this._tabs.write(fn) : fn();
  }

  /**
   * @internal after a call: schedules the compactions the engine queued
   * (folding a long segment log; storing an HNSW graph so the next open
   * installs it instead of rebuilding it) for when calls pause for
   * `COMPACT_IDLE_MS`, so a bulk ingest is not slowed by rewriting the
   * namespace after every batch.
   */
  _maintain(db) {
    if (db.compactionsDue() === 0) return;
    clearTimeout(this._compactTimer);
    this._compactTimer = setTimeout(() => {
      this._compactTimer = null;
      this._compactNow(db);
    }, COMPACT_IDLE_MS);
    // Node: a pending compaction does not keep the process alive (the next
    // open builds what was not stored, and queues the compaction again).
    this._compactTimer.unref?.();
  }

  /** @internal runs the queued compactions now, as the origin's one writer; resolves when done. */
  _compactNow(db) {
    clearTimeout(this._compactTimer);
    this._compactTimer = null;
    if (this._compacting) return this._compacting;
    if (db.compactionsDue() === 0) return Promise.resolve();
    // A failed compaction changes nothing (the old log stays valid); it is
    // queued again the next time it is found due.
    this._compacting = Promise.resolve(this._write(() => db.compactDue()))
      .catch(() => {})
      .finally(() => {
        this._compacting = null;
      });
    return this._compacting;
  }

  /**
   * Finishes pending background work (compactions that store HNSW graphs,
   * so the next open does not rebuild them), then closes the storage (the
   * IndexedDB connection). A later call opens it again.
   */
  async close() {
    const p = this._db;
    this._db = null;
    if (!p) return;
    let db;
    try {
      db = await p;
    } catch {
      return;
    }
    await this._compactNow(db);
    this._tabs?.close();
    this._tabs = null;
    db.close();
  }

  async createIndex(options) {
    if (!isPlainObject(options)) throw argError('You must pass an object to createIndex.');
    const { name, dimension, metric, vectorType = 'dense', spec } = options;
    if (typeof name !== 'string' || name.length === 0) {
      throw argError('You must pass a non-empty string for `name` in order to create an index.');
    }
    if (vectorType !== 'dense' && vectorType !== 'sparse') {
      throw argError(`Invalid vectorType: '${vectorType}'. Valid values are: dense, sparse.`);
    }
    if (vectorType === 'sparse' && dimension !== undefined) {
      throw argError('Sparse indexes cannot have a `dimension`.');
    }
    if (vectorType === 'dense' && (typeof dimension !== 'number' || !(dimension > 0))) {
      throw argError('You must pass a positive `dimension` when creating a dense index.');
    }
    if (metric !== undefined && !['cosine', 'euclidean', 'dotproduct'].includes(metric)) {
      throw argError(`Invalid metric value: '${metric}'. Valid values are: cosine, euclidean, or dotproduct.`);
    }
    if (!isPlainObject(spec)) throw argError('You must pass a `spec` object in order to create an index.');
    const body = snakify({
      name,
      dimension,
      metric,
      vectorType,
      deletionProtection: options.deletionProtection,
      tags: options.tags,
      spec,
    });
    if (options.conifer !== undefined) body.conifer = snakify(options.conifer);
    const db = await this._engine();
    try {
      const created = indexModel(parse(await this._write(() => call(db.createIndex(stringify(body), this._hostTemplate)))));
      this._maintain(db); // restoring from a collection may have built graphs to store
      return created;
    } catch (e) {
      if (options.suppressConflicts && e instanceof PineconeConflictError) return undefined;
      throw e;
    }
  }

  async describeIndex(name) {
    if (typeof name !== 'string' || !name) throw argError('You must pass a non-empty string for `indexName`.');
    const db = await this._engine();
    try {
      return indexModel(parse(db.describeIndex(name, this._hostTemplate)));
    } catch (e) {
      rethrow(e);
    }
  }

  async listIndexes() {
    const db = await this._engine();
    const out = parse(db.listIndexes(this._hostTemplate));
    return { indexes: out.indexes.map(indexModel) };
  }

  async hasIndex(name) {
    const { indexes } = await this.listIndexes();
    return indexes.some((i) => i.name === name);
  }

  /** v7+: `configureIndex({ name, ... })`; v<=6: `configureIndex(name, { ... })`. */
  async configureIndex(nameOrOptions, maybeOptions) {
    let name;
    let o;
    if (typeof nameOrOptions === 'string') {
      name = nameOrOptions;
      o = maybeOptions ?? {};
    } else if (isPlainObject(nameOrOptions)) {
      ({ name, ...o } = nameOrOptions);
    } else {
      throw argError('You must pass an index name and options to configureIndex.');
    }
    if (typeof name !== 'string' || !name) throw argError('You must pass a non-empty string for `name`.');
    if (!isPlainObject(o)) throw argError('configureIndex options must be an object.');
    const replicas = o.podReplicas ?? o.replicas ?? o.spec?.pod?.replicas;
    const podType = o.podType ?? o.spec?.pod?.podType;
    const body = {};
    if (o.deletionProtection !== undefined) body.deletion_protection = o.deletionProtection;
    if (o.tags !== undefined) body.tags = o.tags;
    if (replicas !== undefined || podType !== undefined) {
      body.spec = { pod: { replicas, pod_type: podType } };
    }
    if (Object.keys(body).length === 0) {
      throw argError('You must pass at least one configuration option to configureIndex.');
    }
    const db = await this._engine();
    return indexModel(parse(await this._write(() => call(db.configureIndex(name, stringify(body), this._hostTemplate)))));
  }

  async deleteIndex(name) {
    if (typeof name !== 'string' || !name) throw argError('You must pass a non-empty string for `indexName`.');
    const db = await this._engine();
    await this._write(() => call(db.deleteIndex(name)));
  }

  /**
   * `pc.index("name")`, `pc.index("name", host)`, or
   * `pc.index({ name?, host?, namespace? })`.
   */
  index(nameOrOptions, host) {
    if (typeof nameOrOptions === 'string') return new Index(this, nameOrOptions, host, '');
    if (isPlainObject(nameOrOptions)) {
      const { name, host: h, namespace } = nameOrOptions;
      if (!name && !h) throw argError('You must pass an index `name` or `host` to target an index.');
      return new Index(this, name, h, namespace ?? '');
    }
    throw argError('You must pass an index name to target an index.');
  }

  /** Alias kept by Pinecone's TS client. */
  Index(nameOrOptions, host) {
    return this.index(nameOrOptions, host);
  }

  /** `createCollection({ name, source })`: a static copy of index `source`. */
  async createCollection(options) {
    if (!isPlainObject(options) || typeof options.name !== 'string' || !options.name) {
      throw argError('You must pass a non-empty string for `name` in order to create a collection.');
    }
    if (typeof options.source !== 'string' || !options.source) {
      throw argError('You must pass a non-empty string for `source` in order to create a collection.');
    }
    const db = await this._engine();
    return camelize(parse(await call(db.createCollection(stringify({ name: options.name, source: options.source })))));
  }

  async describeCollection(name) {
    if (typeof name !== 'string' || !name) throw argError('You must pass a non-empty string for `collectionName`.');
    const db = await this._engine();
    try {
      return camelize(parse(db.describeCollection(name)));
    } catch (e) {
      rethrow(e);
    }
  }

  async listCollections() {
    const db = await this._engine();
    return camelize(parse(db.listCollections()));
  }

  async deleteCollection(name) {
    if (typeof name !== 'string' || !name) throw argError('You must pass a non-empty string for `collectionName`.');
    const db = await this._engine();
    await call(db.deleteCollection(name));
  }

  /** The collection as portable bytes (versioned, checksummed; same bytes from wasm or native). */
  async exportCollection(name) {
    if (typeof name !== 'string' || !name) throw argError('You must pass a non-empty string for `collectionName`.');
    const db = await this._engine();
    return call(db.exportCollection(name));
  }

  /** Loads bytes from `exportCollection` as collection `name`. Corrupted bytes are rejected and change nothing. */
  async importCollection(name, bytes) {
    if (typeof name !== 'string' || !name) throw argError('You must pass a non-empty string for `collectionName`.');
    let u8;
    if (bytes instanceof Uint8Array) u8 = bytes;
    else if (bytes instanceof ArrayBuffer) u8 = new Uint8Array(bytes);
    else if (ArrayBuffer.isView(bytes)) u8 = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    else throw argError('You must pass the collection bytes as a Uint8Array or ArrayBuffer.');
    const db = await this._engine();
    return camelize(parse(await call(db.importCollection(name, u8))));
  }

  /** Request metrics: `{ text, projectName, indexes }` (text is Prometheus format). */
  async metrics() {
    const db = await this._engine();
    const json = parse(db.metricsJson());
    return { text: db.metricsText(), projectName: json.project_name, indexes: json.indexes };
  }

  /** @internal resolves an index name from a host. */
  async _resolve(name, host) {
    if (name) return name;
    const { indexes } = await this.listIndexes();
    const norm = (h) => String(h).replace(/^https?:\/\//, '').replace(/\/+$/, '');
    const hit = indexes.find((i) => norm(i.host) === norm(host));
    if (!hit) throw argError(`No index has host '${host}'.`);
    return hit.name;
  }
}

/** A handle on one index, bound to one namespace (default `""`). */
export class Index {
  constructor(pc, name, host, namespace) {
    this._pc = pc;
    this._name = name;
    this._host = host;
    this._namespace = namespace;
  }

  /** A handle bound to namespace `ns` (the tenant). */
  namespace(ns) {
    if (typeof ns !== 'string') throw argError('You must pass a string namespace name.');
    return new Index(this._pc, this._name, this._host, ns);
  }

  /** `side`: `{ values: Float64Array, lens: Uint32Array }`, dense vectors passed beside the JSON body. */
  async _call(op, body, side) {
    const name = await this._pc._resolve(this._name, this._host);
    const db = await this._pc._engine();
    const json = stringify(body);
    const run = side
      ? () => call(db.callWithVectors(op, name, json, side.values, side.lens))
      : () => call(db.call(op, name, json));
    const out = WRITE_OPS.has(op) ? await this._pc._write(run) : await run();
    this._pc._maintain(db);
    return parse(out);
  }

  _ns(options) {
    return isPlainObject(options) && typeof options.namespace === 'string' ? options.namespace : this._namespace;
  }

  /** v<=6: `upsert(records)`; v7+: `upsert({ records, namespace? })`. Resolves void. */
  async upsert(arg) {
    let records;
    let namespace = this._namespace;
    if (Array.isArray(arg)) records = arg;
    else if (isPlainObject(arg) && Array.isArray(arg.records)) {
      records = arg.records;
      namespace = this._ns(arg);
    } else throw argError('You must pass an array of records (or `{ records }`) to upsert.');
    if (records.length === 0) throw argError('Must pass in at least 1 record to upsert.');
    const { vectors, side } = wireRecords(records);
    await this._call('upsert', { vectors, namespace }, side);
  }

  async query(options) {
    if (!isPlainObject(options)) throw argError('You must pass an object to query.');
    const { topK, vector, id, sparseVector, filter, includeValues, includeMetadata, efSearch } = options;
    if (typeof topK !== 'number' || !Number.isInteger(topK)) {
      throw argError('You must enter an integer for the `topK` search results to be returned.');
    }
    if (topK < 1) throw argError('`topK` property must be greater than 0.');
    if (id !== undefined && (typeof id !== 'string' || id.length === 0)) {
      throw argError('You must enter a non-empty string for the `id` field in order to query by record ID.');
    }
    if (vector !== undefined && (vector === null || vector.length === 0)) {
      throw argError('You must enter a non-empty `vector` to query by vector values.');
    }
    if (vector === undefined && id === undefined && sparseVector === undefined) {
      throw argError('You must enter either a `vector` or an `id` (and/or a `sparseVector`) in order to query.');
    }
    if (efSearch !== undefined && (typeof efSearch !== 'number' || !Number.isInteger(efSearch) || efSearch < 1)) {
      throw argError('`efSearch` must be a positive integer.');
    }
    // The dense vector travels as a Float64Array beside the JSON body (no
    // digits to print and parse); the engine narrows it to f32 as it would
    // narrow JSON numbers.
    const values = toNumbers(vector, 'vector', Float64Array);
    const body = {
      topK,
      id,
      sparseVector: toSparse(sparseVector, 'sparseVector'),
      filter: checkFilter(filter),
      includeValues: !!includeValues,
      includeMetadata: !!includeMetadata,
      namespace: this._ns(options),
      efSearch,
    };
    return this._call('query', body, values && { values, lens: Uint32Array.of(values.length) });
  }

  /** v<=6: `fetch(ids)`; v7+: `fetch({ ids, namespace? })`. */
  async fetch(arg) {
    let ids;
    let namespace = this._namespace;
    if (Array.isArray(arg)) ids = arg;
    else if (isPlainObject(arg) && Array.isArray(arg.ids)) {
      ids = arg.ids;
      namespace = this._ns(arg);
    } else throw argError('You must pass an array of record ids (or `{ ids }`) to fetch.');
    if (ids.length === 0) throw argError('Must pass in at least 1 recordID.');
    if (ids.some((i) => typeof i !== 'string')) throw argError('Record ids must be strings.');
    const out = await this._call('fetch', { ids, namespace });
    return { records: out.vectors, namespace: out.namespace, usage: out.usage };
  }

  async fetchByMetadata(options) {
    if (!isPlainObject(options)) throw argError('You must pass an object to fetchByMetadata.');
    const out = await this._call('fetch_by_metadata', {
      filter: checkFilter(options.filter),
      limit: options.limit,
      paginationToken: options.paginationToken,
      namespace: this._ns(options),
    });
    const res = { records: out.vectors, namespace: out.namespace, usage: out.usage };
    if (out.pagination) res.pagination = out.pagination;
    return res;
  }

  /** `update({ id | filter, values?, sparseValues?, metadata?, namespace? })`. */
  async update(options) {
    if (!isPlainObject(options)) throw argError('You must pass an object to update.');
    const { id, filter, values, sparseValues, metadata } = options;
    if ((id === undefined) === (filter === undefined)) {
      throw argError('You must enter exactly one of `id` or `filter` in order to update records.');
    }
    if (id !== undefined && (typeof id !== 'string' || !id)) {
      throw argError('You must enter a non-empty string for the `id` field in order to update a record.');
    }
    if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) {
      throw argError('`metadata` must be an object.');
    }
    const out = await this._call('update', {
      id,
      filter: checkFilter(filter),
      values: toNumbers(values, 'values'),
      sparseValues: toSparse(sparseValues, 'sparseValues'),
      setMetadata: metadata ?? undefined,
      dryRun: options.dryRun,
      namespace: this._ns(options),
    });
    if (filter !== undefined) return { matchedRecords: out.matchedRecords };
    return undefined;
  }

  /** v<=6: `deleteOne(id)`; v7+: `deleteOne({ id, namespace? })`. */
  async deleteOne(arg) {
    let id;
    let namespace = this._namespace;
    if (typeof arg === 'string') id = arg;
    else if (isPlainObject(arg) && typeof arg.id === 'string') {
      id = arg.id;
      namespace = this._ns(arg);
    } else throw argError('You must pass a record id (or `{ id }`) to deleteOne.');
    if (!id) throw argError('You must pass a non-empty string for `id` in order to delete a record.');
    await this._call('delete', { ids: [id], namespace });
  }

  /**
   * v<=6: `deleteMany(ids)` or `deleteMany(filter)`;
   * v7+: `deleteMany({ ids } | { filter }, namespace?)`.
   * An object whose keys are only `ids`/`filter`/`namespace` (with an array
   * `ids` or an object `filter`) is the v7+ form; any other object is a v6
   * metadata filter.
   */
  async deleteMany(arg) {
    let namespace = this._namespace;
    let body;
    if (Array.isArray(arg)) {
      if (arg.length === 0) throw argError('Must pass in at least 1 record id to delete.');
      body = { ids: arg };
    } else if (isPlainObject(arg)) {
      const keys = Object.keys(arg);
      const v7 =
        keys.length > 0 &&
        keys.every((k) => k === 'ids' || k === 'filter' || k === 'namespace') &&
        (Array.isArray(arg.ids) || isPlainObject(arg.filter));
      if (v7) {
        namespace = this._ns(arg);
        if (arg.ids !== undefined && arg.filter !== undefined) {
          throw argError('You must pass either `ids` or `filter` to deleteMany, not both.');
        }
        body = arg.ids !== undefined ? { ids: arg.ids } : { filter: checkFilter(arg.filter) };
      } else {
        body = { filter: checkFilter(arg) };
      }
    } else throw argError('You must pass an array of ids or a filter object to deleteMany.');
    await this._call('delete', { ...body, namespace });
  }

  /** v<=6: `deleteAll()`; v7+: `deleteAll({ namespace? })`. */
  async deleteAll(options) {
    await this._call('delete', { deleteAll: true, namespace: this._ns(options) });
  }

  async listPaginated(options = {}) {
    if (!isPlainObject(options)) throw argError('listPaginated options must be an object.');
    return this._call('list', {
      prefix: options.prefix,
      limit: options.limit,
      paginationToken: options.paginationToken,
      namespace: this._ns(options),
    });
  }

  /** TS shape: `{ namespaces: { ns: { recordCount } }, dimension, indexFullness, totalRecordCount }`. */
  async describeIndexStats(options = {}) {
    const out = await this._call('describe_index_stats', options?.filter ? { filter: checkFilter(options.filter) } : {});
    const namespaces = {};
    for (const [k, v] of Object.entries(out.namespaces)) namespaces[k] = { recordCount: v.vectorCount };
    const res = { namespaces, dimension: out.dimension, indexFullness: out.indexFullness, totalRecordCount: out.totalVectorCount };
    if (res.dimension === undefined) delete res.dimension;
    return res;
  }

  /** v8: `listNamespaces({ limit?, paginationToken?, prefix? })`; v6: `listNamespaces(limit?, paginationToken?)`. */
  async listNamespaces(a, b) {
    const o = isPlainObject(a) ? a : { limit: a, paginationToken: b };
    const out = await this._call('list_namespaces', {
      limit: o.limit,
      paginationToken: o.paginationToken,
      prefix: o.prefix,
    });
    return camelize(out);
  }

  async describeNamespace(namespace) {
    if (typeof namespace !== 'string') throw argError('You must pass a namespace name.');
    const name = await this._pc._resolve(this._name, this._host);
    const db = await this._pc._engine();
    try {
      return camelize(parse(db.describeNamespace(name, namespace)));
    } catch (e) {
      rethrow(e);
    }
  }

  async deleteNamespace(namespace) {
    if (typeof namespace !== 'string') throw argError('You must pass a namespace name.');
    const name = await this._pc._resolve(this._name, this._host);
    const db = await this._pc._engine();
    await this._pc._write(() => call(db.deleteNamespace(name, namespace)));
  }

  async createNamespace(options) {
    if (!isPlainObject(options) || typeof options.name !== 'string') {
      throw argError('You must pass `{ name }` to createNamespace.');
    }
    return camelize(await this._call('create_namespace', { name: options.name, schema: options.schema }));
  }
}
