//! Scalar reference kernels: plain sequential f32 loops.

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut s = 0.0f32;
    for (x, y) in a.iter().zip(b) {
        s += x * y;
    }
    s
}

pub fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    let mut s = 0.0f32;
    for (x, y) in a.iter().zip(b) {
        let d = x - y;
        s += d * d;
    }
    s
}

// ---- int8 codes (see `crate::index::quant`) --------------------------------
// A code `c` stands for `min + scale * c`. Each term is rounded exactly as
// the other kernels round it; only the order of the additions differs.

/// `Σ a[d] · c[d]`: a prepared (pre-scaled) f32 query against codes.
pub fn dot_f32_u8(a: &[f32], c: &[u8]) -> f32 {
    add_dot_f32_u8(0.0, a, c)
}

/// `Σ (min[d] + scale[d]·a[d]) · (min[d] + scale[d]·b[d])`: the dot product
/// of two decoded code rows.
pub fn dot_codes(mins: &[f32], scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    add_dot_codes(0.0, mins, scales, a, b)
}

/// `Σ (scale[d]·(a[d] − b[d]))²`: the squared distance of two decoded rows.
pub fn l2_sq_codes(scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    add_l2_sq_codes(0.0, scales, a, b)
}

// The `add_*` forms add the terms to `s` one after another: the reference
// itself from 0, and the sequential tail of the other kernels after their
// lanes are folded.

pub fn add_dot_f32_u8(mut s: f32, a: &[f32], c: &[u8]) -> f32 {
    for (x, &y) in a.iter().zip(c) {
        s += x * y as f32;
    }
    s
}

pub fn add_dot_codes(mut s: f32, mins: &[f32], scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    for ((m, k), (&x, &y)) in mins.iter().zip(scales).zip(a.iter().zip(b)) {
        s += (m + k * x as f32) * (m + k * y as f32);
    }
    s
}

pub fn add_l2_sq_codes(mut s: f32, scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    for (k, (&x, &y)) in scales.iter().zip(a.iter().zip(b)) {
        let t = k * (x as f32 - y as f32);
        s += t * t;
    }
    s
}
