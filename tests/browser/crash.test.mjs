// Crash test: the renderer is killed (CDP Page.crash) at random moments
// while several concurrent writers upsert and delete; after each kill a new
// page reopens the database and checks that every acknowledged write is
// there. At least 50 kills per run; zero lost acknowledged writes and zero
// failed opens are required.
//
// The page reports each operation to Node *before* issuing it (and waits
// for Node to have it) and again after its promise resolves, so Node knows
// for every id its last acknowledged state and at most one operation whose
// outcome is unknown (issued, not acknowledged when the renderer died).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, harness } from './harness.mjs';

const KILLS = Number(process.env.CONIFER_CRASH_KILLS ?? 50);
const WRITERS = 6; // concurrent writer loops, 2 per namespace
const POOL = 40; // ids per writer
const DIM = 16;
const debug = process.env.CONIFER_DEBUG ? (...a) => console.log(...a) : () => {};

/**
 * SIGKILLs every renderer process of our Chromium (the pids come from its
 * own CDP SystemInfo.getProcessInfo): the page dies at once, as in a crash,
 * while the browser and its storage service live on. (CDP Page.crash left
 * this Chromium unable to open the next tab.)
 */
async function killRenderers(context) {
  const s = await context.browser().newBrowserCDPSession();
  const { processInfo } = await s.send('SystemInfo.getProcessInfo');
  await s.detach().catch(() => {});
  let n = 0;
  for (const p of processInfo) {
    if (p.type !== 'renderer') continue;
    try {
      process.kill(p.id, 'SIGKILL');
      n++;
    } catch {
      // Already gone.
    }
  }
  return n;
}

// Seeded PRNG so a failure can be replayed (CONIFER_CRASH_SEED).
const seed0 = Number(process.env.CONIFER_CRASH_SEED ?? Date.now() % 1e9);
let rs = seed0 >>> 0 || 1;
const rand = () => ((rs = (rs * 1664525 + 1013904223) >>> 0) / 4294967296);

test(`renderer killed ${KILLS} times during writes: nothing acknowledged is lost`, { timeout: 300_000 }, async () => {
  const server = await serve();
  const browser = await launch();
  // Node's model: id -> { acked: version | null (deleted/absent), pending: version | null | undefined }
  const model = new Map();
  const writerNsOf = (id) => `ns${Number(id.slice(1, id.indexOf('-'))) % 3}`;
  let acks = 0;
  let opens = 0;
  let failedOpens = 0;
  try {
    for (let kill = 0; kill <= KILLS; kill++) {
      debug('cycle', kill, 'open page');
      const page = await harness(browser.context, server.origin);
      debug('cycle', kill, 'page ready');
      await page.exposeFunction('report', (e) => {
        for (const id of e.ids) {
          const m = model.get(id) ?? { acked: null };
          if (e.t === 'issue') m.pending = e.op === 'upsert' ? e.ver : null;
          else {
            m.acked = m.pending;
            m.pending = undefined;
            acks++;
          }
          model.set(id, m);
        }
      });
      // Reopen and read everything back.
      const state = await page.evaluate(async ({ WRITERS, POOL, DIM }) => {
        const t0 = performance.now();
        const r = await settle(async () => {
          const pc = await openIndex('crash', 'c', DIM);
          const idx = pc.index('c');
          const out = {};
          for (let w = 0; w < WRITERS; w++) {
            const ids = Array.from({ length: POOL }, (_, i) => `w${w}-${i}`);
            const f = await idx.namespace(`ns${w % 3}`).fetch(ids);
            for (const id of ids) out[id] = f.records[id] ? f.records[id].values[0] : null;
          }
          return out;
        });
        return { ...r, openMs: performance.now() - t0 };
      }, { WRITERS, POOL, DIM });
      opens++;
      debug('cycle', kill, 'opened in', state.openMs?.toFixed(1), 'ms');
      if (!state.ok) {
        failedOpens++;
        assert.fail(`open ${opens} failed: ${state.name}: ${state.message}`);
      }
      for (const [id, m] of model) {
        const got = state.value[id] ?? null;
        const okValues = [m.acked];
        if (m.pending !== undefined) okValues.push(m.pending);
        if (!okValues.includes(got) && process.env.CONIFER_DEBUG) {
          const dump = await page.evaluate(async (ns) => {
            const raw = await rawIdb('conifer-db:crash');
            const get = (store, q) => new Promise((res) => { const r = raw.transaction(store).objectStore(store)[q.m](q.a); r.onsuccess = () => res(r.result); });
            const man = await get('kv', { m: 'get', a: ['manifest', 'c', ns] });
            const segKeys = await get('kv', { m: 'getAllKeys', a: IDBKeyRange.bound(['seg', 'c', ns], ['seg', 'c', ns, []]) });
            const log = await get('log', { m: 'getAll', a: null });
            const logKeys = await get('log', { m: 'getAllKeys', a: null });
            const txt = new TextDecoder().decode(new Uint8Array(man).slice(10, -4));
            return { man: txt, segs: segKeys.map((k) => k[3]), log: log.slice(-40).map((e, i) => [logKeys[logKeys.length - 40 + i], e.w.slice(0, 4), e.k.filter((k) => k[2] === ns).map((k) => k[0]).join('+')]) };
          }, writerNsOf(id));
          console.log(JSON.stringify(dump, null, 0));
        }
        assert.ok(
          okValues.includes(got),
          `after kill ${kill} (seed ${seed0}): ${id} is ${got}, acknowledged ${m.acked}, in flight ${m.pending}`,
        );
        // The unknown outcome is now known.
        m.acked = got;
        m.pending = undefined;
      }
      if (kill === KILLS) {
        await page.close();
        break;
      }
      // Start the writers, then kill the renderer at a random moment.
      // Versions are stored as float32 vector values: keep them < 2^24.
      const versionBase = (kill + 1) * 100_000;
      page.evaluate(async ({ WRITERS, POOL, DIM, versionBase, s }) => {
        const pc = new C.Pinecone({ name: 'crash' });
        const idx = pc.index('c');
        let x = s;
        const r = () => ((x = (x * 1664525 + 1013904223) >>> 0) / 4294967296);
        const writer = async (w) => {
          const ns = idx.namespace(`ns${w % 3}`);
          for (let n = 0; ; n++) {
            const k = 1 + Math.floor(r() * 8);
            const start = Math.floor(r() * POOL);
            const ids = [...new Set(Array.from({ length: k }, (_, j) => `w${w}-${(start + j * 7) % POOL}`))];
            const ver = versionBase + w * 10_000 + (n % 10_000);
            if (r() < 0.75) {
              await window.report({ t: 'issue', op: 'upsert', ids, ver });
              await ns.upsert(ids.map((id) => ({ id, values: [ver, ...vec(ver, DIM - 1)] })));
            } else {
              await window.report({ t: 'issue', op: 'delete', ids });
              await ns.deleteMany(ids);
            }
            await window.report({ t: 'ack', ids });
          }
        };
        await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      }, { WRITERS, POOL, DIM, versionBase, s: Math.floor(rand() * 1e9) }).catch(() => {});
      await new Promise((r) => setTimeout(r, 30 + rand() * 400));
      debug('cycle', kill, 'crash');
      const killed = await killRenderers(browser.context);
      assert.ok(killed > 0, 'no renderer process found to kill');
      debug('cycle', kill, 'killed', killed, 'renderer(s)');
      await page.close().catch(() => {});
      debug('cycle', kill, 'closed');
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`crash test (seed ${seed0}): ${KILLS} kills, ${opens} opens, ${failedOpens} failed opens, ${acks} acknowledged writes checked`);
  assert.equal(failedOpens, 0);
  assert.ok(acks > KILLS * 5, `too few acknowledged writes (${acks}) for the test to mean anything`);
});
