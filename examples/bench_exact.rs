//! Native side of the exact-search benchmark (`make bench`): loads a raw
//! little-endian f32 file written by benches/exact.mjs, inserts the first
//! `n` rows into a flat index through `Database::call` (the same path the
//! wasm package takes), runs the queries and prints latencies as JSON.
//!
//! Usage: bench_exact <base.f32> <queries.f32> <dim> <n> <top_k>

use std::time::Instant;

use conifer::db::{DataOp, Database, Options};
use conifer::store::Ephemeral;

fn read_f32(path: &str) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 6 {
        eprintln!("usage: bench_exact <base.f32> <queries.f32> <dim> <n> <top_k>");
        std::process::exit(2);
    }
    let base = read_f32(&args[1]);
    let queries = read_f32(&args[2]);
    let dim: usize = args[3].parse().expect("dim");
    let n: usize = args[4].parse().expect("n");
    let k: usize = args[5].parse().expect("top_k");
    let db = pollster::block_on(Database::open(Ephemeral, Options::default())).expect("open");
    let body = serde_json::json!({"name": "bench", "dimension": dim, "metric": "cosine",
        "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}, "conifer": {"index_type": "flat"}});
    pollster::block_on(db.create_index(&body)).expect("create");
    let start = Instant::now();
    let clock = || start.elapsed().as_secs_f64() * 1000.0;
    for chunk_start in (0..n).step_by(1000) {
        let end = (chunk_start + 1000).min(n);
        let vectors: Vec<serde_json::Value> = (chunk_start..end)
            .map(|i| serde_json::json!({"id": format!("r{i}"), "values": &base[i * dim..(i + 1) * dim]}))
            .collect();
        let body = serde_json::json!({"vectors": vectors}).to_string();
        pollster::block_on(db.call(DataOp::Upsert, "bench", &body, &clock)).expect("upsert");
    }
    let ingest_ms = clock();
    let nq = queries.len() / dim;
    let mut lat = Vec::with_capacity(nq);
    for q in 0..nq {
        let body = serde_json::json!({"topK": k, "vector": &queries[q * dim..(q + 1) * dim]}).to_string();
        let t = Instant::now();
        let out = pollster::block_on(db.call(DataOp::Query, "bench", &body, &clock)).expect("query");
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(out.contains("matches"));
    }
    println!("{}", serde_json::json!({"runtime": "native", "n": n, "ingest_ms": ingest_ms, "latencies_ms": lat}));
}
