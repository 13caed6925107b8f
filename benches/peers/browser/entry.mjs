// The Chromium side: bundled by run.mjs (esbuild) into one module that the
// static page loads. Libraries whose wasm is located with import.meta.url
// (Conifer, EdgeVec, hnswlib-wasm, PGlite) stay external and come from the
// page's import map, unbundled, exactly as published.
import { byId } from '../lib/adapters.mjs';
import { runLibrary } from '../lib/core.mjs';

async function voyModule() {
  const bg = await import('voy-search/voy_search_bg.js');
  const { instance } = await WebAssembly.instantiateStreaming(fetch('/node_modules/voy-search/voy_search_bg.wasm'), {
    './voy_search_bg.js': bg,
  });
  bg.__wbg_set_wasm(instance.exports);
  return bg;
}

const loaders = {
  conifer: () => import('/pkg/index.js'),
  'hnswlib-wasm': () => import('hnswlib-wasm/dist/hnswlib.js'),
  edgevec: () => import('edgevec'),
  voy: voyModule,
  orama: () => import('@orama/orama'),
  'orama-persistence': () => import('@orama/plugin-data-persistence'),
  'client-vector-search': () => import('client-vector-search'),
  pglite: () => import('@electric-sql/pglite'),
  'pglite-vector': () => import('@electric-sql/pglite/vector'),
};

// A tiny IndexedDB key-value store: where peers without a storage of their
// own put their saved bytes in a browser.
function idb() {
  let dbp;
  const open = () =>
    (dbp ??= new Promise((res, rej) => {
      const r = indexedDB.open('peers-bench-store', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('kv');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    }));
  const tx = async (mode, f) => {
    const db = await open();
    return new Promise((res, rej) => {
      const t = db.transaction('kv', mode, { durability: 'relaxed' });
      const req = f(t.objectStore('kv'));
      t.oncomplete = () => res(req?.result);
      t.onerror = () => rej(t.error);
      t.onabort = () => rej(t.error);
    });
  };
  // Chromium refuses IndexedDB values over ~133 MB: larger ones are stored in
  // 64 MB parts (one transaction), as an app would have to.
  const PART = 64 * 1024 * 1024;
  return {
    put: (k, v) =>
      tx('readwrite', (s) => {
        const len = typeof v === 'string' ? v.length : v.byteLength;
        if (len <= PART) return s.put(v, k);
        const parts = Math.ceil(len / PART);
        for (let i = 0; i < parts; i++) s.put(typeof v === 'string' ? v.slice(i * PART, (i + 1) * PART) : v.slice(i * PART, (i + 1) * PART), `${k}#${i}`); // slice: a view would clone its whole buffer
        return s.put({ parts, string: typeof v === 'string', len }, k);
      }),
    get: async (k) => {
      const head = await tx('readonly', (s) => s.get(k));
      if (!head || typeof head === 'string' || ArrayBuffer.isView(head) || head.parts === undefined) return head;
      const db = await open();
      const parts = await new Promise((res, rej) => {
        const t = db.transaction('kv', 'readonly');
        const st = t.objectStore('kv');
        const reqs = Array.from({ length: head.parts }, (_, i) => st.get(`${k}#${i}`));
        t.oncomplete = () => res(reqs.map((r) => r.result));
        t.onerror = () => rej(t.error);
      });
      if (head.string) return parts.join('');
      const out = new Uint8Array(head.len);
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.byteLength;
      }
      return out;
    },
  };
}

async function fetchArray(url, T) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status}`);
  return new T(await r.arrayBuffer());
}

window.runBench = async (libId, dataPath, opts) => {
  const meta = await (await fetch(`${dataPath}/meta.json`)).json();
  const data = {
    ...meta,
    base: await fetchArray(`${dataPath}/base.f32`, Float32Array),
    queries: await fetchArray(`${dataPath}/queries.f32`, Float32Array),
    gt: await fetchArray(`${dataPath}/gt.i32`, Int32Array),
  };
  const ctx = {
    runtime: 'browser',
    metric: meta.metric,
    m: opts.m,
    efC: opts.efC,
    load: (name) => loaders[name](),
    wasm: (name) => ({ edgevec: '/node_modules/edgevec/edgevec_bg.wasm' })[name],
    store: idb(),
    coniferStorageLabel: 'storage "indexeddb"',
    coniferStorage: async () => {
      const { Pinecone } = await loaders.conifer();
      // builds before the IndexedDB storage landed reject the option: report that instead
      try {
        const probe = new Pinecone({ storage: 'indexeddb' });
        await probe.listIndexes();
        await probe.close?.();
      } catch (e) {
        throw Object.assign(new Error(`storage "indexeddb" not available in this build: ${e.message}`), { unavailable: true });
      }
      return 'indexeddb';
    },
  };
  const res = await runLibrary(byId[libId], data, ctx, opts, {
    now: () => performance.now(),
    stage: (s) => console.log(`STAGE ${s}`),
    checkpoint: (label) => window.__checkpoint(label),
    partial: (r) => window.__partial(JSON.stringify({ ...r, crossOriginIsolated: globalThis.crossOriginIsolated })),
  });
  res.crossOriginIsolated = globalThis.crossOriginIsolated;
  return res;
};
window.benchReady = true;
