//! Distance kernels and Pinecone's metrics.
//!
//! One file per instruction set: `scalar` is the sequential reference;
//! `simd128` (wasm32 with `+simd128`) and `portable` (everything else: plain
//! Rust that LLVM auto-vectorises) must agree with it within the bound stated
//! in `tests.rs`. The choice is made at compile time. Callers use the
//! dispatching functions here and never name an instruction set.
//!
//! Every kernel accepts slices of any length: mismatched lengths use the
//! shorter one (checking dimensions is the caller's job), empty input
//! gives 0.0, and a NaN anywhere in the used range gives NaN.

pub mod portable;
pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;

#[cfg(test)]
mod bench;
#[cfg(test)]
mod tests;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
use portable as kernel;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use simd128 as kernel;

use serde::{Deserialize, Serialize};

/// Pinecone's similarity metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    Cosine,
    Euclidean,
    #[serde(rename = "dotproduct")]
    DotProduct,
}

impl Metric {
    pub fn parse(s: &str) -> Option<Metric> {
        match s {
            "cosine" => Some(Metric::Cosine),
            "euclidean" => Some(Metric::Euclidean),
            "dotproduct" => Some(Metric::DotProduct),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Cosine => "cosine",
            Metric::Euclidean => "euclidean",
            Metric::DotProduct => "dotproduct",
        }
    }

    /// Converts an internal similarity (higher is closer for every metric)
    /// into the score Pinecone reports (euclidean: squared distance, lower is
    /// closer).
    pub fn score_from_sim(self, sim: f32) -> f32 {
        match self {
            Metric::Euclidean => -sim,
            _ => sim,
        }
    }
}

/// Dot product over the first `min(a.len(), b.len())` elements.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    kernel::dot(a, b)
}

/// Squared euclidean distance over the first `min(a.len(), b.len())`
/// elements.
#[inline]
pub fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    kernel::l2_sq(a, b)
}

/// Euclidean norm.
#[inline]
pub fn norm(a: &[f32]) -> f32 {
    dot(a, a).sqrt()
}

/// `Σ a[d] · c[d]` of f32 values against int8 codes, over the shorter.
#[inline]
pub fn dot_f32_u8(a: &[f32], c: &[u8]) -> f32 {
    kernel::dot_f32_u8(a, c)
}

/// Dot product of two code rows decoded as `min + scale · code`, over the
/// shortest of the four slices.
#[inline]
pub fn dot_codes(mins: &[f32], scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    kernel::dot_codes(mins, scales, a, b)
}

/// Squared euclidean distance of two code rows decoded as
/// `min + scale · code` (the mins cancel), over the shortest.
#[inline]
pub fn l2_sq_codes(scales: &[f32], a: &[u8], b: &[u8]) -> f32 {
    kernel::l2_sq_codes(scales, a, b)
}
