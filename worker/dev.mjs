#!/usr/bin/env node
// Runs Conifer's worker on workerd (through miniflare) at 127.0.0.1:$PORT
// (default 8787) with persistent local storage, until interrupted.
//
//   CONIFER_ADMIN_KEY=admin-secret CONIFER_API_KEYS='k1=tenant1,k2=tenant2' node worker/dev.mjs
//
// Every CONIFER_* setting of worker/README.md is read from the environment.
// CONIFER_STATE_DIR: storage directory (default .cache/worker-state).
// Without CONIFER_ADMIN_KEY a random admin key is made and printed.

import crypto from 'node:crypto';
import path from 'node:path';
import { startWorker, ENV_NAMES, repoRoot } from './server.mjs';

const port = Number(process.env.PORT || 8787);
const persistDir = process.env.CONIFER_STATE_DIR || path.join(repoRoot, '.cache', 'worker-state');
const env = {};
for (const k of ENV_NAMES) if (process.env[k] !== undefined) env[k] = process.env[k];
if (!env.CONIFER_ADMIN_KEY) {
  env.CONIFER_ADMIN_KEY = crypto.randomBytes(18).toString('base64url');
  console.log(`CONIFER_ADMIN_KEY was not set; admin key for this run: ${env.CONIFER_ADMIN_KEY}`);
}

const w = await startWorker({ port, persistDir, env, log: !!process.env.CONIFER_VERBOSE });
const shown = path.relative(process.cwd(), persistDir);
console.log(`conifer worker listening on ${w.url.origin} (state in ${shown.startsWith('..') ? persistDir : shown || '.'})`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await w.stop();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
