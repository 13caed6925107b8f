//! wasm32 SIMD128 kernels (`core::arch::wasm32`), compiled only when the
//! `simd128` target feature is on (see `.cargo/config.toml`).
//!
//! Shape: four independent `f32x4` accumulators over 16 floats per step, one
//! pairwise horizontal sum, then a sequential scalar tail. Every function uses
//! the shorter of its two inputs and is safe to call. Products and
//! differences round exactly as in [`super::scalar`] (`f32x4_mul` then
//! `f32x4_add`, no fused multiply-add); only the summation order differs.
//!
//! This is the only file in the crate with `unsafe`: the unaligned 16-byte
//! loads, each justified by the chunk it reads from.

use core::arch::wasm32::{
    f32x4_add, f32x4_extract_lane, f32x4_mul, f32x4_splat, f32x4_sub, v128, v128_load,
};

/// Floats consumed per loop step: four `f32x4` accumulators.
const STEP: usize = 16;

/// Loads the four `f32x4` of one 16-float chunk.
#[inline(always)]
fn load16(c: &[f32]) -> [v128; 4] {
    assert!(c.len() >= STEP);
    let p = c.as_ptr();
    // SAFETY: `c` holds at least 16 f32 (asserted above; callers pass
    // `chunks_exact(16)` chunks, so the check folds away), so the 16-byte reads
    // at float offsets 0, 4, 8 and 12 stay inside `c`; `v128_load` is a
    // 1-aligned load, so the f32 alignment of `p` suffices.
    unsafe {
        [
            v128_load(p.cast::<v128>()),
            v128_load(p.add(4).cast::<v128>()),
            v128_load(p.add(8).cast::<v128>()),
            v128_load(p.add(12).cast::<v128>()),
        ]
    }
}

/// Pairwise horizontal sum of four accumulators.
#[inline(always)]
fn hsum(acc: [v128; 4]) -> f32 {
    let v = f32x4_add(f32x4_add(acc[0], acc[2]), f32x4_add(acc[1], acc[3]));
    (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<2>(v))
        + (f32x4_extract_lane::<1>(v) + f32x4_extract_lane::<3>(v))
}

#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ca, cb) = (a.chunks_exact(STEP), b.chunks_exact(STEP));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut acc = [f32x4_splat(0.0); 4];
    for (x, y) in ca.zip(cb) {
        let (x, y) = (load16(x), load16(y));
        for i in 0..4 {
            acc[i] = f32x4_add(acc[i], f32x4_mul(x[i], y[i]));
        }
    }
    let mut s = hsum(acc);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

#[inline]
pub fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (ca, cb) = (a.chunks_exact(STEP), b.chunks_exact(STEP));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    let mut acc = [f32x4_splat(0.0); 4];
    for (x, y) in ca.zip(cb) {
        let (x, y) = (load16(x), load16(y));
        for i in 0..4 {
            let d = f32x4_sub(x[i], y[i]);
            acc[i] = f32x4_add(acc[i], f32x4_mul(d, d));
        }
    }
    let mut s = hsum(acc);
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        s += d * d;
    }
    s
}
