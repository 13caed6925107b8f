//! The [`Space`] trait: what the HNSW graph needs from a vector store
//! (similarity of a prepared query to a slot, and of two slots), implemented
//! by the f32 [`Vectors`] arena here and by the int8
//! [`QuantizedVectors`](super::quant::QuantizedVectors).
//!
//! **Invariant**: similarities are "higher is closer" for every metric, the
//! same convention as [`Vectors::sim`]. A store only answers for slots below
//! [`Space::slots`]; the graph never asks about a slot at or past that bound
//! (it treats such nodes as absent), so a graph paired with the wrong store
//! degrades instead of panicking.

use crate::vectors::{Query, Vectors};

/// A slot-addressed vector store that the graph can traverse.
pub trait Space {
    /// A query prepared once and compared against many slots.
    type Query<'q>;

    /// Number of addressable slots (live or free); the graph only asks about
    /// slots below this.
    fn slots(&self) -> usize;

    /// Similarity of the prepared query to the vector at `slot`.
    fn sim(&self, q: &Self::Query<'_>, slot: u32) -> f32;

    /// Similarity between two stored vectors.
    fn sim_slots(&self, a: u32, b: u32) -> f32;

    /// The stored vector at `slot` as a prepared query (`None` past the
    /// end): `sim(&slot_query(a), b)` equals `sim_slots(a, b)`, possibly
    /// through a faster kernel. Insertion compares the new node this way.
    fn slot_query(&self, slot: u32) -> Option<Self::Query<'_>>;
}

impl Space for Vectors {
    type Query<'q> = Query<'q>;

    #[inline]
    fn slots(&self) -> usize {
        Vectors::slots(self)
    }

    #[inline]
    fn sim(&self, q: &Query<'_>, slot: u32) -> f32 {
        Vectors::sim(self, q, slot)
    }

    #[inline]
    fn sim_slots(&self, a: u32, b: u32) -> f32 {
        Vectors::sim_slots(self, a, b)
    }

    fn slot_query(&self, slot: u32) -> Option<Query<'_>> {
        ((slot as usize) < self.slots()).then(|| self.prepare(self.get(slot)))
    }
}
