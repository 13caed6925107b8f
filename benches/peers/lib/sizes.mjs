// What each library costs on disk / over the wire: the JavaScript an app
// ships (esbuild bundle of the entry points the adapter uses, minified) and
// the wasm / data files it fetches at run time, raw and gzipped.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const SPECS = (root, nm) => ({
  'conifer-db': {
    entry: `export { Pinecone } from ${JSON.stringify(join(root, 'pkg/index.js'))};`,
    files: [join(root, 'pkg/wasm/conifer_bg.wasm')],
  },
  'hnswlib-node': { node: true, files: [join(nm, 'hnswlib-node/build/Release/addon.node')], note: 'native addon (Node only)' },
  'hnswlib-wasm': { entry: "export { loadHnswlib } from 'hnswlib-wasm/dist/hnswlib.js';", files: [], note: 'wasm inlined as base64 in the JS' },
  edgevec: { entry: "export { default, EdgeVec, EdgeVecConfig } from 'edgevec';", files: [join(nm, 'edgevec/edgevec_bg.wasm')] },
  'voy-search': { entry: "export { Voy } from 'voy-search/voy_search_bg.js';", files: [join(nm, 'voy-search/voy_search_bg.wasm')] },
  '@orama/orama': { entry: "export { create, insertMultiple, search, save, load } from '@orama/orama';", files: [] },
  vectra: { node: true, entry: "export { LocalIndex } from 'vectra';", files: [], note: 'Node only' },
  'client-vector-search': {
    entry: "export { EmbeddingIndex } from 'client-vector-search';",
    files: [],
    external: ['@xenova/transformers'],
    note: 'without @xenova/transformers (loaded only to compute embeddings)',
  },
  '@electric-sql/pglite': {
    entry: "export { PGlite } from '@electric-sql/pglite'; export { vector } from '@electric-sql/pglite/vector';",
    files: ['pglite.wasm', 'pglite.data', 'initdb.wasm', 'vector.tar.gz'].map((f) => join(nm, '@electric-sql/pglite/dist', f)),
  },
});

export async function measureSizes(root, peersDir, pkgs) {
  const esbuild = await import('esbuild');
  const nm = join(peersDir, 'node_modules');
  const specs = SPECS(root, nm);
  const out = {};
  for (const pkg of pkgs) {
    const s = specs[pkg];
    if (!s) continue;
    const r = { note: s.note };
    try {
      if (s.entry) {
        const b = await esbuild.build({
          stdin: { contents: s.entry, resolveDir: peersDir, loader: 'js' },
          bundle: true,
          minify: true,
          format: 'esm',
          platform: s.node ? 'node' : 'browser',
          write: false,
          logLevel: 'silent',
          external: ['node:*', 'fs', 'path', 'url', 'module', 'crypto', 'stream', 'zlib', 'worker_threads', 'child_process', 'fs/promises', 'stream/promises', 'os', 'util', 'buffer', ...(s.external || [])],
        });
        const js = b.outputFiles[0].contents;
        r.js = js.length;
        r.js_gz = gzipSync(js).length;
      }
      r.wasm = 0;
      r.wasm_gz = 0;
      for (const f of s.files) {
        r.wasm += statSync(f).size;
        r.wasm_gz += gzipSync(readFileSync(f)).length;
      }
      r.total = (r.js || 0) + r.wasm;
      r.total_gz = (r.js_gz || 0) + r.wasm_gz;
    } catch (e) {
      r.error = String(e.message || e).slice(0, 200);
    }
    out[pkg] = r;
  }
  return out;
}
