// Who is calling: the tenant comes from the verified credential, never from
// the request.
//
// - `Api-Key: <key>`: the admin key (`CONIFER_ADMIN_KEY`) or a tenant key
//   from `CONIFER_API_KEYS` ("key=tenant,key2=tenant2").
// - `Authorization: Bearer <JWT>`: verified with `jose`, with the algorithm,
//   issuer and audience pinned (`CONIFER_JWT_ALG`, `CONIFER_JWT_ISSUER`,
//   `CONIFER_JWT_AUDIENCE`) and the key from `CONIFER_JWT_SECRET` (HS*) or
//   `CONIFER_JWT_PUBLIC_KEY` (PEM SPKI or a JWK, for RS*/PS*/ES*/EdDSA);
//   the tenant is the claim named by `CONIFER_JWT_TENANT_CLAIM` ("tenant").
//   A JWT is always a tenant credential.
// When a Bearer token is present it alone decides (an Api-Key beside it is
// ignored), so a rejected token never falls back to another credential.

import { jwtVerify, importSPKI, importJWK } from 'jose';

export class AuthError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AuthError';
  }
}

const MAX_TENANT_CHARS = 512;

/** Checks a tenant name is a usable namespace (not the default one). */
export function validTenant(t) {
  return (
    typeof t === 'string' &&
    t.length > 0 &&
    [...t].length <= MAX_TENANT_CHARS &&
    !t.includes('\0') &&
    t !== '__default__'
  );
}

/** Parses `key=tenant,key2=tenant2` (whitespace around items is ignored). */
export function parseApiKeys(text) {
  const keys = new Map();
  for (const item of String(text || '').split(',')) {
    const s = item.trim();
    if (!s) continue;
    const eq = s.indexOf('=');
    if (eq <= 0 || eq === s.length - 1) throw new Error('CONIFER_API_KEYS: an item is not a key=tenant pair');
    const key = s.slice(0, eq).trim();
    const tenant = s.slice(eq + 1).trim();
    if (!validTenant(tenant)) throw new Error(`CONIFER_API_KEYS: tenant '${tenant}' is not a valid namespace name`);
    if (keys.has(key)) throw new Error('CONIFER_API_KEYS: a key is listed twice');
    keys.set(key, tenant);
  }
  return keys;
}

const encoder = new TextEncoder();

async function digest(s) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(s)));
}

function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

const HMAC_ALGS = new Set(['HS256', 'HS384', 'HS512']);
const ASYMMETRIC_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/**
 * Builds the authenticator from the worker's environment. Configuration
 * errors are kept and reported on use (every request then gets a 500
 * naming the setting), so a typo never silently opens access.
 */
export class Authenticator {
  constructor(env) {
    this.configError = null;
    this.adminDigest = null;
    this.keyDigests = []; // [digest, tenant]
    this.jwt = null;
    this.ready = this.init(env).catch((e) => {
      // Only the setting's name reaches clients; the detail goes to the log.
      this.configError = (/^CONIFER_[A-Z_]+/.exec(e.message) || ['the CONIFER_* settings'])[0];
      console.error(`Worker configuration error: ${e.message}`);
    });
  }

  async init(env) {
    if (env.CONIFER_ADMIN_KEY) this.adminDigest = await digest(String(env.CONIFER_ADMIN_KEY));
    for (const [key, tenant] of parseApiKeys(env.CONIFER_API_KEYS)) {
      if (env.CONIFER_ADMIN_KEY && key === String(env.CONIFER_ADMIN_KEY)) {
        throw new Error('CONIFER_API_KEYS: a tenant key equals the admin key');
      }
      this.keyDigests.push([await digest(key), tenant]);
    }
    const alg = env.CONIFER_JWT_ALG;
    const anyJwt =
      alg || env.CONIFER_JWT_SECRET || env.CONIFER_JWT_PUBLIC_KEY || env.CONIFER_JWT_ISSUER || env.CONIFER_JWT_AUDIENCE;
    if (!anyJwt) return;
    if (!alg) throw new Error('CONIFER_JWT_ALG must name the one accepted algorithm (e.g. HS256, RS256, ES256, EdDSA)');
    if (!env.CONIFER_JWT_ISSUER) throw new Error('CONIFER_JWT_ISSUER must be set: the issuer is pinned');
    if (!env.CONIFER_JWT_AUDIENCE) throw new Error('CONIFER_JWT_AUDIENCE must be set: the audience is pinned');
    let key;
    if (HMAC_ALGS.has(alg)) {
      if (!env.CONIFER_JWT_SECRET) throw new Error(`CONIFER_JWT_SECRET must be set for ${alg}`);
      if (encoder.encode(String(env.CONIFER_JWT_SECRET)).length < 32) {
        throw new Error('CONIFER_JWT_SECRET must be at least 32 bytes');
      }
      key = encoder.encode(String(env.CONIFER_JWT_SECRET));
    } else if (ASYMMETRIC_ALGS.has(alg)) {
      const pub = String(env.CONIFER_JWT_PUBLIC_KEY || '').trim();
      if (!pub) throw new Error(`CONIFER_JWT_PUBLIC_KEY must be set for ${alg}`);
      key = pub.startsWith('{') ? await importJWK(JSON.parse(pub), alg) : await importSPKI(pub, alg);
    } else {
      throw new Error(`CONIFER_JWT_ALG '${alg}' is not supported`);
    }
    const tolerance = Number(env.CONIFER_JWT_CLOCK_TOLERANCE || 0);
    this.jwt = {
      key,
      options: {
        algorithms: [alg],
        issuer: String(env.CONIFER_JWT_ISSUER),
        audience: String(env.CONIFER_JWT_AUDIENCE),
        clockTolerance: Number.isFinite(tolerance) && tolerance >= 0 ? tolerance : 0,
        requiredClaims: ['exp'],
      },
      claim: env.CONIFER_JWT_TENANT_CLAIM || 'tenant',
    };
  }

  /**
   * Returns `{admin: true}` or `{admin: false, tenant}`; throws AuthError
   * (401) for a missing or rejected credential, Error for a configuration
   * error.
   */
  async authenticate(request) {
    await this.ready;
    if (this.configError) throw new Error(`Worker configuration error in ${this.configError}; see the worker log.`);
    const authz = request.headers.get('Authorization');
    if (authz !== null) {
      const m = /^Bearer[ \t]+(\S+)\s*$/i.exec(authz);
      if (!m) throw new AuthError('The Authorization header must be `Bearer <JWT>`.');
      if (!this.jwt) throw new AuthError('Bearer tokens are not accepted by this deployment.');
      let payload;
      try {
        ({ payload } = await jwtVerify(m[1], this.jwt.key, this.jwt.options));
      } catch (e) {
        throw new AuthError(`The bearer token was rejected: ${e.code || e.name}.`);
      }
      const tenant = payload[this.jwt.claim];
      if (!validTenant(tenant)) {
        throw new AuthError(`The bearer token has no valid \`${this.jwt.claim}\` claim.`);
      }
      return { admin: false, tenant, via: 'jwt' };
    }
    const apiKey = request.headers.get('Api-Key');
    if (apiKey === null || apiKey === '') throw new AuthError('No API key was provided: send the `Api-Key` header.');
    const d = await digest(apiKey);
    let found = null;
    let admin = false;
    // Compare against every key so the time taken does not depend on which one matched.
    if (this.adminDigest && equalBytes(d, this.adminDigest)) admin = true;
    for (const [kd, tenant] of this.keyDigests) if (equalBytes(d, kd)) found = tenant;
    if (admin) return { admin: true, tenant: null, via: 'api-key' };
    if (found !== null) return { admin: false, tenant: found, via: 'api-key' };
    throw new AuthError('Invalid API Key');
  }
}
