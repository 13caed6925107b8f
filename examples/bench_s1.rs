//! The s1 (int8) benchmark (`make bench-s1`): one database over
//! `MemoryStorage`, two indexes with the same graph parameters holding the
//! same wordnet-minilm records — `p1` (graph on float32, values in memory)
//! and `s1` (graph on int8 codes, f32 values in storage only, read back to
//! rescore) — loaded, queried and measured side by side through
//! `Database::call_with_vectors`, the entry point the JS package uses.
//!
//! ```text
//! cargo run --release --example bench_s1 -- [--data DIR] [--n 100000]
//!     [--queries 1000] [--efs 16,32,64,128] [--out bench-results/s1.json]
//!     [--report docs/bench-s1.md]
//! ```
//!
//! Per index: load time (every upsert, and for s1 the reloads that retrain
//! its quantiser if the data drifts); vector memory (`Namespace::
//! vector_heap_bytes`: the f32 arena and the int8 codes, capacity not
//! length) and the namespace's whole heap (`heap_bytes`, graph and records
//! included); then an efSearch sweep: recall@10 against the shipped ground
//! truth (brute force below 100k), queries per second and p50/p99 of
//! sequential single-thread queries. `MemoryStorage` keeps the stored
//! values in this process, so process RSS says nothing here: in a browser
//! they are in IndexedDB, and each s1 query pays an IndexedDB read.

use std::path::PathBuf;
use std::time::Instant;

use conifer::db::{DataOp, Database, Options, SideVectors};
use conifer::engine::NsEntry;
use conifer::store::memory::MemoryStorage;
use serde_json::{json, Value as Json};

const K: usize = 10;
const DIM: usize = 384;
const FULL: usize = 100_000;

#[path = "../tests/common/wordnet_files.rs"]
mod wordnet_files;
use wordnet_files::{brute_force, percentile, read_f16, read_gt};

fn clock() -> f64 {
    0.0
}

struct Args {
    data: PathBuf,
    n: usize,
    queries: usize,
    efs: Vec<usize>,
    out: PathBuf,
    report: PathBuf,
}

fn parse_args() -> Args {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut a = Args {
        data: root.join("../shared/data/wordnet-minilm"),
        n: FULL,
        queries: 1000,
        efs: vec![16, 32, 64, 128],
        out: root.join("bench-results/s1.json"),
        report: root.join("docs/bench-s1.md"),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let num = |s: String| s.parse::<usize>().unwrap_or_else(|_| usage(&format!("bad number {s}")));
        match flag.as_str() {
            "--data" => a.data = PathBuf::from(value()),
            "--n" => a.n = num(value()),
            "--queries" => a.queries = num(value()),
            "--efs" => a.efs = value().split(',').map(|s| num(s.trim().to_string())).collect(),
            "--out" => a.out = PathBuf::from(value()),
            "--report" => a.report = PathBuf::from(value()),
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    if a.n == 0 || a.n > FULL || a.queries == 0 || a.queries > 1000 || a.efs.is_empty() {
        usage("need 1 <= n <= 100000, 1 <= queries <= 1000 and at least one ef");
    }
    a
}

fn usage(msg: &str) -> ! {
    eprintln!("bench_s1: {msg}");
    eprintln!("usage: bench_s1 [--data DIR] [--n N] [--queries Q] [--efs 16,32,...] [--out FILE] [--report FILE]");
    std::process::exit(2);
}

fn call(db: &Database<MemoryStorage>, op: DataOp, index: &str, body: &Json, values: &[f64], lens: &[u32]) -> String {
    pollster::block_on(db.call_with_vectors(op, index, &body.to_string(), Some(SideVectors { values, lens }), &clock))
        .unwrap_or_else(|e| panic!("{op:?} on {index}: {e}"))
}

/// (vector bytes, whole namespace heap bytes, values resident?)
fn memory(db: &Database<MemoryStorage>, index: &str) -> (usize, usize, bool) {
    match &db.engine().indexes[index].namespaces["t"].entry {
        NsEntry::Loaded(n) => (n.vector_heap_bytes(), n.heap_bytes(), n.is_resident()),
        NsEntry::Unloaded { .. } => panic!("{index} not loaded"),
    }
}

fn main() {
    let a = parse_args();
    if !a.data.join("base.f16").exists() {
        eprintln!("bench_s1: {} not found: the wordnet-minilm data set is required; nothing measured", a.data.display());
        println!("{}", json!({ "skipped": "wordnet-minilm data set not found" }));
        return;
    }
    let base = read_f16(&a.data.join("base.f16"), a.n, DIM);
    let queries = read_f16(&a.data.join("queries.f16"), a.queries, DIM);
    let gt = if a.n == FULL {
        read_gt(&a.data.join("gt.i32"), a.queries, 100, K)
    } else {
        brute_force(&base, &queries, K)
    };
    let db = pollster::block_on(Database::open(MemoryStorage::new(), Options::default())).expect("open");
    let engine = json!({"index_type": "hnsw", "m": 16, "ef_construction": 100});
    for (name, pod) in [("p1", "p1.x1"), ("s1", "s1.x1")] {
        let body = json!({"name": name, "dimension": DIM, "metric": "cosine", "conifer": engine,
            "spec": {"pod": {"environment": "local", "pod_type": pod}}});
        pollster::block_on(db.create_index(&body)).expect("create index");
    }

    let mut results = Vec::new();
    for index in ["p1", "s1"] {
        eprintln!("bench_s1: loading {} records into {index}", a.n);
        let t = Instant::now();
        let mut reloads = 0usize;
        for (b, chunk) in base.chunks(1000).enumerate() {
            let recs: Vec<Json> = (0..chunk.len()).map(|i| json!({"id": format!("{}", b * 1000 + i)})).collect();
            let values: Vec<f64> = chunk.iter().flatten().map(|&x| x as f64).collect();
            let lens = vec![DIM as u32; chunk.len()];
            call(&db, DataOp::Upsert, index, &json!({"namespace": "t", "vectors": recs}), &values, &lens);
            // Unloaded by the write: its data drifted, the next use reloads it.
            reloads += db.engine().needs_load(index, "t") as usize;
        }
        // A query loads the namespace if the last write unloaded it to retrain.
        let q0: Vec<f64> = queries[0].iter().map(|&x| x as f64).collect();
        call(&db, DataOp::Query, index, &json!({"namespace": "t", "topK": K}), &q0, &[DIM as u32]);
        let load_s = t.elapsed().as_secs_f64();
        let (vector_bytes, heap_bytes, resident) = memory(&db, index);
        eprintln!("bench_s1: {index} loaded in {load_s:.1}s; vectors {:.1} MiB (resident: {resident})", vector_bytes as f64 / 1048576.0);
        // Warm-up, untimed: 100 queries at the first ef.
        for q in queries.iter().cycle().take(100) {
            let v: Vec<f64> = q.iter().map(|&x| x as f64).collect();
            call(&db, DataOp::Query, index, &json!({"namespace": "t", "topK": K, "efSearch": a.efs[0]}), &v, &[DIM as u32]);
        }
        let mut sweep = Vec::new();
        for &ef in &a.efs {
            let mut lat = Vec::with_capacity(queries.len());
            let mut hits = 0usize;
            let wall = Instant::now();
            for (qi, q) in queries.iter().enumerate() {
                let v: Vec<f64> = q.iter().map(|&x| x as f64).collect();
                let t = Instant::now();
                let out = call(&db, DataOp::Query, index, &json!({"namespace": "t", "topK": K, "efSearch": ef}), &v, &[DIM as u32]);
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
                let out: Json = serde_json::from_str(&out).expect("JSON");
                for m in out["matches"].as_array().expect("matches") {
                    let id: u32 = m["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
                    hits += gt[qi].contains(&id) as usize;
                }
            }
            let wall_s = wall.elapsed().as_secs_f64();
            lat.sort_by(f64::total_cmp);
            let row = json!({
                "ef": ef,
                "recall_at_10": hits as f64 / (queries.len() * K) as f64,
                "qps": queries.len() as f64 / wall_s,
                "p50_ms": percentile(&lat, 50.0),
                "p99_ms": percentile(&lat, 99.0),
            });
            eprintln!("bench_s1: {index} {row}");
            sweep.push(row);
        }
        results.push(json!({
            "index": index, "load_s": load_s, "reloads_to_retrain": reloads, "vector_bytes": vector_bytes,
            "namespace_heap_bytes": heap_bytes, "values_resident": resident, "sweep": sweep,
        }));
    }

    let (p1, s1) = (&results[0], &results[1]);
    let ratio = p1["vector_bytes"].as_f64().unwrap() / s1["vector_bytes"].as_f64().unwrap();
    let heap_ratio = p1["namespace_heap_bytes"].as_f64().unwrap() / s1["namespace_heap_bytes"].as_f64().unwrap();
    let mut worst_loss: f64 = 0.0;
    for (a_row, b_row) in p1["sweep"].as_array().unwrap().iter().zip(s1["sweep"].as_array().unwrap()) {
        worst_loss = worst_loss.max(a_row["recall_at_10"].as_f64().unwrap() - b_row["recall_at_10"].as_f64().unwrap());
    }
    let out = json!({
        "dataset": "wordnet-minilm", "n": a.n, "queries": a.queries, "dim": DIM, "metric": "cosine",
        "m": 16, "ef_construction": 100, "storage": "MemoryStorage (native, release build)",
        "machine": std::fs::read_to_string("/proc/cpuinfo").ok()
            .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())),
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "results": results,
        "vector_memory_ratio_p1_over_s1": ratio,
        "namespace_heap_ratio_p1_over_s1": heap_ratio,
        "worst_recall_loss_points": worst_loss * 100.0,
    });
    if let Some(dir) = a.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&a.out, serde_json::to_string_pretty(&out).unwrap()).expect("write JSON");

    let mib = |b: &Json| b.as_f64().unwrap() / 1048576.0;
    let mut md = String::new();
    md.push_str("# s1 (int8) against p1 (float32): memory, recall, speed\n\n");
    md.push_str(&format!(
        "Written by `make bench-s1` (`examples/bench_s1.rs`). wordnet-minilm, {} records × {DIM}, cosine, \
         {} held-out queries, top-10; graph M 16, efConstruction 100 for both; one database over \
         `MemoryStorage`, native release build, {} ({} cores).\n\n",
        a.n,
        a.queries,
        out["machine"].as_str().unwrap_or("unknown CPU"),
        out["cores"]
    ));
    md.push_str("| index | load s | reloads to retrain | vector memory MiB | namespace heap MiB | f32 values |\n|---|---|---|---|---|---|\n");
    for r in &results {
        md.push_str(&format!(
            "| {} | {:.1} | {} | {:.1} | {:.1} | {} |\n",
            r["index"].as_str().unwrap(),
            r["load_s"].as_f64().unwrap(),
            r["reloads_to_retrain"],
            mib(&r["vector_bytes"]),
            mib(&r["namespace_heap_bytes"]),
            if r["values_resident"].as_bool().unwrap() { "in memory" } else { "in storage only" }
        ));
    }
    md.push_str(&format!(
        "\nVector memory p1 / s1: **{ratio:.2}×** (target ≥ 3.5×); whole namespace heap (graph, ids and \
         metadata included): {heap_ratio:.2}×.\n\n"
    ));
    md.push_str("| efSearch | p1 recall@10 | s1 recall@10 | loss (points) | p1 QPS | s1 QPS | p1 p50 ms | s1 p50 ms | p1 p99 ms | s1 p99 ms |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (x, y) in p1["sweep"].as_array().unwrap().iter().zip(s1["sweep"].as_array().unwrap()) {
        let f = |r: &Json, k: &str| r[k].as_f64().unwrap();
        md.push_str(&format!(
            "| {} | {:.4} | {:.4} | {:.2} | {:.0} | {:.0} | {:.3} | {:.3} | {:.3} | {:.3} |\n",
            x["ef"],
            f(x, "recall_at_10"),
            f(y, "recall_at_10"),
            (f(x, "recall_at_10") - f(y, "recall_at_10")) * 100.0,
            f(x, "qps"),
            f(y, "qps"),
            f(x, "p50_ms"),
            f(y, "p50_ms"),
            f(x, "p99_ms"),
            f(y, "p99_ms"),
        ));
    }
    md.push_str(&format!(
        "\nLargest recall@10 loss of s1 against p1 at equal efSearch: **{:.2} points** (target ≤ 1).\n\n\
         Notes: s1 queries here read their candidates' f32 values from `MemoryStorage` (in-process); in a \
         browser each query reads them from IndexedDB in one transaction instead, which costs more. The \
         stored values live in the storage, not in the namespace: that is the memory s1 saves. s1's load \
         time includes any reload that retrains its quantiser on drifted data (counted in the first table).\n",
        worst_loss * 100.0
    ));
    if let Some(dir) = a.report.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&a.report, md).expect("write report");
    println!("{}", serde_json::to_string(&out).unwrap());
}
