//! Native side of the HNSW benchmark (`make bench-hnsw`, `benches/hnsw.mjs`):
//! Conifer's graph (`conifer::index::hnsw::Hnsw`) over the f32 arena
//! (`conifer::vectors::Vectors`), no database or JSON layer, single thread.
//! Loads wordnet-minilm (base, held-out queries, ground truth), builds the
//! graph, times it, sweeps efSearch and prints one JSON object on stdout.
//!
//! ```text
//! cargo run --release --example bench_hnsw -- [--data DIR] [--n 100000]
//!     [--queries 1000] [--efs 10,16,24,32,48,64,96,128,192,256]
//!     [--m 16] [--ef-construction 100] [--stop-recall 0.995]
//!     [--warmup 100] [--gt FILE]
//! ```
//!
//! Ground truth: `--gt FILE` (int32, `queries` rows of 10 base rows, best
//! first); else the shipped `gt.i32` (top-100 per query over all 100,000
//! rows) when `--n` is the whole set; else brute force over the first `n`
//! rows (exact cosine, f64 accumulation). Without the data set it says so
//! on stderr, prints `{"skipped": ...}` and exits 0.
//!
//! Per sweep point: recall@10 against the ground truth, queries per second
//! (`queries` sequential single-thread queries / wall time of that loop),
//! p50 and p99 of the per-query latencies. Memory: the structures' heap
//! bytes (`Vectors::heap_bytes`, `Hnsw::heap_bytes`) and the process RSS
//! before and after the build (`/proc/self/status`).

use std::path::PathBuf;
use std::time::Instant;

use conifer::distance::Metric;
use conifer::index::hnsw::{Hnsw, HnswParams};
use conifer::vectors::Vectors;
use serde_json::json;

const K: usize = 10;
const DIM: usize = 384;
const FULL: usize = 100_000;

#[path = "../tests/common/wordnet_files.rs"]
mod wordnet_files;
use wordnet_files::{brute_force, percentile, read_f16, read_gt};

/// Resident set size of this process in bytes (Linux), if readable.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

struct Args {
    data: PathBuf,
    n: usize,
    queries: usize,
    efs: Vec<usize>,
    m: usize,
    ef_construction: usize,
    stop_recall: f64,
    warmup: usize,
    gt: Option<PathBuf>,
}

fn parse_args() -> Args {
    let mut a = Args {
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/wordnet-minilm"),
        n: FULL,
        queries: 1000,
        efs: vec![10, 16, 24, 32, 48, 64, 96, 128, 192, 256],
        m: 16,
        ef_construction: 100,
        stop_recall: 0.995,
        warmup: 100,
        gt: None,
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
            "--m" => a.m = num(value()),
            "--ef-construction" => a.ef_construction = num(value()),
            "--stop-recall" => {
                a.stop_recall = value().parse().unwrap_or_else(|_| usage("bad --stop-recall"))
            }
            "--warmup" => a.warmup = num(value()),
            "--gt" => a.gt = Some(PathBuf::from(value())),
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    if a.n == 0 || a.n > FULL || a.queries == 0 || a.queries > 1000 || a.efs.is_empty() {
        usage("need 1 <= n <= 100000, 1 <= queries <= 1000 and at least one ef");
    }
    a
}

fn usage(msg: &str) -> ! {
    eprintln!("bench_hnsw: {msg}");
    eprintln!(
        "usage: bench_hnsw [--data DIR] [--n N] [--queries Q] [--efs 10,16,...] [--m 16] \
         [--ef-construction 100] [--stop-recall 0.995] [--warmup 100] [--gt FILE]"
    );
    std::process::exit(2);
}

fn main() {
    let a = parse_args();
    if !a.data.join("base.f16").exists() {
        eprintln!(
            "bench_hnsw: {} not found: the wordnet-minilm data set is required; nothing measured",
            a.data.display()
        );
        println!("{}", json!({ "skipped": "wordnet-minilm data set not found" }));
        return;
    }
    let load_t = Instant::now();
    let base = read_f16(&a.data.join("base.f16"), a.n, DIM);
    let queries = read_f16(&a.data.join("queries.f16"), a.queries, DIM);
    let (gt, gt_source) = match &a.gt {
        Some(p) => (read_gt(p, a.queries, K, K), format!("file {}", p.display())),
        None if a.n == FULL => {
            (read_gt(&a.data.join("gt.i32"), a.queries, 100, K), "shipped gt.i32".to_string())
        }
        None => (brute_force(&base, &queries, K), "brute force".to_string()),
    };
    let load_s = load_t.elapsed().as_secs_f64();

    let params = HnswParams {
        m: a.m,
        ef_construction: a.ef_construction,
        ..HnswParams::default()
    };
    let rss_before = rss_bytes();
    let t = Instant::now();
    let mut vectors = Vectors::new(DIM, Metric::Cosine);
    let mut graph = Hnsw::new(params).expect("HNSW parameters");
    for (s, v) in base.iter().enumerate() {
        vectors.set(s as u32, v);
        graph.insert(s as u32, &vectors);
    }
    let build_s = t.elapsed().as_secs_f64();
    let rss_after = rss_bytes();

    let search = |q: &[f32], ef: usize| -> Vec<(u32, f32)> {
        graph.search(&vectors.prepare(q), K, ef, &vectors, &|_| true)
    };
    // Warm-up: the first `warmup` queries (cycled) at the first ef, untimed.
    for i in 0..a.warmup {
        std::hint::black_box(search(&queries[i % queries.len()], a.efs[0]));
    }
    let mut sweep = Vec::new();
    for &ef in &a.efs {
        for q in queries.iter().take(10) {
            std::hint::black_box(search(q, ef));
        }
        let mut lat = Vec::with_capacity(queries.len());
        let mut found = Vec::with_capacity(queries.len());
        let wall = Instant::now();
        for q in &queries {
            let t = Instant::now();
            found.push(search(q, ef));
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let wall_s = wall.elapsed().as_secs_f64();
        let hits: usize = found
            .iter()
            .zip(&gt)
            .map(|(f, want)| f.iter().filter(|(s, _)| want.contains(s)).count())
            .sum();
        let total: usize = gt.iter().map(Vec::len).sum();
        let mean = lat.iter().sum::<f64>() / lat.len() as f64;
        lat.sort_by(f64::total_cmp);
        let recall = hits as f64 / total.max(1) as f64;
        sweep.push(json!({
            "ef": ef,
            "recall": recall,
            "qps": queries.len() as f64 / wall_s,
            "p50_ms": percentile(&lat, 50.0),
            "p99_ms": percentile(&lat, 99.0),
            "mean_ms": mean,
            "queries": queries.len(),
        }));
        if recall >= a.stop_recall {
            break;
        }
    }
    let p = graph.params();
    println!(
        "{}",
        json!({
            "library": "conifer-native",
            "n": a.n,
            "dim": DIM,
            "queries": a.queries,
            "k": K,
            "metric": "cosine",
            "m": p.m,
            "ef_construction": p.ef_construction,
            "ground_truth": gt_source,
            "load_s": load_s,
            "build_s": build_s,
            "sweep": sweep,
            "memory": {
                "vectors_heap_bytes": vectors.heap_bytes(),
                "vectors_needed_bytes": a.n * (DIM + 1) * 4,
                "graph_heap_bytes": graph.heap_bytes(),
                "rss_before_build": rss_before,
                "rss_after_build": rss_after,
            },
            "target": std::env::consts::ARCH,
            "debug_assertions": cfg!(debug_assertions),
        })
    );
}
