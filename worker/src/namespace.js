// One Durable Object per (index incarnation, namespace): the namespace's
// records live only in this object's storage and memory (physical
// isolation), in an engine of their own.
//
// The object builds its copy of the index from the data config the catalog
// hands it with every request (the createIndex body, the pod settings), so
// it never has to ask for it. After every write it reports its record count
// to the catalog before answering, so describeIndexStats that follows a
// write sees it. When its namespace is gone (deleteAll, deleteNamespace) it
// empties its storage: nothing is left behind.

import { DurableObject } from 'cloudflare:workers';
import { SqlAdapter } from './storage.js';
import { openEngine, engineErrorResponse, dataErrorBody } from './engine.js';
import { projectName, maxNamespaceBytes, metricsFlushMs, maxCollectionBytes } from './config.js';
import { catalogStub } from './names.js';
import { DeltaTracker, engineSeries, isEmpty } from './metrics.js';

/** Quiet time before queued compactions run (see `scheduleCompaction`). */
const COMPACT_IDLE_MS = 1000;

/** Operations that change records or the namespace's existence. */
const WRITE_OPS = new Set(['upsert', 'update', 'delete', 'create_namespace', 'delete_namespace']);

export class NamespaceStore extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.env = env;
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS tomb (uid TEXT PRIMARY KEY) WITHOUT ROWID');
    this.adapter = new SqlAdapter(ctx.storage, { table: 'kv' });
    this.engine = null;
    this.opening = null;
    this.inflight = 0;
    this.compactTimer = null;
    this.boot = Date.now();
    this.seq = 0;
    this.maxBytes = maxNamespaceBytes(env);
    this.flushMs = metricsFlushMs(env);
    this.deleted = this.sql.exec('SELECT count(*) AS n FROM tomb').one().n > 0;
    /** Metrics not yet flushed to the catalog (see metrics.js). */
    this.tracker = new DeltaTracker();
    this.dirty = false;
    /** {uid, name, ns} of this object, known from its first request. */
    this.ident = null;
    /** The last state the catalog acknowledged: {state: description JSON or null, n}. */
    this.reported = null;
  }

  async ensureEngine(cfg, ns) {
    if (!this.engine) {
      if (!this.opening) {
        this.opening = (async () => {
          const engine = await openEngine(this.adapter, this.maxBytes * 4, projectName(this.env));
          try {
            engine.describeIndex(cfg.name, '');
          } catch {
            await engine.createIndex(JSON.stringify(cfg.create), '');
          }
          this.engine = engine;
          return engine;
        })().finally(() => {
          this.opening = null;
        });
      }
      await this.opening;
    }
    if (cfg.pod) {
      // A pod index whose size or replicas changed: apply it to this copy.
      const spec = JSON.parse(this.engine.describeIndex(cfg.name, '')).spec.pod;
      if (spec && (spec.pod_type !== cfg.pod.pod_type || spec.replicas !== cfg.pod.replicas)) {
        await this.engine.configureIndex(cfg.name, JSON.stringify({ spec: { pod: cfg.pod } }), '');
      }
    }
    return this.engine;
  }

  /**
   * Runs one data-plane operation on this namespace; returns
   * `{status, body}` in the data-plane wire format.
   */
  async op(cfg, ns, op, body) {
    if (this.deleted) return dataErrorBody(404, 5, `Index ${cfg.name} not found.`);
    this.ident = { uid: cfg.uid, name: cfg.name, ns };
    this.inflight++;
    try {
      let engine;
      try {
        engine = await this.ensureEngine(cfg, ns);
      } catch (e) {
        return engineErrorResponse(e, 'data');
      }
      if (op === 'upsert') {
        const refused = await this.checkLimits(engine, cfg, ns, body);
        if (refused) return refused;
      }
      let res;
      try {
        if (op === 'describe_namespace') res = { status: 200, body: engine.describeNamespace(cfg.name, ns) };
        else if (op === 'delete_namespace') {
          await engine.deleteNamespace(cfg.name, ns);
          res = { status: 200, body: '{}' };
        } else res = { status: 200, body: await engine.call(op, cfg.name, body) };
      } catch (e) {
        // The engine changes nothing when it fails.
        res = engineErrorResponse(e, 'data');
        await this.markDirty(null);
        return res;
      }
      if (WRITE_OPS.has(op)) await this.afterWrite(engine, cfg, ns);
      else await this.markDirty(null);
      return res;
    } finally {
      this.inflight--;
      if (this.inflight === 0) this.idle(cfg, ns);
    }
  }

  /**
   * This namespace as a one-namespace collection (the engine's portable
   * bytes), for the catalog to merge into a collection of the whole index:
   * `{status: 200, bytes}`, or `{status: 200, bytes: null}` when the
   * namespace does not exist here. The engine stores the collection while
   * it exports it; it is deleted again before this returns.
   */
  async exportPart(cfg, ns) {
    if (this.deleted) return dataErrorBody(404, 5, `Index ${cfg.name} not found.`);
    this.ident = { uid: cfg.uid, name: cfg.name, ns };
    this.inflight++;
    try {
      const engine = await this.ensureEngine(cfg, ns);
      try {
        engine.describeNamespace(cfg.name, ns);
      } catch {
        return { status: 200, bytes: null };
      }
      await dropPart(engine);
      try {
        await engine.createCollection(JSON.stringify({ name: PART, source: cfg.name }));
        const bytes = await engine.exportCollection(PART);
        const limit = maxCollectionBytes(this.env);
        if (bytes.byteLength > limit) {
          // Refused here: the catalog could not take it (nor an RPC carry it).
          return dataErrorBody(
            403,
            8,
            `Collection exceeds quota: namespace '${ns}' of index '${cfg.name}' alone makes ${bytes.byteLength} bytes, over this deployment's limit of ${limit} bytes per collection.`,
          );
        }
        return { status: 200, bytes };
      } finally {
        await dropPart(engine);
      }
    } catch (e) {
      return engineErrorResponse(e, 'data');
    } finally {
      this.inflight--;
      if (this.inflight === 0) this.idle(cfg, ns);
    }
  }

  /**
   * Upserts the records of a one-namespace collection (from
   * `splitCollection`) into this namespace, reports the new count to the
   * catalog, and checks the per-namespace memory limit. On failure the
   * catalog wipes the whole index being restored.
   */
  async restorePart(cfg, ns, bytes) {
    if (this.deleted) return dataErrorBody(404, 5, `Index ${cfg.name} not found.`);
    this.ident = { uid: cfg.uid, name: cfg.name, ns };
    this.inflight++;
    try {
      const engine = await this.ensureEngine(cfg, ns);
      const count = await engine.restoreInto(cfg.name, bytes);
      await this.afterWrite(engine, cfg, ns);
      const size = namespaceSize(engine, cfg.name, ns).bytes;
      if (size > this.maxBytes) {
        return dataErrorBody(
          403,
          8,
          `Namespace '${ns}' of the collection holds about ${size} bytes of records, over this deployment's limit of ${this.maxBytes} bytes per namespace (one Durable Object).`,
        );
      }
      return { status: 200, count };
    } catch (e) {
      return engineErrorResponse(e, 'data');
    } finally {
      this.inflight--;
      if (this.inflight === 0) this.idle(cfg, ns);
    }
  }

  /** Memory and pod-capacity limits of an upsert, checked before it runs. */
  async checkLimits(engine, cfg, ns, body) {
    const { count, bytes } = namespaceSize(engine, cfg.name, ns);
    let parsed = null;
    const parse = () => {
      if (parsed === null) {
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = false; // the engine reports the syntax error
        }
      }
      return parsed;
    };
    // A JSON number takes at least 2 characters and at most 8 bytes in
    // memory, so 8x the body bounds what it can add; parse only when close.
    if (bytes + 8 * body.length > this.maxBytes) {
      const req = parse();
      if (req && Array.isArray(req.vectors)) {
        const add = estimateBytes(req.vectors);
        if (bytes + add > this.maxBytes) {
          return dataErrorBody(
            403,
            8,
            `Namespace '${ns}' of index '${cfg.name}' would hold about ${bytes + add} bytes of records, over this deployment's limit of ${this.maxBytes} bytes per namespace (one Durable Object). Delete records or spread them over more namespaces.`,
          );
        }
      }
    }
    if (cfg.capacity !== null && cfg.capacity !== undefined) {
      const other = cfg.other || 0;
      const req = parse();
      if (req && Array.isArray(req.vectors) && other + count + req.vectors.length > cfg.capacity) {
        const ids = [...new Set(req.vectors.map((v) => v && v.id).filter((id) => typeof id === 'string'))];
        let existing = 0;
        if (ids.length && ids.length <= 1000) {
          try {
            const f = JSON.parse(await engine.call('fetch', cfg.name, JSON.stringify({ ids, namespace: ns })));
            existing = Object.keys(f.vectors).length;
          } catch {
            existing = 0;
          }
        }
        const after = other + count + ids.length - existing;
        if (after > cfg.capacity) {
          return dataErrorBody(
            403,
            8,
            `Index '${cfg.name}' is full: upserting ${ids.length - existing} new records would bring it to ${after}, over the capacity of ${cfg.capacity} records for its pod configuration. Add shards, use a larger pod size, or delete records.`,
          );
        }
      }
    }
    return null;
  }

  /** Reports this namespace's state to the catalog (before answering). */
  async afterWrite(engine, cfg, ns) {
    let descr = null;
    try {
      descr = JSON.parse(engine.describeNamespace(cfg.name, ns));
    } catch {
      descr = null;
    }
    const n = ++this.seq;
    const state = descr ? JSON.stringify(descr) : null;
    if (this.reported && state === this.reported.state) {
      // The catalog already has this count and description (an update, an
      // overwrite): only the metrics mark may be due.
      await this.markDirty(null);
      return;
    }
    const seq = [this.boot, n];
    const info = descr
      ? { exists: true, count: Number(descr.record_count), bytes: Number(descr.size_bytes) || 0, descr, seq }
      : { exists: false, count: 0, bytes: 0, descr: null, seq };
    await this.markDirty(info);
    if (!this.reported || n > this.reported.n) this.reported = { state, n };
  }

  /**
   * Tells the catalog this object has metrics to flush (once per flush
   * period), together with a state report when there is one, and arms the
   * flush alarm.
   */
  async markDirty(report) {
    const first = !this.dirty;
    this.dirty = true;
    if (first) await this.ctx.storage.setAlarm(Date.now() + this.flushMs);
    if (first || report) {
      const { uid, ns } = this.ident;
      await catalogStub(this.env).report(uid, ns, report, first);
    }
  }

  currentSeries() {
    return this.engine ? engineSeries(JSON.parse(this.engine.metricsJson()), this.ident.name) : {};
  }

  /** Flushes the metrics delta to the catalog. */
  async alarm() {
    if (!this.ident) {
      // Restarted since it marked itself dirty: its counters are gone, but
      // the catalog must stop asking for them.
      const ident = identFromName(this.ctx.id.name);
      if (ident) await catalogStub(this.env).flushMetrics(ident.uid, ident.ns, {});
      return;
    }
    const d = this.tracker.take(this.currentSeries());
    this.dirty = false;
    try {
      await catalogStub(this.env).flushMetrics(this.ident.uid, this.ident.ns, d);
    } catch (e) {
      this.tracker.restore(d);
      this.dirty = true;
      await this.ctx.storage.setAlarm(Date.now() + this.flushMs);
    }
  }

  /** The unflushed metrics delta (for /metrics; flushes nothing). */
  metricsDelta() {
    if (!this.ident) return {};
    const d = this.tracker.delta(this.currentSeries());
    return isEmpty(d) ? {} : d;
  }

  /** No operation is running: drop a deleted namespace, else schedule queued compactions. */
  idle(cfg, ns) {
    this.collect(cfg, ns);
    this.scheduleCompaction();
  }

  /**
   * Runs the compactions the engine queued (storing the HNSW graph so the
   * next start installs it instead of rebuilding it; folding a long segment
   * log) once no operation has arrived for `COMPACT_IDLE_MS`. It counts as
   * an operation in flight, so the engine is not dropped under it.
   */
  scheduleCompaction() {
    if (!this.engine || this.engine.compactionsDue() === 0) return;
    clearTimeout(this.compactTimer);
    this.compactTimer = setTimeout(async () => {
      this.compactTimer = null;
      if (!this.engine) return;
      if (this.inflight > 0) return; // the operation running reschedules when it ends
      const engine = this.engine;
      this.inflight++;
      try {
        await engine.compactDue();
      } catch {
        // A failed compaction changes nothing: the old log stays valid.
      } finally {
        this.inflight--;
      }
    }, COMPACT_IDLE_MS);
  }

  /**
   * When no operation is running and the namespace is gone, drops the
   * engine and empties storage, so a deleted namespace leaves nothing.
   */
  collect(cfg, ns) {
    if (!this.engine) return;
    let exists = true;
    try {
      this.engine.describeNamespace(cfg.name, ns);
    } catch {
      exists = false;
    }
    if (exists) return;
    this.tracker.retire(this.currentSeries());
    this.engine.free();
    this.engine = null;
    this.adapter.clear();
  }

  /** Wipes this object for good: its index was deleted. */
  destroy() {
    if (this.engine && this.inflight === 0) {
      this.engine.free();
      this.engine = null;
    }
    this.tracker = new DeltaTracker();
    this.dirty = false;
    this.reported = null;
    this.ctx.storage.transactionSync(() => {
      this.adapter.clear();
      this.sql.exec('INSERT OR IGNORE INTO tomb (uid) VALUES (?)', 'deleted');
    });
    this.deleted = true;
  }

  /** Stored rows (tests check that deleted namespaces leave none). */
  storedRows() {
    return this.adapter.rowCount();
  }

  /** Compactions the engine has queued (a graph rebuilt at load queues one), for tests. */
  compactionsDue() {
    return this.engine ? this.engine.compactionsDue() : 0;
  }

  /** The kinds of stored keys (their first part: manifest, seg, graph...), for tests. */
  storedKinds() {
    return this.adapter.kinds();
  }
}

/** {uid, ns} from the object's name (see names.js), when the runtime gives it. */
function identFromName(name) {
  try {
    const [uid, ns] = JSON.parse(name);
    return typeof uid === 'string' && typeof ns === 'string' ? { uid, ns } : null;
  } catch {
    return null;
  }
}

/** The name of the temporary collection `exportPart` makes. */
const PART = 'part';

/** Deletes the temporary collection if a crash left one behind. */
async function dropPart(engine) {
  try {
    engine.describeCollection(PART);
  } catch {
    return;
  }
  await engine.deleteCollection(PART);
}

/** Record count and bytes of `ns` as the engine counts them (0 when it does not exist). */
function namespaceSize(engine, index, ns) {
  try {
    const d = JSON.parse(engine.describeNamespace(index, ns));
    return { count: Number(d.record_count) || 0, bytes: Number(d.size_bytes) || 0 };
  } catch {
    return { count: 0, bytes: 0 };
  }
}

/** Upper estimate of the record bytes an upsert adds (engine's accounting). */
function estimateBytes(vectors) {
  const enc = new TextEncoder();
  let n = 0;
  for (const v of vectors) {
    if (!v || typeof v !== 'object') continue;
    if (typeof v.id === 'string') n += enc.encode(v.id).length;
    if (Array.isArray(v.values)) n += 4 * v.values.length;
    if (v.sparseValues && Array.isArray(v.sparseValues.indices)) n += 8 * v.sparseValues.indices.length;
    if (v.metadata && typeof v.metadata === 'object') n += 2 * JSON.stringify(v.metadata).length;
  }
  return n;
}
