//! Distance kernels and Pinecone's metrics.
//!
//! `scalar` is the reference; `simd128` (wasm32 with `+simd128`) must agree
//! with it within the bound stated in its tests. Callers use the dispatching
//! functions here and never name an instruction set.

pub mod scalar;

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

/// Dot product of two equal-length slices.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    scalar::dot(a, b)
}

/// Squared euclidean distance of two equal-length slices.
#[inline]
pub fn l2_sq(a: &[f32], b: &[f32]) -> f32 {
    scalar::l2_sq(a, b)
}

/// Euclidean norm.
#[inline]
pub fn norm(a: &[f32]) -> f32 {
    dot(a, a).sqrt()
}
