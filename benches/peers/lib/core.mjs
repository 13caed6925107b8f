// The measurement loop for one library on one dataset, shared by the Node
// worker and the Chromium page: build (ingest + index construction), an
// efSearch sweep of single queries (recall@10, p50/p99), then save-and-reload
// where the library persists in this runtime.

export function percentile(xs, p) {
  if (!xs.length) return null;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

function recallAt(ids, gt, q, k) {
  const truth = gt.subarray(q * k, (q + 1) * k);
  let hit = 0;
  const seen = new Set();
  for (const id of ids) {
    if (seen.has(id)) continue; // a duplicate id counts once
    seen.add(id);
    if (truth.includes(id)) hit++;
  }
  return hit / k;
}

/**
 * hooks: { checkpoint(label) -> memory snapshot, stage(name), now() }
 * opts: { efs, topK, warmup, persist, reloadChecks }
 */
export async function runLibrary(adapter, data, ctx, opts, hooks) {
  const { dim, nBase: n, nQueries, topK } = data;
  const res = { id: adapter.id, runtime: ctx.runtime, status: 'ok', n, queries: nQueries };
  const mode = adapter.metricMode(data.metric, data.unitNorm);
  if (!mode) {
    res.status = 'unsupported';
    res.reason = `${data.metric}: ${adapter.metricNote || 'metric not supported'}`;
    return res;
  }
  res.metricMode = mode.mode;
  res.persistKind = adapter.persistKind || 'snapshot';
  if (mode.note) res.metricNote = mode.note;
  const now = hooks.now;
  let stage = 'load';
  const setStage = (s) => {
    stage = s;
    hooks.stage(s);
  };
  let inst;
  try {
    inst = adapter.make(ctx);
    res.mem = { before: await hooks.checkpoint('before') };
    setStage('build');
    let t = now();
    await inst.build({ base: data.base, n, dim });
    res.build_ms = now() - t;
    res.mem.after = await hooks.checkpoint('after-build');
    if (inst.info) res.info = inst.info;

    setStage('query');
    const efs = inst.setEf ? opts.efs : [null];
    const q = (i) => data.queries.subarray(i * dim, (i + 1) * dim);
    if (inst.setEf) await inst.setEf(efs[0]);
    for (let i = 0; i < Math.min(opts.warmup, nQueries); i++) await inst.query(q(i), topK);
    res.sweep = [];
    for (const ef of efs) {
      if (ef !== null) await inst.setEf(ef);
      const lat = new Float64Array(nQueries);
      let rec = 0;
      let short = 0;
      for (let i = 0; i < nQueries; i++) {
        t = now();
        const ids = await inst.query(q(i), topK);
        lat[i] = now() - t;
        if (ids.length < topK) short++;
        rec += recallAt(ids, data.gt, i, topK);
      }
      const mean = lat.reduce((a, b) => a + b, 0) / nQueries;
      res.sweep.push({ ef, recall: rec / nQueries, p50_ms: percentile(lat, 50), p99_ms: percentile(lat, 99), mean_ms: mean, short });
      hooks.stage(`query ef=${ef} recall=${(rec / nQueries).toFixed(3)} p50=${percentile(lat, 50).toFixed(3)}ms`);
      if (ef !== null && rec / nQueries >= opts.stopRecall) break; // the sweep is ascending: nothing more to learn
    }

    await hooks.partial?.(res); // a crash or a hang while saving keeps the figures above
    let canPersist = adapter.persist[ctx.runtime];
    if (canPersist === true && adapter.snapshotOptional && !opts.coniferSnapshot) canPersist = adapter.snapshotOptional;
    if (opts.persist && canPersist === true) {
      // the point the reload is checked at: the first ef reaching the target recall, else the last
      const at = res.sweep.find((p) => p.recall >= 0.95) ?? res.sweep[res.sweep.length - 1];
      if (at.ef !== null) await inst.setEf(at.ef);
      if (adapter.persistKind === 'reopen') {
        setStage('reopen');
        res.save_ms = null; // every write was durable before its upsert resolved (in build_ms)
        // Closing the client finishes its background work (Conifer: the compaction that
        // stores the graph the ingest built): part of the save.
        t = now();
        await inst.drop();
        res.close_ms = now() - t;
        t = now();
        await inst.reopen();
        await inst.query(q(0), topK);
        res.reload_ms = now() - t;
        // The first open after a bulk ingest may build what the ingest did not store
        // (Conifer: the graph, then a compaction stores it). Open once more.
        await inst.settle?.();
        setStage('reopen-2');
        t = now();
        await inst.drop();
        await inst.reopen();
        await inst.query(q(0), topK);
        res.reload2_ms = now() - t;
      } else {
        setStage('save');
        t = now();
        res.saved_bytes = await inst.save();
        res.save_ms = now() - t;
        setStage('reload');
        t = now();
        await inst.reload();
        if (inst.setEf && at.ef !== null) await inst.setEf(at.ef);
        await inst.query(q(0), topK); // reload ends when the first query has answered
        res.reload_ms = now() - t;
      }
      if (adapter.saveIsIngest) res.save_note = 'every update rewrites index.json: the save is inside the build time';
      setStage('reload-check');
      let rec = 0;
      const m = Math.min(opts.reloadChecks, nQueries);
      for (let i = 0; i < m; i++) rec += recallAt(await inst.query(q(i), topK), data.gt, i, topK);
      res.reload_recall = rec / m;
      res.reload_recall_at_ef = at.ef;
    } else {
      res.persist = canPersist === true ? 'skipped' : canPersist;
    }
    setStage('free');
    await inst.free();
  } catch (e) {
    res.status = e?.unavailable ? 'unavailable' : 'error';
    res.stage = stage;
    const text = e instanceof Error ? e.stack || String(e) : typeof e === 'object' ? JSON.stringify(e) : String(e);
    res.error = text.split('\n').slice(0, 3).join(' | ').slice(0, 600);
    try {
      await inst?.free?.();
    } catch {
      /* best effort */
    }
  }
  return res;
}
