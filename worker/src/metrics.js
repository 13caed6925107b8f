// Request metrics across Durable Objects.
//
// Every engine (one per namespace object, plus the catalog's) counts the
// requests it runs: per index and request type, a count, an error count and
// a latency histogram (`metricsJson()`). An engine's counters live as long
// as the engine, and a Durable Object is evicted when idle, so each object
// sends the catalog the *delta* since its last flush, one second after it
// became active (an alarm), and whenever it drops its engine. The catalog
// adds deltas into per-index totals (table `totals`) and remembers which
// objects have unflushed activity (table `dirty`); /metrics adds the fresh
// deltas of exactly those objects to the totals. Nothing is counted twice:
// an object's delta is measured from what it already flushed.

/** Zero series with the bucket bounds of `like`. */
function zero(like) {
  return {
    count: 0,
    errors: 0,
    latency_seconds_sum: 0,
    latency_buckets: like.latency_buckets.map(([le]) => [le, 0]),
  };
}

/** a + sign*b for one series (same bucket bounds). */
export function combineSeries(a, b, sign = 1) {
  const out = a ? { ...a, latency_buckets: a.latency_buckets.map((x) => [...x]) } : zero(b);
  out.count += sign * b.count;
  out.errors += sign * b.errors;
  out.latency_seconds_sum += sign * b.latency_seconds_sum;
  b.latency_buckets.forEach(([, c], i) => {
    out.latency_buckets[i][1] += sign * c;
  });
  return out;
}

/** {rt: series} maps: a + sign*b (entries of b missing in a start at zero). */
export function combine(a, b, sign = 1) {
  const out = { ...(a || {}) };
  for (const [rt, s] of Object.entries(b || {})) out[rt] = combineSeries(out[rt], s, sign);
  return out;
}

/** True when a {rt: series} map counts nothing. */
export function isEmpty(m) {
  return Object.values(m || {}).every((s) => s.count === 0);
}

/**
 * Tracks one engine's flushed position. `delta(current)` is what has not
 * been flushed; `carry` holds deltas of engines already dropped.
 */
export class DeltaTracker {
  constructor() {
    this.flushed = {};
    this.carry = {};
  }

  delta(current) {
    return combine(this.carry, combine(current, this.flushed, -1));
  }

  /** Marks `current` flushed; returns the delta to send. */
  take(current) {
    const d = this.delta(current);
    this.flushed = current;
    this.carry = {};
    return d;
  }

  /** The engine is being dropped: keep its unflushed delta. */
  retire(current) {
    this.carry = this.delta(current);
    this.flushed = {};
  }

  /** Undoes a `take` whose delta could not be delivered. */
  restore(d) {
    this.carry = combine(this.carry, d);
  }
}

/** The `requests` of one index from an engine's metricsJson() (or {}). */
export function engineSeries(metricsJson, index) {
  const i = metricsJson && metricsJson.indexes && metricsJson.indexes[index];
  return (i && i.requests) || {};
}

function esc(v) {
  return String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function num(x) {
  return Number.isInteger(x) ? String(x) : String(+x.toPrecision(12));
}

const TYPES = ['upsert', 'delete', 'fetch', 'query', 'describe_index_stats', 'update'];

/**
 * Prometheus text with Pinecone's metric names and labels.
 * `indexes`: [{name, total, fullness, series: {rt: series}}].
 */
export function renderPrometheus(project, indexes) {
  const p = esc(project);
  const lines = [];
  const sorted = [...indexes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  lines.push('# HELP pinecone_vector_count The number of records in the index.');
  lines.push('# TYPE pinecone_vector_count gauge');
  for (const i of sorted) lines.push(`pinecone_vector_count{index_name="${esc(i.name)}",project_name="${p}"} ${i.total}`);
  lines.push('# HELP pinecone_index_fullness The fullness of the index (pod indexes; 0 for serverless).');
  lines.push('# TYPE pinecone_index_fullness gauge');
  for (const i of sorted) {
    lines.push(`pinecone_index_fullness{index_name="${esc(i.name)}",project_name="${p}"} ${num(i.fullness)}`);
  }
  const series = [];
  for (const i of sorted) {
    const rts = Object.keys(i.series).sort((a, b) => TYPES.indexOf(a) - TYPES.indexOf(b));
    for (const rt of rts) series.push([`index_name="${esc(i.name)}",project_name="${p}",request_type="${esc(rt)}"`, i.series[rt]]);
  }
  lines.push('# HELP pinecone_request_count_total The number of data plane requests.');
  lines.push('# TYPE pinecone_request_count_total counter');
  for (const [l, s] of series) lines.push(`pinecone_request_count_total{${l}} ${s.count}`);
  lines.push('# HELP pinecone_request_error_count_total The number of data plane requests that failed.');
  lines.push('# TYPE pinecone_request_error_count_total counter');
  for (const [l, s] of series) lines.push(`pinecone_request_error_count_total{${l}} ${s.errors}`);
  lines.push('# HELP pinecone_request_latency_seconds Data plane request latency.');
  lines.push('# TYPE pinecone_request_latency_seconds histogram');
  for (const [l, s] of series) {
    for (const [le, c] of s.latency_buckets) lines.push(`pinecone_request_latency_seconds_bucket{${l},le="${le}"} ${c}`);
    lines.push(`pinecone_request_latency_seconds_bucket{${l},le="+Inf"} ${s.count}`);
    lines.push(`pinecone_request_latency_seconds_sum{${l}} ${num(s.latency_seconds_sum)}`);
    lines.push(`pinecone_request_latency_seconds_count{${l}} ${s.count}`);
  }
  return lines.join('\n') + '\n';
}
