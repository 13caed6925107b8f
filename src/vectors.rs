//! The dense-vector arena of one namespace: slot-addressed, contiguous f32
//! storage with a dimension stride, plus each vector's norm.
//!
//! **Invariant**: `data.len() == slots * dim` and `norms.len() == slots`;
//! a slot's contents are meaningful only while the namespace maps an id to it
//! (free slots keep stale bytes and are overwritten on reuse).
//! Similarities are "higher is closer" for every metric; see
//! [`Metric::score_from_sim`] for the user-facing score.

use crate::distance::{self, Metric};

#[derive(Debug, Clone)]
pub struct Vectors {
    dim: usize,
    metric: Metric,
    data: Vec<f32>,
    norms: Vec<f32>,
}

/// A query vector prepared for repeated similarity computations.
#[derive(Debug, Clone)]
pub struct Query<'a> {
    pub values: &'a [f32],
    pub norm: f32,
}

impl Vectors {
    pub fn new(dim: usize, metric: Metric) -> Self {
        Vectors { dim, metric, data: Vec::new(), norms: Vec::new() }
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Number of slots allocated (live or free).
    pub fn slots(&self) -> usize {
        self.norms.len()
    }

    /// Bytes held by vector data and norms.
    pub fn heap_bytes(&self) -> usize {
        (self.data.capacity() + self.norms.capacity()) * 4
    }

    /// Stores `v` (which must have length `dim`) at `slot`, growing the arena.
    pub fn set(&mut self, slot: u32, v: &[f32]) {
        debug_assert_eq!(v.len(), self.dim);
        let slot = slot as usize;
        if slot >= self.norms.len() {
            self.norms.resize(slot + 1, 0.0);
            self.data.resize((slot + 1) * self.dim, 0.0);
        }
        self.data[slot * self.dim..(slot + 1) * self.dim].copy_from_slice(v);
        self.norms[slot] = distance::norm(v);
    }

    /// The vector at `slot`. Panics only if `slot` was never set (an engine
    /// bug, not reachable from input).
    #[inline]
    pub fn get(&self, slot: u32) -> &[f32] {
        let s = slot as usize * self.dim;
        &self.data[s..s + self.dim]
    }

    pub fn prepare<'a>(&self, values: &'a [f32]) -> Query<'a> {
        Query { values, norm: distance::norm(values) }
    }

    /// Similarity of a stored vector to a query: higher is closer.
    #[inline]
    pub fn sim(&self, q: &Query<'_>, slot: u32) -> f32 {
        let v = self.get(slot);
        match self.metric {
            Metric::DotProduct => distance::dot(q.values, v),
            Metric::Euclidean => -distance::l2_sq(q.values, v),
            Metric::Cosine => {
                let denom = q.norm * self.norms[slot as usize];
                if denom == 0.0 {
                    0.0
                } else {
                    distance::dot(q.values, v) / denom
                }
            }
        }
    }

    /// Cosine similarity of a stored vector to a query, whatever the metric.
    #[inline]
    pub fn cosine(&self, q: &Query<'_>, slot: u32) -> f32 {
        let denom = q.norm * self.norms[slot as usize];
        if denom == 0.0 {
            0.0
        } else {
            distance::dot(q.values, self.get(slot)) / denom
        }
    }

    /// Similarity between two stored vectors: higher is closer.
    #[inline]
    pub fn sim_slots(&self, a: u32, b: u32) -> f32 {
        let q = Query { values: self.get(a), norm: self.norms[a as usize] };
        self.sim(&q, b)
    }
}
