// The wasm engine in workerd: the `.wasm` is imported as a compiled
// WebAssembly.Module (workerd forbids compiling wasm from bytes at run time)
// and instantiated once per isolate, when this module is first evaluated.
// Every Durable Object of the isolate opens its own `Engine` over it.

import wasmModule from '../../pkg/wasm/conifer_bg.wasm';
import { initSync, Engine } from '../../pkg/wasm/conifer.js';

initSync({ module: wasmModule });

export { Engine };

/** Opens an engine over a storage adapter (see storage.js). */
export function openEngine(adapter, memoryBudget, project) {
  return Engine.open('adapter', adapter, memoryBudget, project);
}

/**
 * Turns an error thrown by the engine into `{status, body}` in the wire
 * format of the given plane: data plane `{"code":<grpc>,"message","details":[]}`,
 * control plane `{"error":{"code","message"},"status"}`.
 */
export function engineErrorResponse(e, plane) {
  if (e && typeof e.status === 'number' && e.conifer === true) {
    return plane === 'data'
      ? dataErrorBody(e.status, e.grpcCode, e.message)
      : controlErrorBody(e.status, e.code, e.message);
  }
  const message = `Internal error: ${e && e.message ? e.message : String(e)}`;
  return plane === 'data' ? dataErrorBody(500, 13, message) : controlErrorBody(500, 'INTERNAL', message);
}

export function dataErrorBody(status, grpc, message) {
  return { status, body: JSON.stringify({ code: grpc, message, details: [] }) };
}

export function controlErrorBody(status, code, message) {
  return { status, body: JSON.stringify({ error: { code, message }, status }) };
}

/**
 * Reads the JSON payload of an engine blob (4-byte kind, u16 version, u32
 * little-endian length, payload, CRC): the namespace manifest
 * `{count, bytes, ...}` that the engine writes with every change.
 * Returns null when the bytes do not look like a blob of `kind`.
 */
export function blobJson(bytes, kind) {
  if (!(bytes instanceof Uint8Array) || bytes.length < 14) return null;
  for (let i = 0; i < 4; i++) if (bytes[i] !== kind.charCodeAt(i)) return null;
  const len = bytes[6] | (bytes[7] << 8) | (bytes[8] << 16) | (bytes[9] * 2 ** 24);
  if (10 + len + 4 > bytes.length) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes.subarray(10, 10 + len)));
  } catch {
    return null;
  }
}

/**
 * Records per x1 pod from Table 1 of Pinecone's pod sizing guide, as the
 * engine computes it (`pod_capacity_per_pod` in src/config.rs; the worker
 * tests check both agree). The engine does not expose capacity, and each
 * Durable Object sees one namespace, so the worker needs it to report the
 * fullness of a whole pod index.
 */
export function podCapacity(podType, shards, dimension) {
  const m = /^(p1|s1|p2)\.x(1|2|4|8)$/.exec(String(podType || ''));
  if (!m) return null;
  const rows =
    m[1] === 's1'
      ? [[512, 8_000_000], [768, 5_000_000], [1024, 4_000_000]]
      : m[1] === 'p2'
        ? [[512, 1_250_000], [768, 1_100_000], [1024, 1_000_000]]
        : [[512, 1_250_000], [768, 1_000_000], [1024, 675_000]];
  const d = Math.max(1, dimension || 1);
  let perPod;
  if (d <= 512) perPod = rows[0][1] * Math.min(4, Math.max(1, Math.floor(512 / d)));
  else perPod = (rows.find(([rd]) => d <= rd) || [0, Math.floor((rows[2][1] * 1024) / d)])[1];
  return perPod * Number(m[2]) * (shards || 1);
}
