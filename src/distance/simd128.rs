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
    f32x4_add, f32x4_convert_u32x4, f32x4_extract_lane, f32x4_mul, f32x4_splat, f32x4_sub,
    u16x8_extend_high_u8x16, u16x8_extend_low_u8x16, u32x4_extend_high_u16x8,
    u32x4_extend_low_u16x8, v128, v128_load,
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

/// Loads 16 int8 codes as the four `f32x4` of their values (codes 0..=255
/// convert exactly), in the order of [`load16`]'s floats.
#[inline(always)]
fn load16_codes(c: &[u8]) -> [v128; 4] {
    assert!(c.len() >= STEP);
    // SAFETY: `c` holds at least 16 bytes (asserted above; callers pass
    // `chunks_exact(16)` chunks, so the check folds away): the one 16-byte
    // read stays inside `c`, and `v128_load` needs no alignment.
    let v = unsafe { v128_load(c.as_ptr().cast::<v128>()) };
    let (lo, hi) = (u16x8_extend_low_u8x16(v), u16x8_extend_high_u8x16(v));
    [
        f32x4_convert_u32x4(u32x4_extend_low_u16x8(lo)),
        f32x4_convert_u32x4(u32x4_extend_high_u16x8(lo)),
        f32x4_convert_u32x4(u32x4_extend_low_u16x8(hi)),
        f32x4_convert_u32x4(u32x4_extend_high_u16x8(hi)),
    ]
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

// ---- int8 codes: the order of `portable`'s 16 lanes, so results agree bit
// for bit with native builds.

/// See [`super::scalar::dot_f32_u8`].
#[inline]
pub fn dot_f32_u8(a: &[f32], c: &[u8]) -> f32 {
    let n = a.len().min(c.len());
    let (a, c) = (&a[..n], &c[..n]);
    let (ca, cc) = (a.chunks_exact(STEP), c.chunks_exact(STEP));
    let (ra, rc) = (ca.remainder(), cc.remainder());
    let mut acc = [f32x4_splat(0.0); 4];
    for (x, y) in ca.zip(cc) {
        let (x, y) = (load16(x), load16_codes(y));
        for i in 0..4 {
            acc[i] = f32x4_add(acc[i], f32x4_mul(x[i], y[i]));
        }
    }
    super::scalar::add_dot_f32_u8(hsum(acc), ra, rc)
}

/// See [`super::scalar::dot_codes`].
#[inline]
pub fn dot_codes(mins: &[f32], scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    let n = mins.len().min(scales.len()).min(a.len()).min(b.len());
    let (mins, scales, a, b) = (&mins[..n], &scales[..n], &a[..n], &b[..n]);
    let full = n / STEP * STEP;
    let mut acc = [f32x4_splat(0.0); 4];
    let chunks = mins[..full]
        .chunks_exact(STEP)
        .zip(scales[..full].chunks_exact(STEP))
        .zip(a[..full].chunks_exact(STEP).zip(b[..full].chunks_exact(STEP)));
    for ((m, k), (x, y)) in chunks {
        let (m, k, x, y) = (load16(m), load16(k), load16_codes(x), load16_codes(y));
        for i in 0..4 {
            let u = f32x4_add(m[i], f32x4_mul(k[i], x[i]));
            let v = f32x4_add(m[i], f32x4_mul(k[i], y[i]));
            acc[i] = f32x4_add(acc[i], f32x4_mul(u, v));
        }
    }
    super::scalar::add_dot_codes(hsum(acc), &mins[full..], &scales[full..], &a[full..], &b[full..])
}

/// See [`super::scalar::l2_sq_codes`].
#[inline]
pub fn l2_sq_codes(scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    let n = scales.len().min(a.len()).min(b.len());
    let (scales, a, b) = (&scales[..n], &a[..n], &b[..n]);
    let full = n / STEP * STEP;
    let mut acc = [f32x4_splat(0.0); 4];
    let chunks = scales[..full].chunks_exact(STEP).zip(a[..full].chunks_exact(STEP).zip(b[..full].chunks_exact(STEP)));
    for (k, (x, y)) in chunks {
        let (k, x, y) = (load16(k), load16_codes(x), load16_codes(y));
        for i in 0..4 {
            let t = f32x4_mul(k[i], f32x4_sub(x[i], y[i]));
            acc[i] = f32x4_add(acc[i], f32x4_mul(t, t));
        }
    }
    super::scalar::add_l2_sq_codes(hsum(acc), &scales[full..], &a[full..], &b[full..])
}
