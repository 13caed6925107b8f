// Entry point for browsers (with or without a bundler) and other runtimes
// that can fetch a URL relative to this module.
import init from './wasm/conifer.js';
import { setLoader } from './api.js';

setLoader(() => init({ module_or_path: new URL('./wasm/conifer_bg.wasm', import.meta.url) }));

export * from './api.js';
