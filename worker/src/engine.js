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
