// Shared helpers of the worker tests: a worker on workerd (through
// miniflare) on a free loopback port, credentials, and a small REST client.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWorker } from '../../worker/server.mjs';

export const ADMIN = 'admin-key-for-tests';
export const KEY1 = 'key-tenant1';
export const KEY2 = 'key-tenant2';
export const KEY3 = 'key-tenant3';
export const JWT_SECRET = 'a-test-secret-of-at-least-32-bytes!!';
export const JWT_ISSUER = 'https://issuer.test';
export const JWT_AUDIENCE = 'conifer-tests';

export const BASE_ENV = {
  CONIFER_ADMIN_KEY: ADMIN,
  CONIFER_API_KEYS: `${KEY1}=tenant1, ${KEY2}=tenant2,${KEY3}=tenant3`,
  CONIFER_JWT_ALG: 'HS256',
  CONIFER_JWT_SECRET: JWT_SECRET,
  CONIFER_JWT_ISSUER: JWT_ISSUER,
  CONIFER_JWT_AUDIENCE: JWT_AUDIENCE,
  CONIFER_PROJECT_NAME: 'test-project',
  CONIFER_METRICS_FLUSH_MS: '300',
};

export function tempDir(prefix = 'conifer-worker-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts a worker; returns a client bound to it (call `close()`). */
export async function start({ env = {}, persistDir = null } = {}) {
  const w = await startWorker({ port: 0, persistDir, env: { ...BASE_ENV, ...env } });
  return new Client(w);
}

export class Client {
  constructor(w) {
    this.w = w;
    this.origin = w.url.origin;
  }

  close() {
    return this.w.stop();
  }

  /**
   * `req(method, path, {body, key, headers, raw})` -> {status, json, text, headers}.
   * `key` defaults to the admin key; `key: null` sends no credential.
   */
  async req(method, p, { body, key = ADMIN, headers = {}, raw } = {}) {
    const h = { ...headers };
    if (key !== null && key !== undefined) h['Api-Key'] = key;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) h['Content-Type'] = 'application/json';
    const r = await fetch(this.origin + p, { method, headers: h, body: payload });
    const text = await r.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: r.status, json, text, headers: r.headers };
  }

  /** The catalog object (miniflare proxy), for white-box checks. */
  async catalog() {
    const ns = await this.w.mf.getDurableObjectNamespace('CATALOG');
    return ns.get(ns.idFromName('catalog'));
  }

  /** The object of (index, namespace), for white-box checks. */
  async namespaceObject(index, namespace) {
    const cfg = await (await this.catalog()).dataConfig(index);
    const ns = await this.w.mf.getDurableObjectNamespace('NAMESPACE');
    return ns.get(ns.idFromName(JSON.stringify([cfg.uid, namespace])));
  }

  async createIndex(name, extra = {}, opts = {}) {
    const body = {
      name,
      dimension: 8,
      metric: 'cosine',
      spec: { serverless: { cloud: 'aws', region: 'us-east-1' } },
      ...extra,
    };
    const r = await this.req('POST', '/indexes', { body, ...opts });
    if (r.status !== 201) throw new Error(`createIndex ${name}: ${r.status} ${r.text}`);
    return r.json;
  }

  upsert(index, namespace, vectors, key = ADMIN) {
    return this.req('POST', `/index/${index}/vectors/upsert`, { body: { namespace, vectors }, key });
  }

  query(index, body, key = ADMIN) {
    return this.req('POST', `/index/${index}/query`, { body, key });
  }

  stats(index, key = ADMIN, body = {}) {
    return this.req('POST', `/index/${index}/describe_index_stats`, { body, key });
  }
}

/** n copies of x. */
export const vec = (x, n = 8) => Array(n).fill(x);

/** Fixture S of pinecone-api.md §8 on `index`. */
export async function seedFixture(c, index, keys = { tenant1: ADMIN, tenant2: ADMIN }) {
  const t1 = await c.upsert(index, 'tenant1', ['A', 'B', 'C', 'D'].map((id, i) => ({ id, values: vec(0.1 * (i + 1)) })), keys.tenant1);
  const t2 = await c.upsert(index, 'tenant2', ['E', 'F', 'G', 'H'].map((id, i) => ({ id, values: vec(0.1 * (i + 5)) })), keys.tenant2);
  if (t1.status !== 200 || t2.status !== 200) throw new Error(`seed failed: ${t1.text} ${t2.text}`);
}

export function randomName(prefix = 'idx') {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Parses Prometheus text into Map(`name{labels}` -> number). */
export function parseProm(text) {
  const out = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
