// The engine's storage-adapter interface (get / scan / commit over tuple
// keys) on the SQLite storage of a Durable Object.
//
// Keys are arrays of strings and non-negative integers compared element by
// element, numbers before strings. They are encoded into byte strings whose
// memcmp order (SQLite's BLOB order) is that tuple order, and in which a
// tuple prefix is a byte prefix:
//   integer -> 0x01, 8 bytes big-endian
//   string  -> 0x02, its UTF-8 bytes with 0x00 written as 0x00 0xFF, then 0x00 0x00
// So no name can collide with or reach into another's keys (a NUL inside a
// name is escaped, and every part is self-delimiting).
//
// Values are split into chunks of at most CHUNK_BYTES (a row of Durable
// Object SQLite storage holds at most 2 MB). A commit runs inside
// `transactionSync`: all of its operations apply, or none.

export const CHUNK_BYTES = 1 << 20;

const TAG_INT = 0x01;
const TAG_STR = 0x02;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a tuple key into its order-preserving byte form. */
export function encodeKey(key) {
  if (!Array.isArray(key)) throw new TypeError('storage key must be an array');
  const out = [];
  for (const part of key) {
    if (typeof part === 'number') {
      if (!Number.isSafeInteger(part) || part < 0) throw new TypeError(`bad integer key part ${part}`);
      out.push(TAG_INT);
      let hi = Math.floor(part / 2 ** 32);
      let lo = part >>> 0;
      for (let s = 24; s >= 0; s -= 8) out.push((hi >>> s) & 0xff);
      for (let s = 24; s >= 0; s -= 8) out.push((lo >>> s) & 0xff);
    } else if (typeof part === 'string') {
      out.push(TAG_STR);
      for (const b of encoder.encode(part)) {
        out.push(b);
        if (b === 0) out.push(0xff);
      }
      out.push(0, 0);
    } else {
      throw new TypeError('storage key parts must be strings or integers');
    }
  }
  return Uint8Array.from(out);
}

/** Decodes bytes made by `encodeKey`. */
export function decodeKey(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const key = [];
  let i = 0;
  while (i < b.length) {
    const tag = b[i++];
    if (tag === TAG_INT) {
      if (i + 8 > b.length) throw new Error('truncated integer in storage key');
      let hi = 0;
      let lo = 0;
      for (let j = 0; j < 4; j++) hi = hi * 256 + b[i + j];
      for (let j = 4; j < 8; j++) lo = lo * 256 + b[i + j];
      key.push(hi * 2 ** 32 + lo);
      i += 8;
    } else if (tag === TAG_STR) {
      const s = [];
      for (;;) {
        if (i >= b.length) throw new Error('unterminated string in storage key');
        const c = b[i++];
        if (c !== 0) {
          s.push(c);
          continue;
        }
        const next = b[i++];
        if (next === 0xff) s.push(0);
        else if (next === 0) break;
        else throw new Error('bad escape in storage key');
      }
      key.push(decoder.decode(Uint8Array.from(s)));
    } else {
      throw new Error(`bad tag ${tag} in storage key`);
    }
  }
  return key;
}

/** The exclusive upper bound of every key that has `prefix` as a tuple prefix. */
function prefixEnd(prefix) {
  const end = new Uint8Array(prefix.length + 1);
  end.set(prefix);
  end[prefix.length] = 0xff; // every continuation starts with a tag < 0xff
  return end;
}

function toBuffer(u8) {
  // SQLite bindings take ArrayBuffers; copy so a view into wasm memory is not kept.
  return u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
}

function concat(chunks) {
  if (chunks.length === 1) return new Uint8Array(chunks[0]);
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(new Uint8Array(c), at);
    at += c.byteLength;
  }
  return out;
}

/** A storage adapter over `ctx.storage` of a SQLite-backed Durable Object. */
export class SqlAdapter {
  constructor(storage, { table = 'kv' } = {}) {
    this.storage = storage;
    this.sql = storage.sql;
    this.table = table;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS ${table} (k BLOB NOT NULL, i INTEGER NOT NULL, v BLOB NOT NULL, PRIMARY KEY (k, i)) WITHOUT ROWID`,
    );
  }

  async get(key) {
    const rows = this.sql.exec(`SELECT v FROM ${this.table} WHERE k = ? ORDER BY i`, toBuffer(encodeKey(key))).toArray();
    if (rows.length === 0) return undefined;
    return concat(rows.map((r) => r.v));
  }

  async scan(prefix) {
    const p = encodeKey(prefix);
    const cursor =
      p.length === 0
        ? this.sql.exec(`SELECT k, i, v FROM ${this.table} ORDER BY k, i`)
        : this.sql.exec(
            `SELECT k, i, v FROM ${this.table} WHERE k >= ? AND k < ? ORDER BY k, i`,
            toBuffer(p),
            toBuffer(prefixEnd(p)),
          );
    const out = [];
    let curKey = null;
    let curHex = null;
    let chunks = [];
    const flush = () => {
      if (curKey) out.push([decodeKey(curKey), concat(chunks)]);
    };
    for (const row of cursor) {
      const k = new Uint8Array(row.k);
      const hex = bytesKey(k);
      if (hex !== curHex) {
        flush();
        curKey = k;
        curHex = hex;
        chunks = [];
      }
      chunks.push(row.v);
    }
    flush();
    return out;
  }

  async commit(ops) {
    this.commitSync(ops);
  }

  /** Applies `ops` atomically (synchronously). */
  commitSync(ops) {
    const t = this.table;
    this.storage.transactionSync(() => {
      for (const op of ops) {
        const k = toBuffer(encodeKey(op.key));
        if (op.type === 'put') {
          this.sql.exec(`DELETE FROM ${t} WHERE k = ?`, k);
          const v = op.value instanceof Uint8Array ? op.value : new Uint8Array(op.value);
          if (v.byteLength === 0) {
            this.sql.exec(`INSERT INTO ${t} (k, i, v) VALUES (?, 0, ?)`, k, new ArrayBuffer(0));
          }
          for (let at = 0, i = 0; at < v.byteLength; at += CHUNK_BYTES, i++) {
            this.sql.exec(`INSERT INTO ${t} (k, i, v) VALUES (?, ?, ?)`, k, i, toBuffer(v.subarray(at, at + CHUNK_BYTES)));
          }
        } else if (op.type === 'delete') {
          this.sql.exec(`DELETE FROM ${t} WHERE k = ?`, k);
        } else if (op.type === 'deletePrefix') {
          const p = encodeKey(op.key);
          if (p.length === 0) this.sql.exec(`DELETE FROM ${t}`);
          else this.sql.exec(`DELETE FROM ${t} WHERE k >= ? AND k < ?`, toBuffer(p), toBuffer(prefixEnd(p)));
        } else {
          throw new Error(`unknown storage operation ${op.type}`);
        }
      }
    });
  }

  /** Removes every entry. */
  clear() {
    this.sql.exec(`DELETE FROM ${this.table}`);
  }

  /** The distinct first parts of the stored keys, sorted, for tests and diagnostics. */
  kinds() {
    const out = new Set();
    for (const row of this.sql.exec(`SELECT DISTINCT k FROM ${this.table}`)) out.add(String(decodeKey(new Uint8Array(row.k))[0]));
    return [...out].sort();
  }

  /** Number of stored rows (chunks), for tests and diagnostics. */
  rowCount() {
    return this.sql.exec(`SELECT count(*) AS n FROM ${this.table}`).one().n;
  }
}

function bytesKey(u8) {
  let s = '';
  for (const b of u8) s += String.fromCharCode(b);
  return s;
}
