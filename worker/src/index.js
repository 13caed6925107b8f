// Conifer's edge deployment: Pinecone's REST API on a module worker.
//
// Request path: authenticate (auth.js) -> route -> for the control plane,
// the catalog object (catalog.js); for the data plane (`/index/<name>/...`),
// check the namespace against the caller's tenant, then the catalog routes
// it to the namespace's own object (namespace.js) or answers itself.
// Control-plane shapes of API 2026-04 and 2026-07 are both served
// (versions.js); the data plane is the same in both.

import { Authenticator, AuthError } from './auth.js';
import { catalogStub, namespaceStub } from './names.js';
import { Catalog, mapLimit } from './catalog.js';
import { NamespaceStore } from './namespace.js';
import { combine, renderPrometheus } from './metrics.js';
import { maxCollectionBytes } from './config.js';
import {
  requestVersion,
  V2026_07,
  TranslationError,
  createBodyFrom0726,
  configureBodyFrom0726,
  modelTo0726,
} from './versions.js';

export { Catalog, NamespaceStore };

/** Largest request body accepted (Pinecone's 2 MB request limit). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const TOO_LARGE = 'Your request is larger than the maximum supported size - 2MB. Please try to reduce your batch size.';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function respond(status, body, extra = {}) {
  if (body === '' || body === undefined || body === null) return new Response(null, { status, headers: extra });
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { ...JSON_HEADERS, ...extra },
  });
}

function dataError(status, grpc, message, extra) {
  return respond(status, { code: grpc, message, details: [] }, extra);
}

function controlError(status, code, message, extra) {
  return respond(status, { error: { code, message }, status }, extra);
}

function planeError(plane, status, message, extra) {
  const grpc = { 400: 3, 401: 16, 403: 7, 404: 5, 405: 12, 409: 6, 500: 13, 501: 12 }[status] ?? 2;
  const code =
    {
      400: 'INVALID_ARGUMENT',
      401: 'UNAUTHENTICATED',
      403: 'FORBIDDEN',
      404: 'NOT_FOUND',
      405: 'METHOD_NOT_ALLOWED',
      422: 'UNPROCESSABLE_ENTITY',
      500: 'INTERNAL',
      501: 'UNIMPLEMENTED',
    }[status] ?? 'UNKNOWN';
  return plane === 'data' ? dataError(status, grpc, message, extra) : controlError(status, code, message, extra);
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Bodies past the limit are still read (and dropped) up to this size, so
 * the client gets the 400 rather than a reset connection. */
const DRAIN_BYTES = 32 * 1024 * 1024;

/** Reads the body as text, refusing more than MAX_BODY_BYTES. */
async function readBody(request) {
  return new TextDecoder().decode(await readBytes(request, MAX_BODY_BYTES, TOO_LARGE));
}

/** Reads the body as bytes; more than `limit` bytes is a 400 with `tooLarge`. */
async function readBytes(request, limit, tooLarge) {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      if (total > Math.max(2 * limit, DRAIN_BYTES)) {
        await reader.cancel();
        break;
      }
      chunks.length = 0;
      continue;
    }
    chunks.push(value);
  }
  if (total > limit) throw new HttpError(400, tooLarge);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return all;
}

/** Parses a JSON object body; '' counts as {}. */
function parseObject(text) {
  if (text.trim() === '') return {};
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `Invalid request body: ${e.message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new HttpError(400, 'Invalid request body: expected a JSON object.');
  }
  return v;
}

/** The canonical namespace name: absent, "" and "__default__" are one namespace. */
function canonicalNamespace(ns) {
  if (ns === undefined || ns === null || ns === '__default__') return '';
  if (typeof ns !== 'string') throw new HttpError(400, 'Invalid request body: `namespace` must be a string.');
  return ns;
}

/** Decodes a percent-encoded path segment; malformed escapes are a 400. */
function decodeSegment(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `Malformed percent-encoding in the path: '${s.slice(0, 100)}'.`);
  }
}

function intParam(params, name) {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d{1,15}$/.test(v)) throw new HttpError(400, `\`${name}\` must be an integer, got '${v}'.`);
  return Number(v);
}

/** `scheme://authority` of this deployment as the client reached it. */
function publicBase(request, env) {
  if (env.CONIFER_PUBLIC_URL) return String(env.CONIFER_PUBLIC_URL).replace(/\/+$/, '');
  const url = new URL(request.url);
  const fproto = (request.headers.get('X-Forwarded-Proto') || '').split(',')[0].trim().toLowerCase();
  const fhost = (request.headers.get('X-Forwarded-Host') || '').split(',')[0].trim();
  const proto = fproto === 'http' || fproto === 'https' ? fproto : url.protocol.replace(':', '');
  const hostHeader = request.headers.get('Host') || '';
  const authority = [fhost, hostHeader, url.host].find((h) => /^[A-Za-z0-9.\-:[\]]+$/.test(h)) || url.host;
  return `${proto}://${authority}`;
}

let authenticator = null;
let authenticatorEnv = null;
function getAuthenticator(env) {
  if (!authenticator || authenticatorEnv !== env) {
    authenticator = new Authenticator(env);
    authenticatorEnv = env;
  }
  return authenticator;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const plane = url.pathname.startsWith('/index/') ? 'data' : 'control';
    try {
      let principal;
      try {
        principal = await getAuthenticator(env).authenticate(request);
      } catch (e) {
        if (e instanceof AuthError) return planeError(plane, 401, e.message);
        return planeError(plane, 500, e.message);
      }
      if (plane === 'data') return await dataPlane(request, env, url, principal);
      return await controlPlane(request, env, url, principal);
    } catch (e) {
      if (e instanceof HttpError) return planeError(plane, e.status, e.message);
      if (e instanceof TranslationError) return controlError(e.status, e.code, e.message);
      console.error(e && e.stack ? e.stack : e);
      return planeError(plane, 500, `Internal error: ${e && e.message ? e.message : e}`);
    }
  },
};

// ---- control plane ---------------------------------------------------------

function methodNotAllowed(plane, allowed) {
  return planeError(plane, 405, `Method not allowed; use ${allowed.join(' or ')}.`, { Allow: allowed.join(', ') });
}

function requireAdmin(principal) {
  if (!principal.admin) {
    throw new HttpError(403, 'This operation needs the admin credential; a tenant credential may only use its own namespace.');
  }
}

async function controlPlane(request, env, url, principal) {
  const path = url.pathname;
  const method = request.method;
  if (path === '/metrics') {
    if (method !== 'GET') return methodNotAllowed('control', ['GET']);
    requireAdmin(principal);
    return metrics(env);
  }
  if (path === '/indexes' || path === '/indexes/') {
    if (method === 'GET') {
      requireAdmin(principal);
      const version = requestVersion(request, null);
      const r = await catalogStub(env).control('list', { hostTemplate: hostTemplate(request, env) });
      if (r.status !== 200) return respond(r.status, r.body);
      const list = JSON.parse(r.body);
      if (version === V2026_07) list.indexes = list.indexes.map(modelTo0726);
      return respond(200, list);
    }
    if (method === 'POST') {
      requireAdmin(principal);
      const text = await readBody(request);
      const body = parseControlBody(text);
      const version = requestVersion(request, body);
      const wire = version === V2026_07 ? createBodyFrom0726(body) : body;
      const r = await catalogStub(env).control('create', { body: wire, hostTemplate: hostTemplate(request, env) });
      return modelResponse(r, version);
    }
    return methodNotAllowed('control', ['GET', 'POST']);
  }
  let m = /^\/indexes\/([^/]+)$/.exec(path);
  if (m) {
    const name = decodeSegment(m[1]);
    const version = requestVersion(request, null);
    const catalog = catalogStub(env);
    if (method === 'GET') {
      // Tenants may describe an index: SDKs resolve the data-plane host so.
      const r = await catalog.control('describe', { name, hostTemplate: hostTemplate(request, env) });
      return modelResponse(r, version);
    }
    if (method === 'PATCH') {
      requireAdmin(principal);
      const body = parseControlBody(await readBody(request));
      const wire = version === V2026_07 ? configureBodyFrom0726(body) : body;
      const r = await catalog.control('configure', { name, body: wire, hostTemplate: hostTemplate(request, env) });
      if (r.status === 202 && version === V2026_07) r.status = 200;
      return modelResponse(r, version);
    }
    if (method === 'DELETE') {
      requireAdmin(principal);
      const r = await catalog.control('delete', { name });
      return respond(r.status, r.body);
    }
    return methodNotAllowed('control', ['GET', 'PATCH', 'DELETE']);
  }
  if (path === '/collections' || path.startsWith('/collections/')) {
    requireAdmin(principal);
    return collections(request, env, path);
  }
  if (/^\/(backups|restore-jobs)(\/.*)?$/.test(path) || /^\/indexes\/[^/]+\/backups\/?$/.test(path)) {
    requireAdmin(principal);
    const what = path.split('/')[1] === 'indexes' ? 'backups' : path.split('/')[1];
    return controlError(501, 'UNIMPLEMENTED', `${what} are not available in this deployment yet.`);
  }
  return controlError(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
}

/**
 * Collections (admin only: a collection holds every namespace of an index):
 * Pinecone's `POST|GET /collections`, `GET|DELETE /collections/{name}`,
 * and Conifer's `GET /collections/{name}/export` (the portable bytes) and
 * `PUT /collections/{name}/import` (body: such bytes).
 */
async function collections(request, env, path) {
  const method = request.method;
  const catalog = catalogStub(env);
  if (path === '/collections' || path === '/collections/') {
    if (method === 'GET') {
      const r = await catalog.control('list_collections', {});
      return respond(r.status, r.body);
    }
    if (method === 'POST') {
      const body = parseControlBody(await readBody(request));
      const r = await catalog.control('create_collection', { body });
      return respond(r.status, r.body);
    }
    return methodNotAllowed('control', ['GET', 'POST']);
  }
  const m = /^\/collections\/([^/]+)(\/export|\/import)?$/.exec(path);
  if (!m) return controlError(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
  const name = decodeSegment(m[1]);
  if (m[2] === '/export') {
    if (method !== 'GET') return methodNotAllowed('control', ['GET']);
    const r = await catalog.control('export_collection', { name });
    if (r.status !== 200) return respond(r.status, r.body);
    return new Response(r.bytes, {
      status: 200,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${name}.cnfc"`,
      },
    });
  }
  if (m[2] === '/import') {
    if (method !== 'PUT') return methodNotAllowed('control', ['PUT']);
    const limit = maxCollectionBytes(env);
    const bytes = await readBytes(
      request,
      limit,
      `The collection is larger than this deployment's limit of ${limit} bytes per collection (CONIFER_MAX_COLLECTION_BYTES).`,
    );
    if (bytes.byteLength === 0) throw new HttpError(400, 'The request body must hold the collection bytes (from GET /collections/{name}/export).');
    const r = await catalog.control('import_collection', { name, bytes });
    return respond(r.status, r.body);
  }
  if (method === 'GET') {
    const r = await catalog.control('describe_collection', { name });
    return respond(r.status, r.body);
  }
  if (method === 'DELETE') {
    const r = await catalog.control('delete_collection', { name });
    return respond(r.status, r.body);
  }
  return methodNotAllowed('control', ['GET', 'DELETE']);
}

function hostTemplate(request, env) {
  return `${publicBase(request, env)}/index/{name}`;
}

function parseControlBody(text) {
  if (text.trim() === '') throw new HttpError(400, 'Request body must be a JSON object.');
  let v;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `Failed to parse the request body as JSON: ${e.message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new HttpError(422, 'Failed to deserialize the JSON body into the target type: expected a JSON object.');
  }
  return v;
}

function modelResponse(r, version) {
  if (r.status >= 300) return respond(r.status, r.body);
  const model = JSON.parse(r.body);
  return respond(r.status, version === V2026_07 ? modelTo0726(model) : model);
}

async function metrics(env) {
  const snap = await catalogStub(env).metricsSnapshot();
  const byUid = new Map(snap.indexes.map((i) => [i.uid, i]));
  const dirty = snap.dirty.filter(([uid]) => byUid.has(uid));
  const deltas = await mapLimit(dirty, 16, ([uid, ns]) => namespaceStub(env, uid, ns).metricsDelta());
  dirty.forEach(([uid], i) => {
    const idx = byUid.get(uid);
    idx.series = combine(idx.series, deltas[i]);
  });
  return new Response(renderPrometheus(snap.project, snap.indexes), {
    status: 200,
    headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' },
  });
}

// ---- data plane ------------------------------------------------------------

/** sub-path -> {method: op} */
const DATA_ROUTES = {
  '/vectors/upsert': { POST: 'upsert' },
  '/query': { POST: 'query' },
  '/vectors/fetch': { GET: 'fetch' },
  '/vectors/fetch_by_metadata': { POST: 'fetch_by_metadata' },
  '/vectors/update': { POST: 'update' },
  '/vectors/delete': { POST: 'delete', DELETE: 'delete' },
  '/vectors/list': { GET: 'list' },
  '/describe_index_stats': { POST: 'describe_index_stats', GET: 'describe_index_stats' },
  '/namespaces': { GET: 'list_namespaces', POST: 'create_namespace' },
};

async function dataPlane(request, env, url, principal) {
  const m = /^\/index\/([^/]+)(\/.*)?$/.exec(url.pathname);
  if (!m) return dataError(404, 5, `No route for ${request.method} ${url.pathname}.`);
  const index = decodeSegment(m[1]);
  const sub = m[2] || '/';
  const method = request.method;
  let op;
  let ns;
  let body;
  const nsPath = /^\/namespaces\/(.+)$/.exec(sub);
  if (nsPath) {
    op = { GET: 'describe_namespace', DELETE: 'delete_namespace' }[method];
    if (!op) return methodNotAllowed('data', ['GET', 'DELETE']);
    ns = canonicalNamespace(decodeSegment(nsPath[1]));
    body = '';
  } else {
    const route = DATA_ROUTES[sub];
    if (!route) return dataError(404, 5, `No route for ${method} ${sub} on index ${index}.`);
    op = route[method];
    if (!op) return methodNotAllowed('data', Object.keys(route));
    const params = url.searchParams;
    switch (op) {
      case 'fetch': {
        const b = { ids: params.getAll('ids') };
        if (params.has('namespace')) b.namespace = params.get('namespace');
        body = JSON.stringify(b);
        ns = canonicalNamespace(b.namespace);
        break;
      }
      case 'list': {
        const b = {};
        if (params.get('prefix')) b.prefix = params.get('prefix');
        const limit = intParam(params, 'limit');
        if (limit !== undefined) b.limit = limit;
        if (params.get('paginationToken')) b.paginationToken = params.get('paginationToken');
        if (params.has('namespace')) b.namespace = params.get('namespace');
        body = JSON.stringify(b);
        ns = canonicalNamespace(b.namespace);
        break;
      }
      case 'list_namespaces': {
        const b = {};
        if (params.get('prefix')) b.prefix = params.get('prefix');
        const limit = intParam(params, 'limit');
        if (limit !== undefined) b.limit = limit;
        if (params.get('paginationToken')) b.paginationToken = params.get('paginationToken');
        body = JSON.stringify(b);
        break;
      }
      case 'describe_index_stats': {
        const text = method === 'GET' ? '' : await readBody(request);
        parseObject(text);
        body = text.trim() === '' ? '{}' : text;
        break;
      }
      case 'delete': {
        const text = await readBody(request);
        if (method === 'DELETE' && text.trim() === '') {
          // The legacy form: DELETE /vectors/delete?ids=a&ids=b&namespace=ns&deleteAll=true
          const b = {};
          if (params.has('ids')) b.ids = params.getAll('ids');
          if (params.get('deleteAll') === 'true') b.deleteAll = true;
          if (params.has('namespace')) b.namespace = params.get('namespace');
          body = JSON.stringify(b);
          ns = canonicalNamespace(b.namespace);
        } else {
          const b = parseObject(text);
          body = text;
          ns = canonicalNamespace(b.namespace);
        }
        break;
      }
      case 'create_namespace': {
        const text = await readBody(request);
        const b = parseObject(text);
        if (typeof b.name !== 'string') throw new HttpError(400, 'Invalid request body: `name` must be a string.');
        body = text;
        ns = canonicalNamespace(b.name);
        break;
      }
      default: {
        const text = await readBody(request);
        const b = parseObject(text);
        body = text;
        ns = canonicalNamespace(b.namespace);
      }
    }
  }
  const tenant = principal.admin ? null : principal.tenant;
  if (tenant !== null && ns !== undefined && ns !== tenant) {
    // Refused before anything is read or written.
    return dataError(
      403,
      7,
      `This credential may only access namespace '${tenant}'; the request names namespace '${ns === '' ? '__default__' : ns}'.`,
    );
  }
  const catalog = catalogStub(env);
  let r;
  if (op === 'describe_index_stats') r = await catalog.stats(index, tenant, body);
  else if (op === 'list_namespaces') r = await catalog.listNamespaces(index, tenant, body);
  else {
    r = await catalog.route(index, ns, op);
    if (r.target) r = await namespaceStub(env, r.target.uid, ns).op(r.target, ns, op, body);
    else if (r.local) r = await catalog.answer(index, ns, op, body);
  }
  return respond(r.status, r.body);
}
