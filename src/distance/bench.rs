//! Ignored timing test: one query against a contiguous 100,000 × 384 arena
//! (the exact-search scan) per kernel, in ns per vector, plus a 500 × 384
//! arena that stays in cache (compute-bound). Natively:
//! `cargo test --release --lib distance::bench -- --ignored --nocapture`.
//! On wasm32 in Node, build with `cargo test --release --target
//! wasm32-unknown-unknown --lib --no-run` and run the printed `.wasm` with
//! `wasm-bindgen-test-runner <file> distance::bench --include-ignored
//! --nocapture` (the 0.2.130 runner ignores `--ignored`).

use super::tests::Rng;
use super::{portable, scalar};
use std::hint::black_box;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use super::simd128;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static T0: OnceLock<Instant> = OnceLock::new();
    T0.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

/// Millisecond resolution; the passes below run for 100 ms or more each.
#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    js_sys::Date::now()
}

macro_rules! say {
    ($($t:tt)*) => {{
        #[cfg(not(target_arch = "wasm32"))]
        println!($($t)*);
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_test::console_log!($($t)*);
    }};
}

/// One scan: the kernel applied to the query and every row, results to `out`.
/// Generic over the kernel so each scan inlines it, as the engine's loop does.
#[inline(always)]
fn scan(k: impl Fn(&[f32], &[f32]) -> f32, q: &[f32], data: &[f32], dim: usize, out: &mut [f32]) {
    for (row, o) in data.chunks_exact(dim).zip(out.iter_mut()) {
        *o = k(q, row);
    }
}

/// A whole scan: query, arena, results.
type Scan<'a> = dyn Fn(&[f32], &[f32], &mut [f32]) + 'a;

fn report(label: &str, rows: usize, dim: usize, passes: usize) {
    let mut rng = Rng::new(42);
    let data = rng.vec(rows * dim, Rng::unit);
    let q = rng.vec(dim, Rng::unit);
    let mut out = vec![0.0f32; rows];
    let mut time = |name: &str, k: &Scan| {
        k(&q, &data, &mut out); // warm-up
        let t = now_ms();
        for _ in 0..passes {
            k(black_box(&q), black_box(&data), &mut out);
            black_box(&out);
        }
        let ns = (now_ms() - t) * 1e6 / (passes * rows) as f64;
        say!("{label:>4} {rows}x{dim} {name:<18} {ns:6.1} ns/vector");
    };
    time("dot scalar", &|q, d, o| scan(scalar::dot, q, d, dim, o));
    time("dot portable", &|q, d, o| scan(portable::dot, q, d, dim, o));
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    time("dot simd128", &|q, d, o| scan(simd128::dot, q, d, dim, o));
    time("l2_sq scalar", &|q, d, o| scan(scalar::l2_sq, q, d, dim, o));
    time("l2_sq portable", &|q, d, o| {
        scan(portable::l2_sq, q, d, dim, o)
    });
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    time("l2_sq simd128", &|q, d, o| {
        scan(simd128::l2_sq, q, d, dim, o)
    });
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[ignore]
fn scan_100k_x_384() {
    report("cold", 100_000, 384, 20);
    report("hot", 500, 384, 4000);
}
