//! Readers of the wordnet-minilm files (`../shared/data/wordnet-minilm`):
//! float16 matrices (`base.f16`, `queries.f16`) and the int32 ground truth
//! (`gt.i32`, 100 row numbers per query), and what the benchmarks compute
//! from them (brute-force ground truth below the full set, percentiles).
//! Shared by `tests/hnsw_recall.rs`, `examples/bench_hnsw.rs` and
//! `examples/bench_s1.rs` (included with `#[path]`).
#![allow(dead_code)] // each includer uses part of it

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// IEEE 754 half to single precision.
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let mant = (h & 0x3ff) as f32;
    match exp {
        0 => sign * mant * 2f32.powi(-24),
        31 if mant == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        _ => sign * (1.0 + mant / 1024.0) * 2f32.powi(exp - 15),
    }
}

fn read_bytes(path: &Path, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
}

/// The first `rows` rows of a float16 matrix file.
pub fn read_f16(path: &Path, rows: usize, dim: usize) -> Vec<Vec<f32>> {
    read_bytes(path, rows * dim * 2)
        .chunks_exact(dim * 2)
        .map(|row| row.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect())
        .collect()
}

/// `queries` rows of `stride` int32 row numbers; the first `k` of each.
pub fn read_gt(path: &Path, queries: usize, stride: usize, k: usize) -> Vec<Vec<u32>> {
    read_bytes(path, queries * stride * 4)
        .chunks_exact(stride * 4)
        .map(|row| row.chunks_exact(4).take(k).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u32).collect())
        .collect()
}

/// Exact top-`k` rows of `base` by cosine for each query (f64 sums).
pub fn brute_force(base: &[Vec<f32>], queries: &[Vec<f32>], k: usize) -> Vec<Vec<u32>> {
    let norm = |v: &[f32]| v.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt();
    let norms: Vec<f64> = base.iter().map(|v| norm(v)).collect();
    queries
        .iter()
        .map(|q| {
            let qn = norm(q);
            let mut sims: Vec<(f64, u32)> = base
                .iter()
                .zip(&norms)
                .enumerate()
                .map(|(i, (v, &n))| {
                    let dot: f64 = q.iter().zip(v).map(|(&a, &b)| a as f64 * b as f64).sum();
                    (dot / (qn * n).max(f64::MIN_POSITIVE), i as u32)
                })
                .collect();
            sims.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            sims.truncate(k);
            sims.into_iter().map(|x| x.1).collect()
        })
        .collect()
}

/// The `p`-th percentile (nearest rank on the sorted sample, as
/// benches/data.mjs computes it).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((p / 100.0) * sorted.len() as f64).floor() as usize;
    sorted[i.min(sorted.len() - 1)]
}
