// Entry point for workerd / Cloudflare Workers: the runtime forbids compiling
// wasm from bytes, so the module is imported as a compiled WebAssembly.Module.
import wasmModule from './wasm/conifer_bg.wasm';
import { initSync } from './wasm/conifer.js';
import { setLoader } from './api.js';

setLoader(() => initSync({ module: wasmModule }));

export * from './api.js';
export { Engine } from './wasm/conifer.js';
