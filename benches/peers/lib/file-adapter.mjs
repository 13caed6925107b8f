// A file-backed Conifer storage adapter for Node (the `StorageAdapter`
// interface of conifer.d.ts): rows kept sorted in memory, every commit
// appended to a log file before it resolves, the log replayed on open.
// Writes are not fsync'd (neither are the peers' saves: fs.writeFile).
import { appendFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';

/** Tuple key order as in IndexedDB: element by element, numbers before strings, a prefix first. */
export function compareKeys(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return a.length - b.length;
}

const startsWith = (key, prefix) => key.length >= prefix.length && prefix.every((p, i) => key[i] === p);
const OPS = ['put', 'delete', 'deletePrefix'];

function encode(ops) {
  const parts = [];
  for (const op of ops) {
    const head = Buffer.from(JSON.stringify([OPS.indexOf(op.type), op.key, op.value ? op.value.byteLength : 0]));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(head.length);
    parts.push(len, head);
    if (op.value) parts.push(Buffer.from(op.value.buffer, op.value.byteOffset, op.value.byteLength));
  }
  return Buffer.concat(parts);
}

export async function fileAdapter(path, { fresh = false } = {}) {
  const rows = [];
  const find = (key) => {
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(rows[mid][0], key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const apply = (op) => {
    const i = find(op.key);
    const hit = i < rows.length && compareKeys(rows[i][0], op.key) === 0;
    if (op.type === 'put') {
      if (hit) rows[i][1] = op.value;
      else rows.splice(i, 0, [op.key, op.value]);
    } else if (op.type === 'delete') {
      if (hit) rows.splice(i, 1);
    } else {
      let j = i;
      while (j < rows.length && startsWith(rows[j][0], op.key)) j++;
      rows.splice(i, j - i);
    }
  };
  if (fresh) {
    await rm(path, { force: true });
    await writeFile(path, Buffer.alloc(0));
  } else if (existsSync(path)) {
    const buf = await readFile(path);
    let o = 0;
    while (o < buf.length) {
      const hl = buf.readUInt32LE(o);
      const [t, key, vl] = JSON.parse(buf.toString('utf8', o + 4, o + 4 + hl));
      o += 4 + hl;
      const value = vl ? new Uint8Array(buf.buffer, buf.byteOffset + o, vl).slice() : undefined;
      o += vl;
      apply({ type: OPS[t], key, value });
    }
  }
  return {
    async get(key) {
      const i = find(key);
      return i < rows.length && compareKeys(rows[i][0], key) === 0 ? rows[i][1].slice() : undefined;
    },
    async scan(prefix) {
      const out = [];
      for (let i = find(prefix); i < rows.length && startsWith(rows[i][0], prefix); i++) out.push([rows[i][0].slice(), rows[i][1].slice()]);
      return out;
    },
    async commit(ops) {
      for (const op of ops) if (!OPS.includes(op.type)) throw new Error(`bad op ${op.type}`);
      const copy = ops.map((op) => ({ type: op.type, key: op.key.slice(), value: op.value ? op.value.slice() : undefined }));
      await appendFile(path, encode(copy)); // durable (in the page cache) before the commit resolves
      for (const op of copy) apply(op);
    },
    async bytesOnDisk() {
      return (await stat(path)).size;
    },
  };
}
