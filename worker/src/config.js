// Settings read from the worker's environment (vars and secrets). See
// worker/README.md for the full list.

/** Label `project_name` of the metrics. */
export function projectName(env) {
  return String(env.CONIFER_PROJECT_NAME || 'conifer');
}

/**
 * Record bytes one namespace (one Durable Object, in an isolate of at most
 * 128 MB) may hold. The engine's in-memory form takes roughly 1.5-2.5x the
 * record bytes (ids map, graph, slack), and loading reads every segment
 * once more, so the default leaves room for both.
 */
export const DEFAULT_MAX_NAMESPACE_BYTES = 32 * 1024 * 1024;

export function maxNamespaceBytes(env) {
  const n = Number(env.CONIFER_MAX_NAMESPACE_BYTES);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_MAX_NAMESPACE_BYTES;
}

/**
 * How long a namespace object gathers request metrics before sending the
 * delta to the catalog (scrapes are exact regardless: they add the
 * unflushed deltas of active objects).
 */
export function metricsFlushMs(env) {
  const n = Number(env.CONIFER_METRICS_FLUSH_MS);
  return Number.isFinite(n) && n >= 10 ? n : 5000;
}

/**
 * The largest collection this deployment makes or accepts, in bytes of its
 * portable form. A collection passes whole through one RPC (workerd limits
 * an RPC's serialized arguments or result to 32 MiB) and through the
 * catalog object (one isolate of at most 128 MB, where the engine checks
 * and re-encodes it), so 31 MiB is both the default and the most allowed.
 */
export const MAX_COLLECTION_BYTES = 31 * 1024 * 1024;

export function maxCollectionBytes(env) {
  const n = Number(env.CONIFER_MAX_COLLECTION_BYTES);
  return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_COLLECTION_BYTES) : MAX_COLLECTION_BYTES;
}
