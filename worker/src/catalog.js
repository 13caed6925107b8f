// The catalog: one Durable Object that every request of an index consults.
//
// It owns
// - the index configurations, in its own engine (so validation, error texts
//   and the IndexModel are the engine's), persisted through the storage
//   adapter (table `kv`);
// - per index, an incarnation id (`uid`) and the createIndex body the
//   namespace objects replay to build the same index (table `idx`);
// - the namespace registry: for each (uid, namespace) that exists, its
//   record count, bytes and description, reported by the namespace object
//   after every write (table `ns`). describeIndexStats and listNamespaces
//   read it, so neither wakes a namespace object;
// - the queue of namespace objects to wipe after an index is deleted
//   (table `wipe`, drained by the alarm);
// - the request metrics totals per index (table `totals`) and the set of
//   namespace objects with unflushed metrics (table `dirty`), see metrics.js;
// - the collections, in a second engine of its own (table `coll`): a
//   collection of an index is merged here from the one-namespace
//   collections its namespace objects export, and an index created from a
//   collection gets each namespace's part restored in that namespace's
//   object.
//
// A read of a namespace the registry does not know is answered here by the
// catalog's engine, which holds the index configuration and no namespaces:
// the request is fully validated, gets Pinecone's empty answer (or 404),
// and no namespace object or storage is created for it.

import { DurableObject } from 'cloudflare:workers';
import { SqlAdapter } from './storage.js';
import {
  openEngine,
  openScratchEngine,
  engineErrorResponse,
  dataErrorBody,
  controlErrorBody,
  mergeCollections,
  splitCollection,
} from './engine.js';
import { projectName, metricsFlushMs, maxCollectionBytes } from './config.js';
import { namespaceStub } from './names.js';
import { DeltaTracker, combine, engineSeries, isEmpty } from './metrics.js';

const WIPE_BATCH = 32;

/** Namespace objects asked at once when a collection is made or restored. */
const COLLECTION_FANOUT = 4;

/** Operations that may create a namespace: always sent to its object. */
const CREATING_OPS = new Set(['upsert', 'create_namespace']);

export class Catalog extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.env = env;
    this.sql = ctx.storage.sql;
    this.sql.exec(
      'CREATE TABLE IF NOT EXISTS idx (name TEXT PRIMARY KEY, uid TEXT NOT NULL, create_body TEXT NOT NULL) WITHOUT ROWID',
    );
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS ns (uid TEXT NOT NULL, ns TEXT NOT NULL, count INTEGER NOT NULL,
         bytes INTEGER NOT NULL, descr TEXT NOT NULL, PRIMARY KEY (uid, ns)) WITHOUT ROWID`,
    );
    this.sql.exec('CREATE TABLE IF NOT EXISTS wipe (uid TEXT NOT NULL, ns TEXT NOT NULL, PRIMARY KEY (uid, ns)) WITHOUT ROWID');
    this.sql.exec('CREATE TABLE IF NOT EXISTS totals (uid TEXT PRIMARY KEY, series TEXT NOT NULL) WITHOUT ROWID');
    this.sql.exec('CREATE TABLE IF NOT EXISTS dirty (uid TEXT NOT NULL, ns TEXT NOT NULL, PRIMARY KEY (uid, ns)) WITHOUT ROWID');
    /** index name -> DeltaTracker of the catalog's own engine */
    this.own = new Map();
    this.ownDirty = false;
    this.adapter = new SqlAdapter(ctx.storage, { table: 'kv' });
    this.engine = null;
    /** The collections' engine (it holds no indexes). */
    this.colls = null;
    /** Names of collections being made (create or import in progress). */
    this.pendingColls = new Set();
    /** name -> {uid, create} */
    this.meta = new Map();
    /** uid -> Map(ns -> {count, bytes, descr}) */
    this.registry = new Map();
    /** uid -> sorted namespace names (rebuilt when a namespace appears or goes) */
    this.sorted = new Map();
    /** `${uid}\0${ns}` -> [boot, n] of the last report applied */
    this.lastSeq = new Map();
    /** uids of existing indexes */
    this.uids = new Set();
    /** index name -> data config (dropped when the index changes) */
    this.configs = new Map();
    /** uid -> records in all its namespaces (kept with the registry) */
    this.totals = new Map();
    ctx.blockConcurrencyWhile(async () => {
      this.engine = await openEngine(this.adapter, 0, projectName(env));
      this.colls = await openEngine(new SqlAdapter(ctx.storage, { table: 'coll' }), 0, projectName(env));
      for (const row of this.sql.exec('SELECT name, uid, create_body FROM idx')) {
        this.uids.add(row.uid);
        this.meta.set(row.name, { uid: row.uid, create: JSON.parse(row.create_body) });
      }
      for (const row of this.sql.exec('SELECT uid, ns, count, bytes, descr FROM ns')) {
        this.setEntry(row.uid, row.ns, { count: row.count, bytes: row.bytes, descr: row.descr });
      }
    });
  }

  /** Sets (or, with null, removes) a registry entry, keeping the totals. */
  setEntry(uid, ns, entry) {
    const reg = this.nsMap(uid);
    const old = reg.get(ns);
    if (!old !== !entry) this.sorted.delete(uid);
    const delta = (entry ? entry.count : 0) - (old ? old.count : 0);
    this.totals.set(uid, (this.totals.get(uid) || 0) + delta);
    if (entry) reg.set(ns, entry);
    else reg.delete(ns);
  }

  /** Records in every namespace of the index `uid`. */
  totalRecords(uid) {
    return this.totals.get(uid) || 0;
  }

  nsMap(uid) {
    let m = this.registry.get(uid);
    if (!m) {
      m = new Map();
      this.registry.set(uid, m);
    }
    return m;
  }

  // ---- control plane ------------------------------------------------------

  /** Runs a control-plane action; returns `{status, body}` (2026-04 shapes). */
  async control(action, args) {
    try {
      switch (action) {
        case 'create':
          return await this.createIndex(args.body, args.hostTemplate);
        case 'describe':
          return { status: 200, body: this.engine.describeIndex(args.name, args.hostTemplate) };
        case 'list':
          return { status: 200, body: this.engine.listIndexes(args.hostTemplate) };
        case 'configure': {
          this.configs.delete(args.name);
          const body = await this.engine.configureIndex(args.name, JSON.stringify(args.body), args.hostTemplate);
          this.configs.delete(args.name);
          return { status: 202, body };
        }
        case 'delete':
          return await this.deleteIndex(args.name);
        case 'create_collection':
          return await this.createCollection(args.body);
        case 'describe_collection':
          return { status: 200, body: this.colls.describeCollection(args.name) };
        case 'list_collections':
          return { status: 200, body: this.colls.listCollections() };
        case 'delete_collection':
          await this.colls.deleteCollection(args.name);
          return { status: 202, body: '' };
        case 'export_collection':
          return { status: 200, bytes: await this.colls.exportCollection(args.name) };
        case 'import_collection':
          return await this.importCollection(args.name, args.bytes);
        default:
          return controlErrorBody(500, 'INTERNAL', `unknown control action ${action}`);
      }
    } catch (e) {
      return engineErrorResponse(e, 'control');
    }
  }

  async createIndex(body, hostTemplate) {
    const source = sourceCollection(body);
    if (source !== null && this.hasCollection(source)) return this.createIndexFromCollection(body, source, hostTemplate);
    // (Without the collection the engine refuses the body: 400, 409 or 404.)
    const model = await this.engine.createIndex(JSON.stringify(body), hostTemplate);
    this.registerIndex(body);
    return { status: 201, body: model };
  }

  /** Records a new index's uid and the createIndex body its namespace objects replay. */
  registerIndex(body) {
    this.configs.delete(body.name);
    const create = withoutSource(body);
    delete create.deletion_protection;
    delete create.tags;
    const uid = crypto.randomUUID();
    this.sql.exec('INSERT OR REPLACE INTO idx (name, uid, create_body) VALUES (?, ?, ?)', body.name, uid, JSON.stringify(create));
    this.meta.set(body.name, { uid, create });
    this.uids.add(uid);
    return uid;
  }

  hasCollection(name) {
    try {
      this.colls.describeCollection(name);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * createIndex with `spec.*.source_collection`. The catalog's engine makes
   * the index itself (its validation, texts and IndexModel, with
   * `source_collection`) from a stand-in collection of the same name,
   * dimension and vector type but no records, so the records never pass
   * through the catalog's engine. Then each namespace of the collection is
   * restored in its own object. If any part fails, the index is removed
   * and every object it touched is wiped.
   */
  async createIndexFromCollection(body, source, hostTemplate) {
    const info = JSON.parse(this.colls.describeCollection(source));
    const bytes = await this.colls.exportCollection(source);
    const standIn = await emptyCollectionLike(source, info);
    await dropCollection(this.engine, source);
    await this.engine.importCollection(source, standIn);
    let model;
    try {
      model = await this.engine.createIndex(JSON.stringify(body), hostTemplate);
    } finally {
      await dropCollection(this.engine, source);
    }
    const name = body.name;
    const uid = this.registerIndex(body);
    const capacity = JSON.parse(model).conifer?.capacity;
    if (capacity !== undefined && capacity !== null && info.vector_count > capacity) {
      await this.abortRestore(name, uid, []);
      return controlErrorBody(
        403,
        'QUOTA_EXCEEDED',
        `Index '${name}' is full: restoring ${info.vector_count} records would bring it to ${info.vector_count}, over the capacity of ${capacity} records for its pod configuration.`,
      );
    }
    const parts = splitCollection(bytes);
    const cfg = this.dataConfig(name);
    const results = await mapLimit(parts, COLLECTION_FANOUT, async ([ns, part]) => {
      try {
        return await namespaceStub(this.env, uid, ns).restorePart(cfg, ns, part);
      } catch (e) {
        return engineErrorResponse(e, 'data');
      }
    });
    const failed = results.find((r) => r.status !== 200);
    if (failed) {
      await this.abortRestore(
        name,
        uid,
        parts.map(([ns]) => ns),
      );
      return toControlError(failed);
    }
    return { status: 201, body: model };
  }

  /** Removes an index whose restore failed, and wipes the objects of `namespaces`. */
  async abortRestore(name, uid, namespaces) {
    for (const ns of namespaces) this.sql.exec('INSERT OR IGNORE INTO wipe (uid, ns) VALUES (?, ?)', uid, ns);
    try {
      if (JSON.parse(this.engine.describeIndex(name, '')).deletion_protection === 'enabled') {
        await this.engine.configureIndex(name, JSON.stringify({ deletion_protection: 'disabled' }), '');
      }
      await this.deleteIndex(name);
    } finally {
      await this.ctx.storage.setAlarm(Date.now());
    }
  }

  // ---- collections --------------------------------------------------------

  /**
   * createCollection `{name, source}`. The catalog's engine checks the body
   * (its texts and order: 400, then 404 for an unknown source) and makes
   * the collection's header from its configuration of the source index, as
   * a collection without records. Each namespace object of the source
   * exports its namespace as a one-namespace collection; the parts are
   * merged after that header and stored in the collections' engine.
   */
  async createCollection(body) {
    const name = body.name;
    if (typeof name === 'string' && typeof body.source === 'string' && (this.pendingColls.has(name) || this.hasCollection(name))) {
      return controlErrorBody(409, 'ALREADY_EXISTS', 'Resource already exists.');
    }
    if (typeof name === 'string') await dropCollection(this.engine, name); // left by a crash
    await this.engine.createCollection(JSON.stringify(body));
    let head;
    try {
      head = await this.engine.exportCollection(name);
    } finally {
      await dropCollection(this.engine, name);
    }
    this.pendingColls.add(name);
    try {
      const cfg = this.dataConfig(body.source);
      const names = this.sortedNames(cfg.uid);
      const results = await mapLimit(names, COLLECTION_FANOUT, async (ns) => {
        try {
          return await namespaceStub(this.env, cfg.uid, ns).exportPart(cfg, ns);
        } catch (e) {
          return engineErrorResponse(e, 'data');
        }
      });
      const failed = results.find((r) => r.status !== 200);
      if (failed) return toControlError(failed);
      const parts = [head, ...results.filter((r) => r.bytes).map((r) => r.bytes)];
      const merged = mergeCollections(name, parts);
      const limit = maxCollectionBytes(this.env);
      if (merged.byteLength > limit) {
        return controlErrorBody(
          403,
          'QUOTA_EXCEEDED',
          `Collection exceeds quota: index '${body.source}' makes a collection of ${merged.byteLength} bytes, over this deployment's limit of ${limit} bytes per collection.`,
        );
      }
      return { status: 201, body: await this.colls.importCollection(name, merged) };
    } finally {
      this.pendingColls.delete(name);
    }
  }

  /** Stores uploaded collection bytes as `name`; invalid bytes store nothing (400). */
  async importCollection(name, bytes) {
    if (this.pendingColls.has(name)) return controlErrorBody(409, 'ALREADY_EXISTS', 'Resource already exists.');
    try {
      return { status: 201, body: await this.colls.importCollection(name, bytes) };
    } catch (e) {
      if (e && e.conifer === true && e.code === 'DATA_LOSS') {
        const why = String(e.message).replace(/^stored data is corrupt: /, '');
        return controlErrorBody(400, 'INVALID_ARGUMENT', `The uploaded bytes are not a valid Conifer collection (${why}); nothing was stored.`);
      }
      throw e;
    }
  }

  async deleteIndex(name) {
    await this.engine.deleteIndex(name); // deletion protection and 404 are checked here
    this.configs.delete(name);
    const m = this.meta.get(name);
    if (m) {
      this.ctx.storage.transactionSync(() => {
        this.sql.exec('INSERT OR IGNORE INTO wipe (uid, ns) SELECT uid, ns FROM ns WHERE uid = ?', m.uid);
        this.sql.exec('DELETE FROM ns WHERE uid = ?', m.uid);
        this.sql.exec('DELETE FROM idx WHERE name = ?', name);
        this.sql.exec('DELETE FROM totals WHERE uid = ?', m.uid);
        this.sql.exec('DELETE FROM dirty WHERE uid = ?', m.uid);
      });
      this.meta.delete(name);
      this.uids.delete(m.uid);
      this.totals.delete(m.uid);
      this.own.delete(name);
      this.registry.delete(m.uid);
      this.sorted.delete(m.uid);
      await this.ctx.storage.setAlarm(Date.now());
    }
    return { status: 202, body: '' };
  }

  /** Wipes the namespace objects of deleted indexes, a batch at a time. */
  async alarm() {
    this.foldOwn();
    const rows = this.sql.exec('SELECT uid, ns FROM wipe LIMIT ?', WIPE_BATCH).toArray();
    await Promise.all(
      rows.map(async ({ uid, ns }) => {
        try {
          await namespaceStub(this.env, uid, ns).destroy();
          this.sql.exec('DELETE FROM wipe WHERE uid = ? AND ns = ?', uid, ns);
        } catch (e) {
          console.error(`wipe of a namespace object failed (will retry): ${e.message}`);
        }
      }),
    );
    const left = this.sql.exec('SELECT count(*) AS n FROM wipe').one().n;
    if (left > 0) await this.ctx.storage.setAlarm(Date.now() + (rows.length ? 10 : 1000));
  }

  /** Namespace objects still waiting to be wiped (tests, diagnostics). */
  pendingWipes() {
    return this.sql.exec('SELECT count(*) AS n FROM wipe').one().n;
  }

  /** What a namespace object needs to build its copy of the index (cached). */
  dataConfig(name) {
    let cfg = this.configs.get(name);
    if (!cfg) {
      cfg = this.buildDataConfig(name); // throws the engine's 404
      this.configs.set(name, cfg);
    }
    return cfg;
  }

  buildDataConfig(name) {
    const model = JSON.parse(this.engine.describeIndex(name, '')); // throws 404
    let m = this.meta.get(name);
    if (!m) {
      // The engine has an index the worker's table lacks (a crash between
      // the two writes of createIndex): rebuild its entry from the model.
      const create = withoutSource({ name, metric: model.metric, vector_type: model.vector_type, spec: model.spec });
      if (model.dimension !== undefined) create.dimension = model.dimension;
      if (model.conifer) create.conifer = engineOptions(model.conifer);
      if (create.spec.serverless) delete create.spec.serverless.read_capacity;
      m = { uid: crypto.randomUUID(), create };
      this.sql.exec('INSERT OR REPLACE INTO idx (name, uid, create_body) VALUES (?, ?, ?)', name, m.uid, JSON.stringify(create));
      this.meta.set(name, m);
      this.uids.add(m.uid);
    }
    const pod = model.spec && model.spec.pod;
    return {
      name,
      uid: m.uid,
      create: m.create,
      pod: pod ? { pod_type: pod.pod_type, replicas: pod.replicas } : null,
      capacity: (model.conifer && model.conifer.capacity) ?? null,
      dimension: model.dimension,
      metric: model.metric,
      vectorType: model.vector_type,
    };
  }

  // ---- data plane ---------------------------------------------------------

  /**
   * Routes a data-plane operation on (index, ns): `{target}` (the data
   * config for the namespace object, with `other` = records in the index's
   * other namespaces of a pod index) when the namespace exists or the
   * operation may create it; `{local: true}` when the catalog must answer
   * itself (`answer`): a read of a namespace that does not exist;
   * `{status, body}` for an unknown index. The body is not sent here, so
   * the catalog never copies record payloads.
   */
  route(index, ns, op) {
    let cfg;
    try {
      cfg = this.dataConfig(index);
    } catch (e) {
      return engineErrorResponse(e, 'data');
    }
    const reg = this.nsMap(cfg.uid);
    if (CREATING_OPS.has(op) || reg.has(ns)) {
      if (cfg.capacity !== null) {
        return { target: { ...cfg, other: this.totalRecords(cfg.uid) - (reg.get(ns)?.count ?? 0) } };
      }
      return { target: cfg };
    }
    return { local: true };
  }

  /**
   * Answers an operation on a namespace that does not exist with the
   * catalog's engine (it holds the index configuration and no namespaces):
   * full validation, Pinecone's empty answer or 404, nothing created.
   */
  async answer(index, ns, op, body) {
    await this.touchOwn();
    try {
      if (op === 'describe_namespace') return { status: 200, body: this.engine.describeNamespace(index, ns) };
      if (op === 'delete_namespace') {
        await this.engine.deleteNamespace(index, ns);
        return { status: 200, body: '{}' };
      }
      return { status: 200, body: await this.engine.call(op, index, body) };
    } catch (e) {
      return engineErrorResponse(e, 'data');
    }
  }

  /**
   * A namespace object reports its state after a write (`info`, or null),
   * and/or that it has metrics to flush (`dirty`). `info.seq` orders the
   * reports of one object ([boot time, counter]); older ones are ignored.
   */
  async report(uid, ns, info, dirty) {
    if (!this.uids.has(uid)) {
      // A write that raced with the deletion of its index: wipe it.
      if (info && info.exists) {
        this.sql.exec('INSERT OR IGNORE INTO wipe (uid, ns) VALUES (?, ?)', uid, ns);
        await this.ctx.storage.setAlarm(Date.now());
      }
      return;
    }
    if (dirty) this.sql.exec('INSERT OR IGNORE INTO dirty (uid, ns) VALUES (?, ?)', uid, ns);
    if (!info) return;
    const key = `${uid}\0${ns}`;
    const last = this.lastSeq.get(key);
    if (last && (info.seq[0] < last[0] || (info.seq[0] === last[0] && info.seq[1] <= last[1]))) return;
    this.lastSeq.set(key, info.seq);
    const reg = this.nsMap(uid);
    if (info.exists) {
      const descr = JSON.stringify(info.descr);
      this.setEntry(uid, ns, { count: info.count, bytes: info.bytes, descr });
      this.sql.exec(
        'INSERT OR REPLACE INTO ns (uid, ns, count, bytes, descr) VALUES (?, ?, ?, ?, ?)',
        uid,
        ns,
        info.count,
        info.bytes,
        descr,
      );
    } else if (reg.has(ns)) {
      this.setEntry(uid, ns, null);
      this.sql.exec('DELETE FROM ns WHERE uid = ? AND ns = ?', uid, ns);
    }
  }

  /** Adds a namespace object's metrics delta to its index's totals. */
  flushMetrics(uid, ns, delta) {
    this.sql.exec('DELETE FROM dirty WHERE uid = ? AND ns = ?', uid, ns);
    if (this.uids.has(uid) && !isEmpty(delta)) this.addTotals(uid, delta);
  }

  addTotals(uid, delta) {
    const row = this.sql.exec('SELECT series FROM totals WHERE uid = ?', uid).toArray()[0];
    const next = combine(row ? JSON.parse(row.series) : {}, delta);
    this.sql.exec('INSERT OR REPLACE INTO totals (uid, series) VALUES (?, ?)', uid, JSON.stringify(next));
  }

  /** Folds the catalog engine's own unflushed metrics into the totals. */
  foldOwn() {
    this.ownDirty = false;
    const json = JSON.parse(this.engine.metricsJson());
    for (const [name, m] of this.meta) {
      let t = this.own.get(name);
      if (!t) {
        t = new DeltaTracker();
        this.own.set(name, t);
      }
      const d = t.take(engineSeries(json, name));
      if (!isEmpty(d)) this.addTotals(m.uid, d);
    }
  }

  /** The catalog's engine ran a request: fold its metrics within a second. */
  async touchOwn() {
    if (!this.ownDirty) {
      this.ownDirty = true;
      const when = Date.now() + metricsFlushMs(this.env);
      const at = await this.ctx.storage.getAlarm();
      if (at === null || at > when) await this.ctx.storage.setAlarm(when);
    }
  }

  /**
   * describeIndexStats. The catalog's engine validates the body (and records
   * the request in its metrics); counts come from the registry. `tenant`
   * (null for the admin) restricts the answer to that one namespace.
   */
  async stats(index, tenant, body) {
    let cfg;
    let base;
    await this.touchOwn();
    try {
      cfg = this.dataConfig(index);
      base = JSON.parse(await this.engine.call('describe_index_stats', index, body));
    } catch (e) {
      return engineErrorResponse(e, 'data');
    }
    const reg = this.nsMap(cfg.uid);
    const names = tenant === null ? this.sortedNames(cfg.uid) : reg.has(tenant) ? [tenant] : [];
    const namespaces = {};
    let total = 0;
    let filter = null;
    try {
      filter = body ? JSON.parse(body).filter : null;
    } catch {
      filter = null;
    }
    if (filter !== null && filter !== undefined) {
      // Only pod indexes accept a filter (the engine refused it otherwise):
      // each namespace object counts its matches.
      const results = await mapLimit(names, 16, async (ns) => {
        const r = await namespaceStub(this.env, cfg.uid, ns).op(cfg, ns, 'describe_index_stats', body);
        if (r.status !== 200) throw Object.assign(new Error('stats'), { response: r });
        const out = JSON.parse(r.body);
        return out.namespaces[ns] ? out.namespaces[ns].vectorCount : 0;
      }).catch((e) => e);
      if (results instanceof Error) return results.response || dataErrorBody(500, 13, results.message);
      names.forEach((ns, i) => {
        namespaces[ns] = { vectorCount: results[i] };
        total += results[i];
      });
    } else {
      for (const ns of names) {
        const c = reg.get(ns).count;
        namespaces[ns] = { vectorCount: c };
        total += c;
      }
    }
    const out = {
      namespaces,
      indexFullness: cfg.capacity ? total / cfg.capacity : 0,
      totalVectorCount: total,
      metric: base.metric,
      vectorType: base.vectorType,
    };
    if (base.dimension !== undefined) out.dimension = base.dimension;
    return { status: 200, body: JSON.stringify(out) };
  }

  /** listNamespaces from the registry (C order of names, hex page tokens). */
  async listNamespaces(index, tenant, body) {
    let cfg;
    try {
      cfg = this.dataConfig(index);
      // Validates limit and token exactly as the engine does.
      await this.engine.call('list_namespaces', index, body);
    } catch (e) {
      return engineErrorResponse(e, 'data');
    }
    const req = JSON.parse(body);
    const limit = req.limit ?? 100;
    const prefix = req.prefix ?? '';
    const after = req.paginationToken ? hexToString(req.paginationToken) : null;
    const reg = this.nsMap(cfg.uid);
    const names = (tenant === null ? this.sortedNames(cfg.uid) : reg.has(tenant) ? [tenant] : []).filter((n) =>
      n.startsWith(prefix),
    );
    const start = after === null ? 0 : names.findIndex((n) => utf8Compare(n, after) > 0);
    const rest = start < 0 ? [] : names.slice(start);
    const page = rest.slice(0, limit);
    const out = {
      namespaces: page.map((n) => {
        const e = reg.get(n);
        return { ...JSON.parse(e.descr), name: n === '' ? '__default__' : n, record_count: String(e.count) };
      }),
      total_count: names.length,
    };
    if (rest.length > limit) out.pagination = { next: stringToHex(page[page.length - 1]) };
    return { status: 200, body: JSON.stringify(out) };
  }

  sortedNames(uid) {
    let s = this.sorted.get(uid);
    if (!s) {
      s = [...this.nsMap(uid).keys()].sort(utf8Compare);
      this.sorted.set(uid, s);
    }
    return s;
  }

  /**
   * Everything /metrics needs from the catalog: per index its record count,
   * fullness and flushed request totals, and the namespace objects whose
   * unflushed deltas must be added.
   */
  metricsSnapshot() {
    this.foldOwn();
    const indexes = [];
    for (const [name, m] of this.meta) {
      let cfg;
      try {
        cfg = this.dataConfig(name);
      } catch {
        continue;
      }
      const total = this.totalRecords(m.uid);
      const row = this.sql.exec('SELECT series FROM totals WHERE uid = ?', m.uid).toArray()[0];
      indexes.push({
        name,
        uid: m.uid,
        total,
        fullness: cfg.capacity ? total / cfg.capacity : 0,
        series: row ? JSON.parse(row.series) : {},
      });
    }
    const dirty = this.sql.exec('SELECT uid, ns FROM dirty').toArray().map((r) => [r.uid, r.ns]);
    return { project: projectName(this.env), indexes, dirty };
  }
}

/** The `source_collection` a createIndex body names, or null. */
function sourceCollection(body) {
  const spec = body && typeof body.spec === 'object' && body.spec !== null ? body.spec : null;
  if (!spec) return null;
  for (const k of ['serverless', 'pod']) {
    const s = spec[k];
    if (s && typeof s === 'object' && typeof s.source_collection === 'string') return s.source_collection;
  }
  return null;
}

/** A copy of a createIndex body without `source_collection` (what namespace objects replay). */
function withoutSource(body) {
  const out = structuredClone(body);
  for (const k of ['serverless', 'pod']) {
    const s = out.spec && out.spec[k];
    if (s && typeof s === 'object') delete s.source_collection;
  }
  return out;
}

/** The IndexModel's `conifer` settings as createIndex options (no capacity). */
function engineOptions(conifer) {
  const { capacity: _capacity, ...options } = conifer;
  return options;
}

/** Deletes collection `name` from an engine if it holds one. */
async function dropCollection(engine, name) {
  try {
    engine.describeCollection(name);
  } catch {
    return;
  }
  await engine.deleteCollection(name);
}

/**
 * The bytes of a collection named `name` without namespaces, of the same
 * dimension and vector type as the collection described by `info` (a
 * sparse collection has no dimension).
 */
async function emptyCollectionLike(name, info) {
  const scratch = await openScratchEngine();
  try {
    const spec = { serverless: { cloud: 'aws', region: 'us-east-1' } };
    const dense = typeof info.dimension === 'number';
    const body = dense
      ? { name: 'empty', dimension: info.dimension, metric: 'cosine', spec }
      : { name: 'empty', vector_type: 'sparse', metric: 'dotproduct', spec };
    await scratch.createIndex(JSON.stringify(body), '');
    await scratch.createCollection(JSON.stringify({ name, source: 'empty' }));
    return await scratch.exportCollection(name);
  } finally {
    scratch.free();
  }
}

const CONTROL_CODES = {
  400: 'INVALID_ARGUMENT',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
};

/** A namespace object's data-plane error as a control-plane error. */
function toControlError(r) {
  let message = 'Internal error';
  let grpc = null;
  try {
    const b = JSON.parse(r.body);
    message = b.message;
    grpc = b.code;
  } catch {
    /* keep the defaults */
  }
  const code = r.status === 403 && grpc === 8 ? 'QUOTA_EXCEEDED' : CONTROL_CODES[r.status] || 'INTERNAL';
  return controlErrorBody(r.status, code, message);
}

/** Runs `fn` over `items` with at most `limit` in flight; resolves in order. */
export async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const enc = new TextEncoder();

/** Compares strings by their UTF-8 bytes (the engine's and SQLite's order). */
export function utf8Compare(a, b) {
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = enc.encode(a);
  const y = enc.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function stringToHex(s) {
  return [...enc.encode(s)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function hexToString(h) {
  const bytes = new Uint8Array(h.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return new TextDecoder().decode(bytes);
}
