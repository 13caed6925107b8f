// The wasm engine in workerd: the `.wasm` is imported as a compiled
// WebAssembly.Module (workerd forbids compiling wasm from bytes at run time)
// and instantiated once per isolate, when this module is first evaluated.
// Every Durable Object of the isolate opens its own `Engine` over it.

import wasmModule from '../../pkg/wasm/conifer_bg.wasm';
import { initSync, Engine, mergeCollections, splitCollection } from '../../pkg/wasm/conifer.js';

initSync({ module: wasmModule });

export { Engine, mergeCollections, splitCollection };

/** Opens an engine over a storage adapter (see storage.js). */
export function openEngine(adapter, memoryBudget, project) {
  return Engine.open('adapter', adapter, memoryBudget, project);
}

/** A throwaway engine that keeps nothing (free it after use). */
export function openScratchEngine() {
  return Engine.open('memory', null, 0, '');
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
