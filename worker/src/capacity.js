// Pod capacity, as the engine computes it.

/**
 * Records per x1 pod from Table 1 of Pinecone's pod sizing guide, as the
 * engine computes it (`pod_capacity_per_pod` in src/config.rs; the worker
 * tests check both agree). The engine does not expose capacity, and each
 * Durable Object sees one namespace, so the worker needs it to report the
 * fullness of a whole pod index.
 */
export function podCapacity(podType, shards, dimension) {
  const m = /^(p1|s1|p2)\.x(1|2|4|8)$/.exec(String(podType || ''));
  if (!m) return null;
  const rows =
    m[1] === 's1'
      ? [[512, 8_000_000], [768, 5_000_000], [1024, 4_000_000]]
      : m[1] === 'p2'
        ? [[512, 1_250_000], [768, 1_100_000], [1024, 1_000_000]]
        : [[512, 1_250_000], [768, 1_000_000], [1024, 675_000]];
  const d = Math.max(1, dimension || 1);
  let perPod;
  if (d <= 512) perPod = rows[0][1] * Math.min(4, Math.max(1, Math.floor(512 / d)));
  else perPod = (rows.find(([rd]) => d <= rd) || [0, Math.floor((rows[2][1] * 1024) / d)])[1];
  return perPod * Number(m[2]) * (shards || 1);
}
