//! HNSW graph index over slots of a [`Vectors`] arena.

use crate::error::{Error, Result};
use crate::vectors::{Query, Vectors};

/// Graph parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HnswParams {
    /// Links per node on layers above 0 (layer 0 has `2 * m`).
    pub m: usize,
    pub ef_construction: usize,
    pub ef_search: usize,
    pub seed: u64,
}

impl Default for HnswParams {
    fn default() -> Self {
        HnswParams { m: 16, ef_construction: 200, ef_search: 100, seed: 0x5eed }
    }
}

/// An HNSW graph whose nodes are slots of a [`Vectors`] arena.
#[derive(Debug, Clone)]
pub struct Hnsw {
    params: HnswParams,
}

impl Hnsw {
    pub fn new(params: HnswParams) -> Result<Hnsw> {
        if params.m == 0 {
            return Err(Error::invalid("HNSW parameter m must be at least 1"));
        }
        Ok(Hnsw { params })
    }

    /// Bytes of memory held by the graph.
    pub fn heap_bytes(&self) -> usize {
        0
    }

    pub fn params(&self) -> HnswParams {
        self.params
    }

    /// Adds (or replaces) the node for `slot`, whose vector is already in
    /// `vectors`.
    pub fn insert(&mut self, _slot: u32, _vectors: &Vectors) {}

    /// Removes `slot` from the graph, repairing its neighbours' links.
    pub fn remove(&mut self, _slot: u32, _vectors: &Vectors) {}

    /// The `k` most similar accepted slots, most similar first, as
    /// `(slot, similarity)`; `ef` is the candidate list size (>= k).
    pub fn search(
        &self,
        _q: &Query<'_>,
        _k: usize,
        _ef: usize,
        _vectors: &Vectors,
        _accept: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        Vec::new()
    }
}
