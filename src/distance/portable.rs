//! Portable multi-accumulator kernels in plain Rust, shaped so LLVM
//! auto-vectorises them: `LANES` independent partial sums over
//! `chunks_exact(LANES)`, folded pairwise at the end, then a sequential tail.
//! This is the native path (SSE2 as built by default, AVX/NEON when enabled)
//! and the wasm32 path without `simd128`. Every function uses the shorter of
//! its two inputs.
//!
//! Each product and difference is rounded exactly as in [`super::scalar`] (no
//! fused multiply-add); only the summation order differs. That order is also
//! exactly `simd128`'s (lane `i` here is lane `i % 4` of its accumulator
//! `i / 4`, folded the same way), so native and wasm scores agree bit for bit.

/// Independent partial sums per step: four SSE2 / SIMD128 registers, enough
/// independent add chains to hide FP-add latency. (8 and 32 measured no
/// faster natively; 32 was slower on wasm.)
pub const LANES: usize = 16;

#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut acc = [0.0f32; LANES];
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut s = reduce(acc);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[inline]
pub fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut acc = [0.0f32; LANES];
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            let d = x[i] - y[i];
            acc[i] += d * d;
        }
    }
    let mut s = reduce(acc);
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        s += d * d;
    }
    s
}

// ---- int8 codes: same lanes, same fold, so `simd128` agrees bit for bit --

/// See [`super::scalar::dot_f32_u8`].
#[inline]
pub fn dot_f32_u8(a: &[f32], c: &[u8]) -> f32 {
    let n = a.len().min(c.len());
    let (a, c) = (&a[..n], &c[..n]);
    let (ca, cc) = (a.chunks_exact(LANES), c.chunks_exact(LANES));
    let (ra, rc) = (ca.remainder(), cc.remainder());
    let mut acc = [0.0f32; LANES];
    for (x, y) in ca.zip(cc) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i] as f32;
        }
    }
    super::scalar::add_dot_f32_u8(reduce(acc), ra, rc)
}

/// See [`super::scalar::dot_codes`].
#[inline]
pub fn dot_codes(mins: &[f32], scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    let n = mins.len().min(scales.len()).min(a.len()).min(b.len());
    let (mins, scales, a, b) = (&mins[..n], &scales[..n], &a[..n], &b[..n]);
    let full = n / LANES * LANES;
    let mut acc = [0.0f32; LANES];
    let chunks = mins[..full]
        .chunks_exact(LANES)
        .zip(scales[..full].chunks_exact(LANES))
        .zip(a[..full].chunks_exact(LANES).zip(b[..full].chunks_exact(LANES)));
    for ((m, k), (x, y)) in chunks {
        for i in 0..LANES {
            acc[i] += (m[i] + k[i] * x[i] as f32) * (m[i] + k[i] * y[i] as f32);
        }
    }
    super::scalar::add_dot_codes(reduce(acc), &mins[full..], &scales[full..], &a[full..], &b[full..])
}

/// See [`super::scalar::l2_sq_codes`].
#[inline]
pub fn l2_sq_codes(scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    let n = scales.len().min(a.len()).min(b.len());
    let (scales, a, b) = (&scales[..n], &a[..n], &b[..n]);
    let full = n / LANES * LANES;
    let mut acc = [0.0f32; LANES];
    let chunks = scales[..full].chunks_exact(LANES).zip(a[..full].chunks_exact(LANES).zip(b[..full].chunks_exact(LANES)));
    for (k, (x, y)) in chunks {
        for i in 0..LANES {
            let t = k[i] * (x[i] as f32 - y[i] as f32);
            acc[i] += t * t;
        }
    }
    super::scalar::add_l2_sq_codes(reduce(acc), &scales[full..], &a[full..], &b[full..])
}

/// Pairwise sum of the accumulators: the upper half folds onto the lower
/// half until one lane is left (16 → 8 → 4 → 2 → 1), the shape a vector
/// reduction takes.
///
/// Not inlined on purpose: inlined, this fold's last two-lane step seeds
/// LLVM's SLP vectoriser, which then builds the main loop from two-lane
/// vectors (8-byte loads, half-width `mulps`), 1.7× slower on cache-resident
/// data. The call costs a few cycles once per kernel call.
#[inline(never)]
fn reduce(mut acc: [f32; LANES]) -> f32 {
    let mut w = LANES;
    while w > 1 {
        w /= 2;
        for i in 0..w {
            acc[i] += acc[i + w];
        }
    }
    acc[0]
}
