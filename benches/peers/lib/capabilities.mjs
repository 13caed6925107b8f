// Capability probes, run in Node on small generated data by trying each
// operation through the library's public API (not from its docs):
//
// - delete:    delete one record; is it gone from a query on its own vector?
// - upsert:    write a new vector under an existing id; does the id come back
//              once, with the new vector, and the count stay the same?
// - filter:    2,000 vectors, 40 of them (2%) tagged "rare"; a filtered top-10
//              query: does it return 10 results, all tagged? ("during search"
//              = 10/10; a post-filter returns fewer)
// - namespaces: can one instance hold separate, isolated sets (tenants)?
// - metric:    does a cosine index return the query's own vector first?
//
// Each probe returns { check: { ok: true|false|null, note } }; null = the API
// has no such operation.

const SPEC = { serverless: { cloud: 'aws', region: 'us-east-1' } };
const DIM = 16;
const N = 2000;
const RARE = 40;

function makeData() {
  let s = 12345;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const vecs = [];
  for (let i = 0; i < N; i++) {
    const v = Float32Array.from({ length: DIM }, () => rnd() - 0.5);
    const n = Math.hypot(...v);
    vecs.push(v.map((x) => x / n));
  }
  const rare = new Set();
  while (rare.size < RARE) rare.add(Math.floor(rnd() * N));
  const fresh = vecs[7].map((x, i) => (i % 2 ? -x : x)); // a new vector for id 0
  return { vecs, rare, fresh, tag: (i) => (rare.has(i) ? 'rare' : 'common') };
}

const yes = (note) => ({ ok: true, note });
const no = (note) => ({ ok: false, note });
const none = (note) => ({ ok: null, note });

function filterVerdict(ids, d, how) {
  const good = ids.filter((i) => d.rare.has(i)).length;
  if (ids.length === 10 && good === 10) return yes(`during search: 10/10 rare (${how})`);
  return no(`${good} rare of ${ids.length} returned for top-10 (${how}); a post-filter, or a filter over the candidate list only`);
}

async function safely(out, key, f) {
  try {
    out[key] = await f();
  } catch (e) {
    out[key] = no(`threw: ${String(e?.message || e).slice(0, 160)}`);
  }
}

const probes = {
  async conifer(ctx, d, out) {
    const { Pinecone } = await ctx.load('conifer');
    const pc = new Pinecone();
    await pc.createIndex({ name: 'p', dimension: DIM, metric: 'cosine', spec: SPEC, conifer: { indexType: 'hnsw' } });
    const idx = pc.index('p');
    for (let s = 0; s < N; s += 1000) {
      await idx.upsert(d.vecs.slice(s, s + 1000).map((v, j) => ({ id: String(s + j), values: v, metadata: { tag: d.tag(s + j) } })));
    }
    const ids = (r) => r.matches.map((m) => +m.id);
    await safely(out, 'metric', async () => (ids(await idx.query({ topK: 1, vector: d.vecs[3] }))[0] === 3 ? yes('cosine: self first') : no('cosine: self not first')));
    await safely(out, 'filter', async () => filterVerdict(ids(await idx.query({ topK: 10, vector: d.vecs[5], filter: { tag: 'rare' } })), d, 'metadata filter {tag: "rare"}'));
    await safely(out, 'delete', async () => {
      await idx.deleteOne('1');
      return ids(await idx.query({ topK: 10, vector: d.vecs[1] })).includes(1) ? no('still returned') : yes('deleteOne / deleteMany / deleteAll');
    });
    await safely(out, 'upsert', async () => {
      await idx.upsert([{ id: '0', values: d.fresh }]);
      const r = ids(await idx.query({ topK: 10, vector: d.fresh }));
      const st = await idx.describeIndexStats();
      return r[0] === 0 && r.filter((x) => x === 0).length === 1 && st.totalRecordCount === N - 1 ? yes('same id overwrites the record') : no(`top ${r[0]}, count ${st.totalRecordCount}`);
    });
    await safely(out, 'namespaces', async () => {
      await idx.namespace('t1').upsert([{ id: 'a', values: d.vecs[9] }]);
      await idx.namespace('t2').upsert([{ id: 'b', values: d.vecs[9] }]);
      const r = await idx.namespace('t1').query({ topK: 10, vector: d.vecs[9] });
      return r.matches.length === 1 && r.matches[0].id === 'a' ? yes('namespace per tenant, isolated') : no(JSON.stringify(r.matches));
    });
  },

  async hnswlib(ctx, d, out, wasm) {
    let idx;
    if (wasm) {
      const lib = await (await ctx.load('hnswlib-wasm')).loadHnswlib();
      idx = new lib.HierarchicalNSW('cosine', DIM, '');
    } else {
      const lib = await ctx.load('hnswlib-node');
      idx = new (lib.HierarchicalNSW ?? lib.default.HierarchicalNSW)('cosine', DIM);
    }
    idx.initIndex(N + 10, 16, 100, 100);
    const add = (v, i) => (wasm ? idx.addPoint(v, i, false) : idx.addPoint(Array.from(v), i));
    d.vecs.forEach(add);
    idx.setEf?.(64);
    idx.setEfSearch?.(64);
    const knn = (v, k, f) => (wasm ? idx.searchKnn(v, k, f) : idx.searchKnn(Array.from(v), k, f)).neighbors;
    await safely(out, 'metric', async () => (knn(d.vecs[3], 1)[0] === 3 ? yes('cosine: self first') : no('cosine: self not first')));
    await safely(out, 'filter', async () => filterVerdict(knn(d.vecs[5], 10, (label) => d.rare.has(label)), d, 'label callback; no metadata'));
    await safely(out, 'delete', async () => {
      idx.markDelete(1);
      return knn(d.vecs[1], 10).includes(1) ? no('still returned') : yes('markDelete (tombstone)');
    });
    await safely(out, 'upsert', async () => {
      add(d.fresh, 0);
      const r = knn(d.fresh, 10);
      return r[0] === 0 && r.filter((x) => x === 0).length === 1 && idx.getCurrentCount() === N ? yes('addPoint on an existing label replaces its vector') : no(`top ${r[0]}, count ${idx.getCurrentCount()}`);
    });
    out.namespaces = none('no: one index per tenant');
  },

  async edgevec(ctx, d, out) {
    const e = await ctx.load('edgevec');
    e.initSync({ module: ctx.wasm('edgevec') });
    const mk = (metric) => {
      const cfg = new e.EdgeVecConfig(DIM);
      cfg.metric = metric;
      const db = new e.EdgeVec(cfg);
      const ids = d.vecs.map((v, i) => db.insertWithMetadata(v, { tag: d.tag(i) }));
      return { db, row: new Map(ids.map((id, i) => [id, i])), ids };
    };
    await safely(out, 'metric', async () => {
      const c = mk('cosine');
      const top = c.row.get(c.db.search(d.vecs[3], 1)[0]?.id);
      return top === 3 ? yes('cosine: self first') : no(`metric "cosine" (also "dot"): the query's own vector is not returned first (got row ${top}); "l2" is correct`);
    });
    const { db, row, ids } = mk('l2');
    await safely(out, 'filter', async () => filterVerdict(db.searchWithFilter(d.vecs[5], 'tag = "rare"', 10).map((x) => row.get(x.id)), d, 'filter expression, strategy auto'));
    await safely(out, 'delete', async () => {
      db.softDelete(ids[1]);
      return db.search(d.vecs[1], 10).some((x) => row.get(x.id) === 1) ? no('still returned') : yes('softDelete (tombstone) + compact()');
    });
    out.upsert = none('no: ids are assigned by insert(); overwrite = softDelete + insert (new id)');
    out.namespaces = none('no: one instance per tenant');
  },

  async voy(ctx, d, out) {
    const bg = await ctx.load('voy');
    const res = (i, v = d.vecs[i]) => ({ id: String(i), title: d.tag(i), url: '', embeddings: Array.from(v) });
    const v = new bg.Voy({ embeddings: d.vecs.map((_, i) => res(i)) });
    const ids = (r) => r.neighbors.map((x) => +x.id);
    await safely(out, 'delete', async () => {
      v.remove({ embeddings: [res(1)] });
      return ids(v.search(d.vecs[1], 10)).includes(1) ? no('still returned') : yes('remove(resource) with the same embedding');
    });
    await safely(out, 'upsert', async () => {
      v.add({ embeddings: [res(0, d.fresh)] });
      const r = ids(v.search(d.vecs[0], 10));
      return r.includes(0) ? no('add() with an existing id keeps the old vector too (duplicate id)') : yes('add replaces');
    });
    out.filter = none('no filter in the API (search(query, k) only)');
    out.namespaces = none('no: one instance per tenant');
    out.metric = none('euclidean only');
  },

  async orama(ctx, d, out) {
    const o = await ctx.load('orama');
    const db = o.create({ schema: { tag: 'string', embedding: `vector[${DIM}]` } });
    await o.insertMultiple(db, d.vecs.map((v, i) => ({ id: String(i), tag: d.tag(i), embedding: Array.from(v) })));
    const q = async (v, extra = {}) => (await o.search(db, { mode: 'vector', vector: { value: Array.from(v), property: 'embedding' }, similarity: -1, limit: 10, ...extra })).hits.map((h) => +h.id);
    await safely(out, 'metric', async () => ((await q(d.vecs[3]))[0] === 3 ? yes('cosine: self first') : no('cosine: self not first')));
    await safely(out, 'filter', async () => filterVerdict(await q(d.vecs[5], { where: { tag: 'rare' } }), d, 'where clause'));
    await safely(out, 'delete', async () => {
      await o.remove(db, '1');
      return (await q(d.vecs[1])).includes(1) ? no('still returned') : yes('remove(db, id)');
    });
    await safely(out, 'upsert', async () => {
      await o.upsert(db, { id: '0', tag: 'common', embedding: Array.from(d.fresh) });
      const r = await q(d.fresh);
      return r[0] === 0 && r.filter((x) => x === 0).length === 1 && o.count(db) === N - 1 ? yes('upsert(db, doc)') : no(`top ${r[0]}, count ${o.count(db)}`);
    });
    out.namespaces = none('no: one instance per tenant');
  },

  async vectra(ctx, d, out) {
    const V = await ctx.load('vectra');
    const index = new V.LocalIndex(`${ctx.tmpDir}/probe`);
    await index.createIndex({ version: 1, deleteIfExists: true });
    await index.batchInsertItems(d.vecs.map((v, i) => ({ id: String(i), vector: Array.from(v), metadata: { tag: d.tag(i) } })));
    const q = async (v, f) => (await index.queryItems(Array.from(v), '', 10, f)).map((x) => +x.item.id);
    await safely(out, 'metric', async () => ((await q(d.vecs[3]))[0] === 3 ? yes('cosine: self first') : no('cosine: self not first')));
    await safely(out, 'filter', async () => filterVerdict(await q(d.vecs[5], { tag: { $eq: 'rare' } }), d, 'Pinecone-style metadata filter'));
    await safely(out, 'delete', async () => {
      await index.deleteItem('1');
      return (await q(d.vecs[1])).includes(1) ? no('still returned') : yes('deleteItem(id)');
    });
    await safely(out, 'upsert', async () => {
      await index.upsertItem({ id: '0', vector: Array.from(d.fresh), metadata: { tag: 'common' } });
      const r = await q(d.fresh);
      const st = await index.getIndexStats();
      return r[0] === 0 && r.filter((x) => x === 0).length === 1 && st.items === N - 1 ? yes('upsertItem') : no(`top ${r[0]}, count ${st.items}`);
    });
    out.namespaces = none('no: one folder (index) per tenant');
  },

  async cvs(ctx, d, out) {
    const C = await ctx.load('client-vector-search');
    const index = new C.EmbeddingIndex(d.vecs.map((v, i) => ({ id: i, tag: d.tag(i), embedding: Array.from(v) })));
    const q = async (v, filter) => (await index.search(Array.from(v), { topK: 10, filter })).map((x) => x.object.id);
    await safely(out, 'metric', async () => ((await q(d.vecs[3]))[0] === 3 ? yes('cosine: self first') : no('cosine: self not first')));
    await safely(out, 'filter', async () => filterVerdict(await q(d.vecs[5], { tag: 'rare' }), d, 'equality filter object'));
    await safely(out, 'delete', async () => {
      index.remove({ id: 1 });
      return (await q(d.vecs[1])).includes(1) ? no('still returned') : yes('remove(filter)');
    });
    await safely(out, 'upsert', async () => {
      index.update({ id: 0 }, { id: 0, tag: 'common', embedding: Array.from(d.fresh) });
      const r = await q(d.fresh);
      if (r[0] === 0 && r.filter((x) => x === 0).length === 1 && index.size() === N - 1) return yes('update(filter, object)');
      return no(`update(filter, object) replaced the record but also appended it again: size ${index.size()}, expected ${N - 1}`);
    });
    out.namespaces = none('no: one instance per tenant');
  },

  async pglite(ctx, d, out) {
    const { PGlite } = await ctx.load('pglite');
    const { vector } = await ctx.load('pglite-vector');
    const pg = await PGlite.create({ extensions: { vector } });
    const lit = (v) => `[${Array.from(v).join(',')}]`;
    await pg.exec(`CREATE EXTENSION vector; CREATE TABLE items (id int4 PRIMARY KEY, tag text, embedding vector(${DIM}));`);
    for (let s = 0; s < N; s += 500) {
      const p = [];
      const t = [];
      for (let i = s; i < s + 500; i++) {
        p.push(i, d.tag(i), lit(d.vecs[i]));
        t.push(`($${p.length - 2}, $${p.length - 1}, $${p.length})`);
      }
      await pg.query(`INSERT INTO items VALUES ${t.join(',')}`, p);
    }
    // enable_seqscan = off: on 2,000 rows the planner would scan the table exactly; at benchmark sizes it uses the index
    await pg.exec('CREATE INDEX ON items USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 100); ANALYZE items; SET enable_seqscan = off;');
    const q = async (v, where = '') => (await pg.query(`SELECT id FROM items ${where} ORDER BY embedding <=> $1 LIMIT 10`, [lit(v)])).rows.map((r) => r.id);
    await safely(out, 'metric', async () => ((await q(d.vecs[3]))[0] === 3 ? yes('cosine: self first') : no('cosine: self not first')));
    await safely(out, 'filter', async () => {
      const plain = filterVerdict(await q(d.vecs[5], "WHERE tag = 'rare'"), d, 'WHERE over the HNSW index scan, hnsw.ef_search = 40 (default)');
      if (plain.ok) return plain;
      await pg.exec("SET hnsw.iterative_scan = 'relaxed_order'");
      const it = filterVerdict(await q(d.vecs[5], "WHERE tag = 'rare'"), d, "hnsw.iterative_scan = 'relaxed_order'");
      await pg.exec("SET hnsw.iterative_scan = 'off'");
      return { ok: plain.ok, note: `${plain.note}; with ${it.ok ? 'iterative scan: 10/10' : it.note}` };
    });
    await safely(out, 'delete', async () => {
      await pg.query('DELETE FROM items WHERE id = 1');
      return (await q(d.vecs[1])).includes(1) ? no('still returned') : yes('DELETE');
    });
    await safely(out, 'upsert', async () => {
      await pg.query('INSERT INTO items VALUES (0, $1, $2) ON CONFLICT (id) DO UPDATE SET tag = EXCLUDED.tag, embedding = EXCLUDED.embedding', ['common', lit(d.fresh)]);
      const r = await q(d.fresh);
      const c = (await pg.query('SELECT count(*)::int AS c FROM items')).rows[0].c;
      return r[0] === 0 && r.filter((x) => x === 0).length === 1 && c === N - 1 ? yes('INSERT ... ON CONFLICT DO UPDATE') : no(`top ${r[0]}, count ${c}`);
    });
    await safely(out, 'namespaces', async () => {
      await pg.exec(`CREATE SCHEMA t1; CREATE SCHEMA t2; CREATE TABLE t1.items (id text, embedding vector(${DIM})); CREATE TABLE t2.items (id text, embedding vector(${DIM}));`);
      await pg.query("INSERT INTO t1.items VALUES ('a', $1)", [lit(d.vecs[9])]);
      await pg.query("INSERT INTO t2.items VALUES ('b', $1)", [lit(d.vecs[9])]);
      const r = (await pg.query('SELECT id FROM t1.items ORDER BY embedding <=> $1 LIMIT 10', [lit(d.vecs[9])])).rows;
      return r.length === 1 && r[0].id === 'a' ? yes('a schema or table per tenant (SQL), or a tenant column') : no(JSON.stringify(r));
    });
    await pg.close();
  },
};

const PROBE_OF = {
  'conifer-flat': null, // the namespace, filter, delete and upsert paths are the same engine; probed once as conifer-hnsw
  'conifer-hnsw': (ctx, d, out) => probes.conifer(ctx, d, out),
  'hnswlib-node': (ctx, d, out) => probes.hnswlib(ctx, d, out, false),
  'hnswlib-wasm': (ctx, d, out) => probes.hnswlib(ctx, d, out, true),
  edgevec: probes.edgevec,
  voy: probes.voy,
  orama: probes.orama,
  vectra: probes.vectra,
  'client-vector-search': probes.cvs,
  'pglite-pgvector': probes.pglite,
};

export async function probe(libId, ctx) {
  const f = PROBE_OF[libId];
  if (!f) return null;
  const out = {};
  try {
    await f(ctx, makeData(), out);
  } catch (e) {
    out.error = String(e?.message || e).slice(0, 300);
  }
  return out;
}
