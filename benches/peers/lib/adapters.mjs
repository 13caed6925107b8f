// One adapter per library, the same code in Node and in Chromium. An adapter
// drives the library through its own public API only; everything runtime-
// specific (how a module or a wasm file is loaded, where saved bytes go)
// comes in through `ctx`:
//
//   ctx.runtime       'node' | 'browser'
//   ctx.metric        the dataset's metric, 'cosine' | 'euclidean'
//   ctx.m, ctx.efC    HNSW build parameters (Conifer's defaults)
//   ctx.load(name)    the library's module (dynamic import)
//   ctx.wasm(name)    Node: the bytes of a wasm file; browser: its URL
//   ctx.store         { put(key, Uint8Array|string), get(key), remove(key) }:
//                     files in Node, an IndexedDB object store in Chromium
//   ctx.tmpDir        Node only: a scratch directory for libraries that
//                     persist to paths themselves
//
// Adapter shape: { id, label, pkg, algo, runtimes, metricMode(metric, unitNorm),
// persist: { node, browser } (true or a reason string), make(ctx) } where
// make(ctx) returns an instance { build(data), setEf?(ef), query(q, k) ->
// row indices, save?() -> bytes, reload?(), free() }.

const SPEC = { serverless: { cloud: 'aws', region: 'us-east-1' } };
const BATCH = 1000;

const rowsOf = (base, dim, from, to) => {
  const out = [];
  for (let i = from; i < to; i++) out.push(base.subarray(i * dim, (i + 1) * dim));
  return out;
};
const byteLen = (x) => (typeof x === 'string' ? x.length : x.byteLength);

// ---------------------------------------------------------------- Conifer
function conifer(indexType, stored = false) {
  return {
    id: `conifer-${indexType}${stored ? '+storage' : ''}`,
    label: `Conifer (${indexType}${stored ? ', persisted storage' : ''})`,
    // stored: every upsert is durable in the storage before it resolves (Node: a
    // file-backed storage adapter; Chromium: storage "indexeddb"); reload = a new
    // client reopening that storage and answering a first query.
    persistKind: stored ? 'reopen' : 'snapshot',
    // The hnsw snapshot path restores by building the graph again (as costly as the
    // build); its persistence is measured by the persisted-storage row instead.
    snapshotOptional:
      indexType === 'hnsw' && !stored
        ? 'measured in the "persisted storage" row (a collection snapshot restores by rebuilding the graph; PEERS_CONIFER_SNAPSHOT=1 measures it)'
        : undefined,
    pkg: 'conifer-db',
    algo: indexType === 'flat' ? 'exact scan, wasm SIMD128' : 'HNSW, wasm SIMD128',
    runtimes: ['node', 'browser'],
    metricMode: () => ({ mode: 'native' }),
    persist: { node: true, browser: true },
    make(ctx) {
      let mod;
      let pc;
      let idx;
      let dim;
      let ef = 0;
      const conf = () =>
        indexType === 'flat'
          ? { indexType: 'flat' }
          : // efSearch is set per query (the `efSearch` query option), as the peers' setEf does
            { indexType: 'hnsw', m: ctx.m, efConstruction: ctx.efC };
      const open = async (storage) => {
        mod = mod || (await ctx.load('conifer'));
        // explicit "memory" for the in-memory runs: in browsers the default is IndexedDB
        return new mod.Pinecone({ storage: storage ?? 'memory' });
      };
      return {
        info: {},
        async build({ base, n, dim: d }) {
          dim = d;
          pc = await open(stored ? await ctx.coniferStorage() : undefined);
          this.info.buildInfo = await mod.buildInfo();
          this.info.storage = stored ? ctx.coniferStorageLabel : 'memory';
          await pc.createIndex({ name: 'bench', dimension: dim, metric: ctx.metric, spec: SPEC, conifer: conf() });
          idx = pc.index('bench');
          // Pinecone's limits: 1,000 records and 2 MB (4 bytes per value) per upsert
          const batch = Math.min(BATCH, Math.floor((2 * 1024 * 1024) / (dim * 4 + 8)));
          for (let s = 0; s < n; s += batch) {
            const records = rowsOf(base, dim, s, Math.min(n, s + batch)).map((values, j) => ({ id: String(s + j), values }));
            await idx.upsert(records);
          }
        },
        setEf(e) {
          ef = e;
        },
        async query(q, k) {
          const r = await idx.query(indexType === 'hnsw' && ef ? { topK: k, vector: q, efSearch: ef } : { topK: k, vector: q });
          const out = new Array(Math.min(k, r.matches.length));
          for (let i = 0; i < out.length; i++) out[i] = +r.matches[i].id;
          return out;
        },
        // Save: a collection (static copy) exported to portable bytes, written to the store.
        async save() {
          await pc.createCollection({ name: 'snap', source: 'bench' });
          const bytes = await pc.exportCollection('snap');
          await ctx.store.put('conifer.collection', bytes);
          await pc.deleteCollection('snap');
          return byteLen(bytes);
        },
        // Reload: a fresh client imports the bytes and restores the index from them.
        async reload() {
          await this.free();
          const bytes = await ctx.store.get('conifer.collection');
          pc = await open();
          await pc.importCollection('snap', bytes);
          await pc.createIndex({
            name: 'bench', dimension: dim, metric: ctx.metric,
            spec: { serverless: { ...SPEC.serverless, sourceCollection: 'snap' } }, conifer: conf(),
          });
          idx = pc.index('bench');
        },
        // Wait until background work the reopen queued (a compaction) is done: close()
        // finishes it. The next reopen opens a fresh client anyway.
        async settle() {
          await pc?.close?.();
        },
        // Reopen (storage adapter / IndexedDB runs): a fresh client over the same storage.
        async reopen() {
          pc = await open(await ctx.coniferStorage({ reopen: true }));
          idx = pc.index('bench');
        },
        async free() {
          if (pc) {
            try {
              await pc.deleteIndex('bench');
            } catch {
              /* already gone */
            }
            try {
              await pc.close?.();
            } catch {
              /* no storage to close */
            }
          }
          pc = null;
          idx = null;
        },
        async drop() {
          // forget the client without deleting the stored index (for reopen)
          try {
            await pc?.close?.();
          } catch {
            /* nothing to close */
          }
          pc = null;
          idx = null;
        },
      };
    },
  };
}

// ---------------------------------------------------------------- hnswlib-node (native)
const hnswlibNode = {
  id: 'hnswlib-node',
  label: 'hnswlib-node (native C++)',
  pkg: 'hnswlib-node',
  algo: 'HNSW, native addon',
  runtimes: ['node'],
  metricMode: () => ({ mode: 'native' }),
  persist: { node: true, browser: 'Node-only (native addon)' },
  make(ctx) {
    let lib;
    let idx;
    let dim;
    let ef = 10;
    const space = ctx.metric === 'cosine' ? 'cosine' : 'l2';
    const path = () => `${ctx.tmpDir}/hnswlib-node.bin`;
    return {
      async build({ base, n, dim: d }) {
        dim = d;
        lib = await ctx.load('hnswlib-node');
        const H = lib.HierarchicalNSW ?? lib.default.HierarchicalNSW;
        idx = new H(space, dim);
        idx.initIndex(n, ctx.m, ctx.efC, 100);
        for (let i = 0; i < n; i++) idx.addPoint(Array.from(base.subarray(i * dim, (i + 1) * dim)), i);
      },
      setEf(e) {
        ef = e;
        idx.setEf(e);
      },
      async query(q, k) {
        return idx.searchKnn(Array.from(q), k).neighbors;
      },
      async save() {
        idx.writeIndexSync(path());
        return ctx.fileSize(path());
      },
      async reload() {
        idx = null;
        const H = lib.HierarchicalNSW ?? lib.default.HierarchicalNSW;
        idx = new H(space, dim);
        idx.readIndexSync(path());
        idx.setEf(ef);
      },
      async free() {
        idx = null;
      },
    };
  },
};

// ---------------------------------------------------------------- hnswlib-wasm
const hnswlibWasm = {
  id: 'hnswlib-wasm',
  label: 'hnswlib-wasm',
  pkg: 'hnswlib-wasm',
  algo: 'HNSW (hnswlib C++ via Emscripten)',
  runtimes: ['node', 'browser'],
  metricMode: () => ({ mode: 'native' }),
  persist: {
    node: 'writeIndex/readIndex go through Emscripten IDBFS, which asserts on the missing indexedDB in Node, and the module exports no FS to copy the file out',
    browser: true,
  },
  make(ctx) {
    let lib;
    let idx;
    let dim;
    let n;
    let ef = 10;
    const space = ctx.metric === 'cosine' ? 'cosine' : 'l2';
    return {
      async build({ base, n: count, dim: d }) {
        dim = d;
        n = count;
        const m = await ctx.load('hnswlib-wasm');
        lib = await m.loadHnswlib();
        idx = new lib.HierarchicalNSW(space, dim, '');
        idx.initIndex(n, ctx.m, ctx.efC, 100);
        for (let s = 0; s < n; s += BATCH) {
          const e = Math.min(n, s + BATCH);
          const labels = [];
          for (let i = s; i < e; i++) labels.push(i);
          idx.addPoints(rowsOf(base, dim, s, e), labels, false);
        }
      },
      setEf(e) {
        ef = e;
        idx.setEfSearch(e);
      },
      async query(q, k) {
        return idx.searchKnn(q, k, undefined).neighbors;
      },
      async save() {
        await idx.writeIndex('bench.hnsw');
        await new Promise((res) => lib.EmscriptenFileSystemManager.syncFS(false, res)); // MEMFS -> IndexedDB
        return ctx.idbfsSize ? await ctx.idbfsSize() : null;
      },
      async reload() {
        idx = null;
        await new Promise((res) => lib.EmscriptenFileSystemManager.syncFS(true, res)); // IndexedDB -> MEMFS
        idx = new lib.HierarchicalNSW(space, dim, '');
        await idx.readIndex('bench.hnsw', n);
        idx.setEfSearch(ef);
      },
      async free() {
        idx = null;
      },
    };
  },
};

// ---------------------------------------------------------------- edgevec
const edgevec = {
  id: 'edgevec',
  label: 'EdgeVec',
  pkg: 'edgevec',
  algo: 'HNSW, wasm (Rust)',
  runtimes: ['node', 'browser'],
  // edgevec 0.9.0's "cosine" and "dot" metrics return the least similar
  // vectors (see the capability probe); on unit-length vectors L2 ranks
  // exactly as cosine, so wordnet runs with metric "l2".
  metricMode: (metric, unitNorm) =>
    metric === 'euclidean' ? { mode: 'native' } : unitNorm ? { mode: 'l2-on-unit', note: 'metric "l2" on unit vectors (same ranking as cosine); its "cosine" metric returns wrong neighbours' } : null,
  persist: {
    node: 'save()/EdgeVec.load() use IndexedDB only (ReferenceError: indexedDB is not defined); save_stream() yields bytes but no API loads them',
    browser: true,
  },
  make(ctx) {
    let mod;
    let db;
    let rowOf;
    let ef = 10;
    return {
      info: {},
      async build({ base, n, dim }) {
        mod = await ctx.load('edgevec');
        if (ctx.runtime === 'node') mod.initSync({ module: ctx.wasm('edgevec') });
        else await mod.default({ module_or_path: ctx.wasm('edgevec') });
        this.info.simdBackend = mod.getSimdBackend?.();
        const cfg = new mod.EdgeVecConfig(dim);
        cfg.metric = 'l2';
        cfg.m = ctx.m;
        cfg.m0 = 2 * ctx.m;
        cfg.ef_construction = ctx.efC;
        cfg.ef_search = ctx.buildEf ?? 10;
        db = new mod.EdgeVec(cfg);
        rowOf = new Map();
        for (let s = 0; s < n; s += BATCH) {
          const e = Math.min(n, s + BATCH);
          const ids = db.insertBatchFlat(base.subarray(s * dim, e * dim), e - s);
          for (let j = 0; j < ids.length; j++) rowOf.set(ids[j], s + j);
        }
      },
      setEf(e) {
        ef = e;
      },
      async query(q, k) {
        // ef_search is fixed in EdgeVecConfig (the efSearch option of searchFiltered
        // changes nothing, checked); like Conifer, ask topK = max(k, ef) and keep k:
        // identical top-10 to a build with ef_search = ef (checked on 5k wordnet).
        const r = db.search(q, Math.max(k, ef));
        const out = new Array(Math.min(k, r.length));
        for (let i = 0; i < out.length; i++) out[i] = rowOf.get(r[i].id);
        return out;
      },
      async save() {
        await db.save('bench');
        return db.serializedSize?.() ?? null;
      },
      async reload() {
        db.free();
        db = null;
        db = await mod.EdgeVec.load('bench');
      },
      async free() {
        db?.free();
        db = null;
      },
    };
  },
};

// ---------------------------------------------------------------- voy
const voy = {
  id: 'voy',
  label: 'Voy',
  pkg: 'voy-search',
  algo: 'k-d tree (kiddo), wasm (Rust)',
  runtimes: ['node', 'browser'],
  metricMode: (metric, unitNorm) =>
    metric === 'euclidean' ? { mode: 'native' } : unitNorm ? { mode: 'l2-on-unit', note: 'Voy ranks by euclidean distance only; on unit vectors that is the cosine ranking' } : null,
  persist: { node: true, browser: true },
  make(ctx) {
    let bg;
    let v;
    return {
      async build({ base, n, dim }) {
        bg = await ctx.load('voy');
        // Voy hands the resource to wasm through JSON.stringify (wasm-bindgen's
        // into_serde): 100k x 384 in one call exceeds V8's string limit and fails
        // with "`unwrap_throw` failed". Add it in chunks of 10,000 instead.
        const CHUNK = 10000;
        v = new bg.Voy();
        for (let s = 0; s < n; s += CHUNK) {
          const embeddings = [];
          for (let i = s; i < Math.min(n, s + CHUNK); i++) embeddings.push({ id: String(i), title: '', url: '', embeddings: Array.from(base.subarray(i * dim, (i + 1) * dim)) });
          v.add({ embeddings });
        }
      },
      async query(q, k) {
        return v.search(q, k).neighbors.map((x) => +x.id);
      },
      async save() {
        const s = v.serialize();
        await ctx.store.put('voy.json', s);
        return s.length;
      },
      async reload() {
        v.free();
        v = null;
        v = bg.Voy.deserialize(await ctx.store.get('voy.json'));
      },
      async free() {
        v?.free();
        v = null;
      },
    };
  },
};

// ---------------------------------------------------------------- Orama
const orama = {
  id: 'orama',
  label: 'Orama',
  pkg: '@orama/orama',
  algo: 'exact scan, JavaScript',
  runtimes: ['node', 'browser'],
  metricMode: (metric) => (metric === 'cosine' ? { mode: 'native' } : null),
  metricNote: 'vector search is cosine similarity only',
  persist: { node: true, browser: true },
  make(ctx) {
    let o;
    let p;
    let db;
    let schema;
    return {
      async build({ base, n, dim }) {
        o = await ctx.load('orama');
        schema = { embedding: `vector[${dim}]` };
        db = o.create({ schema });
        for (let s = 0; s < n; s += BATCH) {
          const docs = [];
          for (let i = s; i < Math.min(n, s + BATCH); i++) docs.push({ id: String(i), embedding: Array.from(base.subarray(i * dim, (i + 1) * dim)) });
          await o.insertMultiple(db, docs, BATCH);
        }
      },
      async query(q, k) {
        const r = await o.search(db, { mode: 'vector', vector: { value: Array.from(q), property: 'embedding' }, similarity: -1, limit: k, includeVectors: false });
        return r.hits.map((h) => +h.id);
      },
      // Save: the official @orama/plugin-data-persistence, default format "binary"
      // (msgpack as a hex string; "json" and "dpack" are strings too, and
      // "seqproto" throws on vector fields, checked).
      async save() {
        p = p || (await ctx.load('orama-persistence'));
        const s = await p.persist(db, 'binary', ctx.runtime === 'node' ? 'node' : 'browser');
        await ctx.store.put('orama.bin', s);
        return s.length / 2;
      },
      async reload() {
        db = null;
        db = await p.restore('binary', await ctx.store.get('orama.bin'), ctx.runtime === 'node' ? 'node' : 'browser');
      },
      async free() {
        db = null;
      },
    };
  },
};

// ---------------------------------------------------------------- Vectra
const vectra = {
  id: 'vectra',
  label: 'Vectra',
  pkg: 'vectra',
  algo: 'exact scan, JavaScript, one JSON file',
  runtimes: ['node'],
  metricMode: (metric) => (metric === 'cosine' ? { mode: 'native' } : null),
  metricNote: 'cosine similarity only',
  persist: { node: true, browser: 'LocalIndex reads and writes files (fs/promises): Node only' },
  saveIsIngest: true,
  make(ctx) {
    let V;
    let index;
    const dir = () => `${ctx.tmpDir}/vectra`;
    return {
      async build({ base, n, dim }) {
        V = await ctx.load('vectra');
        index = new V.LocalIndex(dir());
        await index.createIndex({ version: 1, deleteIfExists: true });
        // One update for the whole set (batchInsertItems = beginUpdate, add, endUpdate);
        // endUpdate writes index.json, so ingest includes the save.
        const items = [];
        for (let i = 0; i < n; i++) items.push({ id: String(i), vector: Array.from(base.subarray(i * dim, (i + 1) * dim)) });
        await index.batchInsertItems(items);
      },
      async query(q, k) {
        const r = await index.queryItems(Array.from(q), '', k);
        return r.map((x) => +x.item.id);
      },
      async save() {
        return ctx.fileSize(`${dir()}/index.json`); // already written by every update
      },
      async reload() {
        index = null;
        index = new V.LocalIndex(dir());
      },
      async free() {
        index = null;
      },
    };
  },
};

// ---------------------------------------------------------------- client-vector-search
const cvs = {
  id: 'client-vector-search',
  label: 'client-vector-search',
  pkg: 'client-vector-search',
  algo: 'exact scan, JavaScript (EmbeddingIndex)',
  runtimes: ['node', 'browser'],
  metricMode: (metric) => (metric === 'cosine' ? { mode: 'native' } : null),
  metricNote: 'EmbeddingIndex is cosine similarity only',
  persist: { node: 'saveIndex() supports "indexedDB" only (throws "IndexedDB is not supported" in Node)', browser: true },
  make(ctx) {
    let C;
    let index;
    return {
      async build({ base, n, dim }) {
        C = await ctx.load('client-vector-search');
        index = new C.EmbeddingIndex();
        for (let i = 0; i < n; i++) index.add({ id: i, embedding: Array.from(base.subarray(i * dim, (i + 1) * dim)) });
      },
      async query(q, k) {
        const r = await index.search(Array.from(q), { topK: k });
        return r.map((x) => x.object.id);
      },
      async save() {
        await index.saveIndex('indexedDB', { DBName: 'cvs-bench', objectStoreName: 'bench' });
        return null;
      },
      async reload() {
        const objs = await index.getAllObjectsFromIndexedDB('cvs-bench', 'bench');
        index = null;
        index = new C.EmbeddingIndex(objs);
      },
      async free() {
        index = null;
      },
    };
  },
};

// client-vector-search's ExperimentalHNSWIndex: euclidean only, no M (each
// node links to its efc nearest), node = insertion order in the bottom layer.
const cvsHnsw = {
  id: 'client-vector-search-hnsw',
  label: 'client-vector-search (ExperimentalHNSWIndex)',
  pkg: 'client-vector-search',
  algo: 'HNSW-like graph, JavaScript (experimental; no M parameter)',
  runtimes: ['node', 'browser'],
  metricMode: (metric, unitNorm) =>
    metric === 'euclidean' ? { mode: 'native' } : unitNorm ? { mode: 'l2-on-unit', note: 'euclidean only; on unit vectors that is the cosine ranking' } : null,
  persist: { node: true, browser: true },
  make(ctx) {
    let C;
    let h;
    let ef = 10;
    return {
      async build({ base, n, dim }) {
        C = await ctx.load('client-vector-search');
        // L=5 layers and mL=0.62 are its defaults; efc = the shared efConstruction.
        h = new C.ExperimentalHNSWIndex(5, 0.62, ctx.efC);
        for (let i = 0; i < n; i++) h.insert(Array.from(base.subarray(i * dim, (i + 1) * dim)));
      },
      setEf(e) {
        ef = e;
      },
      async query(q, k) {
        return h.search(Array.from(q), ef).slice(0, k).map((x) => x[1]);
      },
      async save() {
        const b = h.toBinary();
        await ctx.store.put('cvs-hnsw.bin', b);
        return b.byteLength;
      },
      async reload() {
        h = null;
        h = C.ExperimentalHNSWIndex.fromBinary(await ctx.store.get('cvs-hnsw.bin'));
      },
      async free() {
        h = null;
      },
    };
  },
};

// ---------------------------------------------------------------- PGlite + pgvector
const pglite = {
  id: 'pglite-pgvector',
  label: 'PGlite + pgvector (HNSW)',
  pkg: '@electric-sql/pglite',
  algo: 'pgvector HNSW in Postgres 17 (wasm)',
  runtimes: ['node', 'browser'],
  metricMode: () => ({ mode: 'native' }),
  persist: { node: true, browser: true },
  make(ctx) {
    let P;
    let vector;
    let pg;
    let ef = 10;
    let dim;
    const ops = ctx.metric === 'cosine' ? 'vector_cosine_ops' : 'vector_l2_ops';
    const op = ctx.metric === 'cosine' ? '<=>' : '<->';
    const lit = (v) => {
      let s = '[';
      for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + v[i];
      return s + ']';
    };
    const open = async (opts = {}) => {
      P = P || (await ctx.load('pglite'));
      vector = vector || (await ctx.load('pglite-vector')).vector;
      const db = await P.PGlite.create({ extensions: { vector }, ...opts });
      // a 100k x 384 graph does not fit the default 64 MB (pgvector then warns and builds slower); 512 MB holds it
      await db.exec("SET maintenance_work_mem = '512MB'");
      return db;
    };
    return {
      info: {},
      async build({ base, n, dim: d }) {
        dim = d;
        pg = await open();
        this.info.postgres = (await pg.query('select version() as v')).rows[0].v.split(' on ')[0];
        await pg.exec(`CREATE EXTENSION IF NOT EXISTS vector; CREATE TABLE items (id int4 PRIMARY KEY, embedding vector(${dim}));`);
        this.info.pgvector = (await pg.query("select extversion from pg_extension where extname = 'vector'")).rows[0].extversion;
        for (let s = 0; s < n; s += BATCH) {
          const e = Math.min(n, s + BATCH);
          const params = [];
          const tuples = [];
          for (let i = s; i < e; i++) {
            params.push(i, lit(base.subarray(i * dim, (i + 1) * dim)));
            tuples.push(`($${params.length - 1}, $${params.length})`);
          }
          await pg.query(`INSERT INTO items VALUES ${tuples.join(',')}`, params);
        }
        await pg.exec(`CREATE INDEX items_hnsw ON items USING hnsw (embedding ${ops}) WITH (m = ${ctx.m}, ef_construction = ${ctx.efC})`);
      },
      async setEf(e) {
        ef = e;
        await pg.exec(`SET hnsw.ef_search = ${e}`);
      },
      async query(q, k) {
        const r = await pg.query(`SELECT id FROM items ORDER BY embedding ${op} $1 LIMIT ${k}`, [lit(q)]);
        return r.rows.map((x) => x.id);
      },
      async save() {
        const blob = await pg.dumpDataDir('none');
        const bytes = new Uint8Array(await blob.arrayBuffer());
        await ctx.store.put('pglite.tar', bytes);
        return bytes.byteLength;
      },
      async reload() {
        await pg.close();
        pg = null;
        const bytes = await ctx.store.get('pglite.tar');
        pg = await open({ loadDataDir: new Blob([bytes]) });
        await pg.exec(`SET hnsw.ef_search = ${ef}`);
      },
      async free() {
        await pg?.close();
        pg = null;
      },
    };
  },
};

export const ADAPTERS = [conifer('flat'), conifer('hnsw'), conifer('flat', true), conifer('hnsw', true), hnswlibNode, hnswlibWasm, edgevec, voy, orama, vectra, cvs, cvsHnsw, pglite];
export const byId = Object.fromEntries(ADAPTERS.map((a) => [a.id, a]));
