// www/serve.mjs: what it serves, with which types, and what it refuses.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from '../../www/serve.mjs';

/** A raw GET, so paths like /../ reach the server unnormalised. */
function rawGet(port, target) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (d) => (data += d.toString('latin1')));
    s.on('end', () => resolve(Number(data.split(' ')[1])));
    s.on('error', reject);
  });
}

test('serves the app and the package with the right types, and nothing outside them', async () => {
  const srv = await startServer({ port: 0 });
  try {
    const get = (p) => fetch(new URL(p, srv.url));
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.match(await page.text(), /conifer-db/);
    assert.match((await get('/app.js')).headers.get('content-type'), /^text\/javascript/);
    const wasm = await get('/pkg/wasm/conifer_bg.wasm');
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm', 'instantiateStreaming needs application/wasm');
    assert.deepEqual([...new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);
    assert.equal((await get('/pkg/index.js')).status, 200);
    assert.equal((await get('/nope.js')).status, 404);
    assert.equal((await fetch(new URL('/', srv.url), { method: 'POST' })).status, 405);
    const port = new URL(srv.url).port;
    for (const p of ['/../package.json', '/pkg/../../Makefile', '/%2e%2e/package.json', '/pkg/%2e%2e/%2e%2e/Cargo.toml', '/.gitignore', '/%00']) {
      assert.equal(await rawGet(port, p), 404, `${p} is refused`);
    }
  } finally {
    await srv.close();
  }
});
