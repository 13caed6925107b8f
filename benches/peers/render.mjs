// Re-renders the peers section of docs/benchmarks.md and its chart from saved
// results, without measuring:
//   node benches/peers/render.mjs [bench-results/peers.json] [other-run.json]
// The other run (default: bench-results/peers.prev.json) feeds the run-to-run table.
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { render } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const main = process.argv[2] || join(root, 'bench-results', 'peers.json');
const other = process.argv[3] || main.replace(/\.json$/, '.prev.json');
const run = JSON.parse(readFileSync(main, 'utf8'));
const prev = existsSync(other) ? JSON.parse(readFileSync(other, 'utf8')) : null;
await render(run, prev, { root, here });
console.log(`rendered docs/benchmarks.md and docs/benchmarks-peers.png from ${main}${prev ? ` (run to run: ${other})` : ''}`);
