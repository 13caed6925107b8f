//! The kernels against the scalar reference: every length 0..=67 and a few
//! large ones, exact cases that must match bit for bit, special values, and
//! mismatched lengths. The same bodies run natively (`#[test]`) and on wasm32
//! in Node (`#[wasm_bindgen_test]`), where `simd128` is the kernel under test.
//!
//! # Error bound
//!
//! Every kernel rounds each product `aᵢ·bᵢ` (and each difference `aᵢ − bᵢ`)
//! exactly as `scalar` does (separate multiply and add, no fused
//! multiply-add; Rust never contracts), so results differ only through the
//! order of the additions: `scalar` is one left-to-right chain, `portable`
//! and `simd128` run 16 interleaved chains, fold them pairwise, then add the
//! tail. For the summed terms `tᵢ` (products, or squared differences) we
//! require
//!
//! ```text
//! |kernel − scalar| ≤ max(1e-5, 2·u·√n) · Σ|tᵢ| + 1e-30,   u = 2⁻²⁴
//! ```
//!
//! which is 1e-5 · Σ|tᵢ| for every n ≤ 7000 (all embedding sizes in use) and
//! grows like √n beyond (1.7e-5 at n = 20000).
//!
//! Why this size: the worst case for any summation order is
//! `|ŝ − s| ≤ γ_k · Σ|tᵢ|` with `γ_k = k·u/(1 − k·u)`, `k` the longest chain
//! of roundings a term passes through (Higham, *Accuracy and Stability of
//! Numerical Algorithms*, §3.1); `k ≤ n + 1` for every kernel here. That is
//! asserted too, against an exact f64 sum (`within_worst_case_bound`), but at
//! n = 20000 it allows 1.2e-3 · Σ|tᵢ|, far too loose to notice a dropped or
//! doubled term. Actual rounding errors add up like a random walk (√n, not n):
//! for positive terms (all of l2, and dot of positive vectors, the worst
//! case) the scalar chain's error is below about `u·√n · Σ|tᵢ|`, the 16-chain
//! kernels' own error is 4× smaller (chains 16× shorter), so the difference is
//! essentially scalar's; for random-sign products it stays near `u · Σ|tᵢ|`
//! whatever n is. Measured over 50 seeds (`error_ratio_probe`), the largest
//! |portable − scalar| / Σ|tᵢ| was 8.0e-7 at n = 384, 1.7e-6 at 1536 and
//! 6.9e-6 at 20000 (= 0.82·u·√n), so the bound leaves ≥ 2.4× room at every
//! length, yet still flags a single missing term of average size
//! (Σ|tᵢ|/n ≥ 5e-5 · Σ|tᵢ| for n ≤ 20000). The 1e-30 only matters if Σ|tᵢ|
//! underflows, which these inputs never do. The exact-integer test below then
//! catches any indexing mistake with no tolerance at all.

use super::{portable, scalar};

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use super::simd128;

/// Relative tolerance against the scalar reference for length `n` (see the
/// module docs).
fn rel_tol(n: usize) -> f64 {
    f64::max(1e-5, 2.0 * f64::powi(2.0, -24) * (n as f64).sqrt())
}

/// Absolute slack for sums that underflow (see the module docs).
const ABS: f64 = 1e-30;

/// Lengths every comparison runs over.
pub(super) fn lengths() -> impl Iterator<Item = usize> {
    (0..=67).chain([127, 128, 384, 768, 1536, 20000])
}

/// splitmix64: a seeded, dependency-free generator for test data.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [-1, 1), a multiple of 2⁻²³.
    pub(super) fn unit(&mut self) -> f32 {
        ((self.next_u64() >> 40) as i32 - (1 << 23)) as f32 / (1 << 23) as f32
    }

    /// Uniform in [0, 1).
    pub(super) fn positive(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1 << 24) as f32
    }

    /// Integer in [-8, 8].
    pub(super) fn small_int(&mut self) -> f32 {
        (self.next_u64() % 17) as f32 - 8.0
    }

    pub(super) fn vec(&mut self, n: usize, f: fn(&mut Rng) -> f32) -> Vec<f32> {
        (0..n).map(|_| f(self)).collect()
    }
}

type Kernel = fn(&[f32], &[f32]) -> f32;

/// Every dot kernel compiled for this target, with the reference first.
fn dots() -> Vec<(&'static str, Kernel)> {
    let k: Vec<(&'static str, Kernel)> = vec![
        ("scalar", scalar::dot),
        ("portable", portable::dot),
        ("dispatch", super::dot),
    ];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let k = [k, vec![("simd128", simd128::dot as Kernel)]].concat();
    k
}

/// Every l2_sq kernel compiled for this target, with the reference first.
fn l2s() -> Vec<(&'static str, Kernel)> {
    let k: Vec<(&'static str, Kernel)> = vec![
        ("scalar", scalar::l2_sq),
        ("portable", portable::l2_sq),
        ("dispatch", super::l2_sq),
    ];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let k = [k, vec![("simd128", simd128::l2_sq as Kernel)]].concat();
    k
}

/// Σ|aᵢbᵢ| and the exact Σaᵢbᵢ (f32·f32 is exact in f64; the f64 sum's own
/// error is ~1e-16 relative, negligible here).
fn dot_ref(a: &[f32], b: &[f32]) -> (f64, f64) {
    let t = a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64);
    (t.clone().map(f64::abs).sum(), t.sum())
}

/// Σ tᵢ for tᵢ = (aᵢ − bᵢ)² with the difference rounded to f32 as the
/// kernels do; the terms are non-negative, so this is also Σ|tᵢ|.
fn l2_ref(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| ((x - y) as f64).powi(2))
        .sum()
}

/// γ_k = k·u/(1 − k·u), u = 2⁻²⁴.
fn gamma(k: usize) -> f64 {
    let ku = k as f64 * f64::powi(2.0, -24);
    ku / (1.0 - ku)
}

fn assert_close(what: &str, n: usize, got: f32, want: f32, mag: f64) {
    let tol = rel_tol(n) * mag + ABS;
    let diff = (got as f64 - want as f64).abs();
    assert!(
        diff <= tol,
        "{what} n={n}: {got} vs scalar {want}, |diff| {diff:e} > {tol:e}"
    );
}

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn random_values_match_scalar() {
    let mut rng = Rng::new(1);
    for n in lengths() {
        for gen in [Rng::unit, Rng::positive] {
            let a = rng.vec(n, gen);
            let b = rng.vec(n, gen);
            let (mag, _) = dot_ref(&a, &b);
            let want = scalar::dot(&a, &b);
            for (name, k) in dots() {
                assert_close(&format!("dot/{name}"), n, k(&a, &b), want, mag);
            }
            let mag = l2_ref(&a, &b);
            let want = scalar::l2_sq(&a, &b);
            for (name, k) in l2s() {
                assert_close(&format!("l2_sq/{name}"), n, k(&a, &b), want, mag);
            }
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn within_worst_case_bound() {
    let mut rng = Rng::new(2);
    for n in lengths() {
        for gen in [Rng::unit, Rng::positive] {
            let a = rng.vec(n, gen);
            let b = rng.vec(n, gen);
            let bound = gamma(n + 1);
            let (mag, exact) = dot_ref(&a, &b);
            for (name, k) in dots() {
                let err = (k(&a, &b) as f64 - exact).abs();
                assert!(err <= bound * mag, "dot/{name} n={n}: error {err:e}");
            }
            let exact = l2_ref(&a, &b);
            for (name, k) in l2s() {
                let err = (k(&a, &b) as f64 - exact).abs();
                assert!(err <= bound * exact, "l2_sq/{name} n={n}: error {err:e}");
            }
        }
    }
}

/// Small integers: every product and partial sum is an integer below 2²⁴, so
/// every summation order is exact and all kernels must agree bit for bit.
/// Catches a skipped, doubled or misplaced element anywhere.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn exact_on_small_integers() {
    let mut rng = Rng::new(3);
    for n in lengths() {
        let a = rng.vec(n, Rng::small_int);
        let b = rng.vec(n, Rng::small_int);
        let dot: i64 = a.iter().zip(&b).map(|(&x, &y)| x as i64 * y as i64).sum();
        let l2: i64 = a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| (x as i64 - y as i64).pow(2))
            .sum();
        for (name, k) in dots() {
            assert_eq!(k(&a, &b), dot as f32, "dot/{name} n={n}");
        }
        for (name, k) in l2s() {
            assert_eq!(k(&a, &b), l2 as f32, "l2_sq/{name} n={n}");
        }
    }
}

/// `portable` with 16 lanes and `simd128` with 4 × f32x4 add in the same
/// order (lane i of the 16 is lane i % 4 of accumulator i / 4, folded the same
/// way), so wasm and native scores are identical, not merely close.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[wasm_bindgen_test]
fn simd128_is_bitwise_portable() {
    let mut rng = Rng::new(4);
    for n in lengths() {
        let a = rng.vec(n, Rng::unit);
        let b = rng.vec(n, Rng::unit);
        assert_eq!(
            simd128::dot(&a, &b).to_bits(),
            portable::dot(&a, &b).to_bits(),
            "n={n}"
        );
        assert_eq!(
            simd128::l2_sq(&a, &b).to_bits(),
            portable::l2_sq(&a, &b).to_bits(),
            "n={n}"
        );
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn mismatched_lengths_use_the_shorter() {
    let mut rng = Rng::new(5);
    let a = rng.vec(100, Rng::unit);
    let b = rng.vec(100, Rng::unit);
    for n in [0, 1, 3, 15, 16, 17, 33, 64, 99] {
        for m in [n, n + 1, n + 16, 100].map(|m| m.min(100)) {
            for (name, k) in dots().into_iter().chain(l2s()) {
                let want = k(&a[..n], &b[..n]);
                assert_eq!(
                    k(&a[..n], &b[..m]).to_bits(),
                    want.to_bits(),
                    "{name} {n} {m}"
                );
                assert_eq!(
                    k(&a[..m], &b[..n]).to_bits(),
                    want.to_bits(),
                    "{name} {m} {n}"
                );
            }
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn empty_and_zero() {
    let mut rng = Rng::new(6);
    for n in lengths() {
        let a = rng.vec(n, Rng::unit);
        let z = vec![0.0f32; n];
        for (name, k) in dots() {
            assert_eq!(k(&a, &z), 0.0, "dot/{name} n={n}");
            assert_eq!(k(&[], &a), 0.0, "dot/{name} n={n}");
        }
        for (name, k) in l2s() {
            // Each difference is exactly 0, so the distance is exactly 0.
            assert_eq!(k(&a, &a), 0.0, "l2_sq/{name} n={n}");
            assert_eq!(k(&a, &[]), 0.0, "l2_sq/{name} n={n}");
        }
    }
    assert_eq!(super::norm(&[]), 0.0);
    assert_eq!(super::norm(&[3.0, 4.0]), 5.0);
}

/// Negation and swapping are exact (round-to-nearest is sign-symmetric), so
/// they must commute with every kernel exactly (up to the sign of an exact
/// zero sum, which `==` ignores).
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn negative_values_are_symmetric() {
    let mut rng = Rng::new(7);
    for n in lengths() {
        let a = rng.vec(n, Rng::unit);
        let b = rng.vec(n, Rng::unit);
        let neg: Vec<f32> = b.iter().map(|x| -x).collect();
        for (name, k) in dots() {
            assert_eq!(k(&a, &neg), -k(&a, &b), "dot/{name} n={n}");
            assert_eq!(k(&b, &a), k(&a, &b), "dot/{name} n={n}");
        }
        for (name, k) in l2s() {
            assert_eq!(k(&b, &a), k(&a, &b), "l2_sq/{name} n={n}");
        }
    }
}

/// Scaling by a power of two is exact away from overflow and underflow, so
/// large (~1e15 per element, ~1e30 per product) and small (~1e-9, ~1e-18)
/// magnitudes must give the unit-scale result scaled, bit for bit.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn large_and_small_magnitudes_scale_exactly() {
    let mut rng = Rng::new(8);
    for n in lengths() {
        let a = rng.vec(n, Rng::unit);
        let b = rng.vec(n, Rng::unit);
        for e in [50, -30] {
            let s = f32::powi(2.0, e);
            let (sa, sb): (Vec<f32>, Vec<f32>) = (
                a.iter().map(|x| x * s).collect(),
                b.iter().map(|x| x * s).collect(),
            );
            for (name, k) in dots().into_iter().chain(l2s()) {
                assert_eq!(k(&sa, &sb), k(&a, &b) * s * s, "{name} n={n} 2^{e}");
            }
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn overflow_gives_infinity_or_nan() {
    for n in lengths().filter(|&n| n > 0) {
        let big = vec![1e20f32; n];
        let neg = vec![-1e20f32; n];
        // Each product (or squared difference) is +inf.
        for (name, k) in dots() {
            assert_eq!(k(&big, &big), f32::INFINITY, "dot/{name} n={n}");
        }
        for (name, k) in l2s() {
            assert_eq!(k(&big, &neg), f32::INFINITY, "l2_sq/{name} n={n}");
        }
        // Products of both signs overflow: inf − inf is NaN in any order.
        if n > 1 {
            let alt: Vec<f32> = (0..n)
                .map(|i| if i % 2 == 0 { 1e20 } else { -1e20 })
                .collect();
            for (name, k) in dots() {
                assert!(k(&big, &alt).is_nan(), "dot/{name} n={n}");
            }
        }
    }
}

/// A NaN at any position, in either input, in the body or the tail, makes
/// the result NaN.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn nan_propagates() {
    let mut rng = Rng::new(9);
    for n in (1..=67).chain([384]) {
        let a = rng.vec(n, Rng::unit);
        let b = rng.vec(n, Rng::unit);
        for p in 0..n {
            let mut x = a.clone();
            x[p] = f32::NAN;
            for (name, k) in dots().into_iter().chain(l2s()) {
                assert!(k(&x, &b).is_nan(), "{name} n={n} at {p}");
                assert!(k(&b, &x).is_nan(), "{name} n={n} at {p}");
            }
        }
    }
}

/// Prints the largest |portable − scalar| / Σ|tᵢ| over 50 seeds, the figures
/// the tolerance above is argued from.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[ignore]
fn error_ratio_probe() {
    for n in [384, 1536, 20000] {
        let mut worst = 0.0f64;
        for seed in 0..50 {
            let mut rng = Rng::new(seed);
            for gen in [Rng::unit, Rng::positive] {
                let a = rng.vec(n, gen);
                let b = rng.vec(n, gen);
                let (mag, _) = dot_ref(&a, &b);
                let d = (portable::dot(&a, &b) as f64 - scalar::dot(&a, &b) as f64).abs();
                worst = worst.max(d / mag);
                let mag = l2_ref(&a, &b);
                let d = (portable::l2_sq(&a, &b) as f64 - scalar::l2_sq(&a, &b) as f64).abs();
                worst = worst.max(d / mag);
            }
        }
        let bound = rel_tol(n);
        #[cfg(not(target_arch = "wasm32"))]
        println!("n={n}: worst ratio {worst:.2e}, bound {bound:.2e}");
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_test::console_log!("n={n}: worst ratio {worst:.2e}, bound {bound:.2e}");
    }
}

// ---- int8 code kernels ------------------------------------------------------
// The same bound: each term (a product of a value and a code, or of two
// decoded codes, or a squared scaled difference) is rounded exactly as in
// `scalar`, so only the order of the additions differs.

type DotU8 = fn(&[f32], &[u8]) -> f32;
type DotCodes = fn(&[f32], &[f32], &[u8], &[u8]) -> f32;
type L2Codes = fn(&[f32], &[u8], &[u8]) -> f32;

/// Every int8 kernel compiled for this target, with the reference first.
fn int8_kernels() -> Vec<(&'static str, DotU8, DotCodes, L2Codes)> {
    let k: Vec<(&'static str, DotU8, DotCodes, L2Codes)> = vec![
        ("scalar", scalar::dot_f32_u8, scalar::dot_codes, scalar::l2_sq_codes),
        ("portable", portable::dot_f32_u8, portable::dot_codes, portable::l2_sq_codes),
        ("dispatch", super::dot_f32_u8, super::dot_codes, super::l2_sq_codes),
    ];
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let k = [k, vec![("simd128", simd128::dot_f32_u8 as DotU8, simd128::dot_codes as DotCodes, simd128::l2_sq_codes as L2Codes)]]
        .concat();
    k
}

fn codes(rng: &mut Rng, n: usize, below: u64) -> Vec<u8> {
    (0..n).map(|_| (rng.next_u64() % below) as u8).collect()
}

/// Σ|tᵢ| of each int8 kernel's terms, rounded to f32 as the kernels do.
fn int8_mags(a: &[f32], mins: &[f32], scales: &[f32], x: &[u8], y: &[u8]) -> (f64, f64, f64) {
    let dot: f64 = a.iter().zip(x).map(|(&v, &c)| (v * c as f32).abs() as f64).sum();
    let pair: f64 = (0..x.len())
        .map(|d| ((mins[d] + scales[d] * x[d] as f32) * (mins[d] + scales[d] * y[d] as f32)).abs() as f64)
        .sum();
    let l2: f64 = (0..x.len())
        .map(|d| {
            let t = scales[d] * (x[d] as f32 - y[d] as f32);
            (t * t) as f64
        })
        .sum();
    (dot, pair, l2)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn int8_kernels_match_scalar() {
    let mut rng = Rng::new(21);
    for n in lengths() {
        let a = rng.vec(n, Rng::unit);
        let mins = rng.vec(n, Rng::unit);
        let scales: Vec<f32> = rng.vec(n, Rng::positive).iter().map(|s| s / 255.0).collect();
        let (x, y) = (codes(&mut rng, n, 256), codes(&mut rng, n, 256));
        let (mag_dot, mag_pair, mag_l2) = int8_mags(&a, &mins, &scales, &x, &y);
        let want = (scalar::dot_f32_u8(&a, &x), scalar::dot_codes(&mins, &scales, &x, &y), scalar::l2_sq_codes(&scales, &x, &y));
        for (name, dot, pair, l2) in int8_kernels() {
            assert_close(&format!("dot_f32_u8/{name}"), n, dot(&a, &x), want.0, mag_dot);
            assert_close(&format!("dot_codes/{name}"), n, pair(&mins, &scales, &x, &y), want.1, mag_pair);
            assert_close(&format!("l2_sq_codes/{name}"), n, l2(&scales, &x, &y), want.2, mag_l2);
        }
    }
}

/// Small integers (codes below 16, integer mins and scales) keep every
/// partial sum exact, so every kernel must give the scalar result bit for
/// bit: an indexing mistake (a lane read twice or skipped) cannot hide in a
/// tolerance. Both codes extremes (0 and 255) are included. Lengths stop
/// where a partial sum could pass 2²⁴ and round.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn int8_kernels_exact_on_integers() {
    let mut rng = Rng::new(22);
    for n in lengths().filter(|&n| n <= 1536) {
        let a = rng.vec(n, Rng::small_int);
        let mins = rng.vec(n, Rng::small_int);
        let scales: Vec<f32> = (0..n).map(|_| (rng.next_u64() % 3) as f32).collect();
        let (x, y) = (codes(&mut rng, n, 16), codes(&mut rng, n, 16));
        let ext: Vec<u8> = (0..n).map(|d| if d % 3 == 0 { 255 } else { 0 }).collect();
        for (name, dot, pair, l2) in int8_kernels() {
            assert_eq!(dot(&a, &x), scalar::dot_f32_u8(&a, &x), "dot_f32_u8/{name} n={n}");
            assert_eq!(pair(&mins, &scales, &x, &y), scalar::dot_codes(&mins, &scales, &x, &y), "dot_codes/{name} n={n}");
            assert_eq!(l2(&scales, &x, &y), scalar::l2_sq_codes(&scales, &x, &y), "l2_sq_codes/{name} n={n}");
            if n > 384 {
                continue; // 255² per term: exact up to here
            }
            let ones = vec![1.0f32; n];
            let want = (n.div_ceil(3) * 255) as f32;
            assert_eq!(dot(&ones, &ext), want, "dot_f32_u8/{name} n={n} extremes");
            assert_eq!(l2(&ones, &ext, &vec![0u8; n]), (n.div_ceil(3) * 255 * 255) as f32, "l2_sq_codes/{name} n={n}");
        }
    }
}

/// Mismatched lengths use the shortest input, as the f32 kernels do.
#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn int8_kernels_use_the_shortest_input() {
    let mut rng = Rng::new(23);
    for n in [0, 1, 15, 16, 17, 40, 384] {
        let a = rng.vec(n + 9, Rng::unit);
        let mins = rng.vec(n + 5, Rng::unit);
        let scales = rng.vec(n + 21, Rng::positive);
        let (x, y) = (codes(&mut rng, n + 3, 256), codes(&mut rng, n, 256));
        for (name, dot, pair, l2) in int8_kernels() {
            assert_eq!(dot(&a, &x).to_bits(), dot(&a[..n + 3], &x).to_bits(), "dot_f32_u8/{name} n={n}");
            assert_eq!(
                pair(&mins, &scales, &x, &y).to_bits(),
                pair(&mins[..n], &scales[..n], &x[..n], &y).to_bits(),
                "dot_codes/{name} n={n}"
            );
            assert_eq!(l2(&scales, &x, &y).to_bits(), l2(&scales[..n], &x[..n], &y).to_bits(), "l2_sq_codes/{name} n={n}");
        }
    }
}

/// On wasm the SIMD128 int8 kernels add in `portable`'s order, so an s1
/// index scores the same in the browser as natively.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[wasm_bindgen_test]
fn int8_simd128_equals_portable_bit_for_bit() {
    let mut rng = Rng::new(24);
    for n in lengths() {
        let a = rng.vec(n, Rng::unit);
        let mins = rng.vec(n, Rng::unit);
        let scales = rng.vec(n, Rng::positive);
        let (x, y) = (codes(&mut rng, n, 256), codes(&mut rng, n, 256));
        assert_eq!(simd128::dot_f32_u8(&a, &x).to_bits(), portable::dot_f32_u8(&a, &x).to_bits(), "n={n}");
        assert_eq!(
            simd128::dot_codes(&mins, &scales, &x, &y).to_bits(),
            portable::dot_codes(&mins, &scales, &x, &y).to_bits(),
            "n={n}"
        );
        assert_eq!(simd128::l2_sq_codes(&scales, &x, &y).to_bits(), portable::l2_sq_codes(&scales, &x, &y).to_bits(), "n={n}");
    }
}
