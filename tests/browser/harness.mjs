// Shared pieces of the Playwright browser tests and the IndexedDB
// benchmark: a static server on 127.0.0.1 for pkg/ and the harness pages,
// and headless Chromium (Debian's /usr/bin/chromium) with a fresh
// user-data-dir per run.

import http from 'node:http';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.wasm': 'application/wasm', '.json': 'application/json' };
const SERVED = ['/pkg/', '/tests/browser/pages/'];

/** Serves pkg/ and tests/browser/pages/ on 127.0.0.1 (a random port). */
export async function serve() {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = decodeURIComponent(url.pathname);
    if (!SERVED.some((s) => p.startsWith(s)) || p.includes('..')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(path.join(root, p));
      res.writeHead(200, { 'content-type': TYPES[path.extname(p)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      }),
  };
}

// The flags of webdriver.json (without --headless=new: Playwright sets headless).
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Headless Chromium with a fresh profile; `close()` removes the profile. */
export async function launch() {
  const dir = await mkdtemp(path.join(tmpdir(), 'conifer-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
  return {
    context,
    dir,
    async close() {
      await context.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Opens the harness page and waits for the package to load. */
export async function harness(context, origin) {
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${origin}/tests/browser/pages/harness.html`);
  await page.waitForFunction(() => window.harnessReady === true);
  return page;
}
