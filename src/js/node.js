// Entry point for Node >= 18: reads the wasm file from disk.
import { readFile } from 'node:fs/promises';
import init from './wasm/conifer.js';
import { setLoader } from './api.js';

setLoader(async () => init({ module_or_path: await readFile(new URL('./wasm/conifer_bg.wasm', import.meta.url)) }));

export * from './api.js';
