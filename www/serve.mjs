#!/usr/bin/env node
// A small static server for the demo: `/` serves www/, `/pkg/` serves the
// built package (pkg/). Listens on 127.0.0.1:$PORT (default 8080; when PORT
// is not set and 8080 is taken, the next free port up to 8099).
//
//   node www/serve.mjs            the demo, until Ctrl-C
//   node www/serve.mjs --worker   also the edge worker (worker/dev.mjs), when present
//
// CONIFER_PKG_DIR serves another build of the package at /pkg/ (e.g. to try
// the demo on a branch's build). Also a module: `startServer({ port: 0 })`
// resolves to `{ url, close }` (tests).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const wwwDir = path.dirname(self);
const repoRoot = path.resolve(wwwDir, '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.bin': 'application/octet-stream',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Maps a URL path to a file under one of the roots, or null (outside them, or a dotfile). */
function resolveFile(urlPath, roots) {
  let p;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0')) return null;
  for (const [prefix, dir] of roots) {
    if (!p.startsWith(prefix)) continue;
    const rel = p.slice(prefix.length);
    const file = path.resolve(dir, '.' + path.posix.normalize('/' + rel));
    if (file !== dir && !file.startsWith(dir + path.sep)) return null;
    if (path.relative(dir, file).split(path.sep).some((s) => s.startsWith('.'))) return null;
    return file;
  }
  return null;
}

/**
 * Starts the server. `roots` maps URL prefixes to directories (longest
 * prefix first); the default is the demo's: `/pkg/` -> pkg/, `/` -> www/.
 */
export function startServer({
  port = 8080,
  host = '127.0.0.1',
  roots = [
    ['/pkg/', path.resolve(process.env.CONIFER_PKG_DIR || path.join(repoRoot, 'pkg'))],
    ['/', wwwDir],
  ],
} = {}) {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const url = new URL(req.url, 'http://localhost');
    let file = resolveFile(url.pathname, roots);
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { location: url.pathname + '/' + url.search }).end();
        return;
      }
      file = path.join(file, 'index.html');
    }
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${url.pathname}\n`);
      return;
    }
    const { size } = fs.statSync(file);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { port: actual } = server.address();
      resolve({
        server,
        url: `http://${host}:${actual}/`,
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function main() {
  const missing = ['pkg/index.js', 'pkg/wasm/conifer_bg.wasm', 'www/data/mnist-digits.bin'].filter(
    (f) => !fs.existsSync(path.join(repoRoot, f)),
  );
  if (missing.length) {
    console.error(`missing ${missing.join(', ')}: run \`make demo\` (or make pkg and node www/build-data.mjs)`);
    process.exit(1);
  }
  const fixed = process.env.PORT !== undefined;
  const first = fixed ? Number(process.env.PORT) : 8080;
  let srv;
  for (let port = first; ; port++) {
    try {
      srv = await startServer({ port });
      break;
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || fixed || port >= 8099) {
        console.error(`cannot listen on 127.0.0.1:${port}: ${e.message}${e.code === 'EADDRINUSE' ? ' (set PORT to a free port)' : ''}`);
        process.exit(1);
      }
    }
  }

  const children = [];
  if (process.argv.includes('--worker')) {
    // Hook for the edge worker: started beside the demo once worker/dev.mjs exists.
    const dev = path.join(repoRoot, 'worker', 'dev.mjs');
    if (fs.existsSync(dev)) {
      const child = spawn(process.execPath, [dev], { stdio: 'inherit', env: process.env });
      child.on('exit', (code) => code && console.error(`edge worker exited with code ${code}`));
      children.push(child);
    } else {
      console.log('edge worker: worker/dev.mjs is not in this checkout yet; serving the demo only');
    }
  }

  console.log(`\nConifer demo: ${srv.url}   (serving www/ and pkg/; Ctrl-C to stop)\n`);
  const stop = async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await srv.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === self) await main();
