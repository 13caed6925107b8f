//! Records as the engine stores and returns them.

use crate::metadata::Metadata;

/// A sparse vector: strictly increasing `indices` with matching `values`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl SparseVector {
    /// Dot product of two sparse vectors (sum over shared indices).
    /// Both must have strictly increasing indices.
    pub fn dot(&self, other: &SparseVector) -> f32 {
        let (mut i, mut j, mut s) = (0, 0, 0.0f32);
        // Bounded by both lists' lengths so a malformed vector cannot index
        // out of bounds.
        let n = self.indices.len().min(self.values.len());
        let m = other.indices.len().min(other.values.len());
        while i < n && j < m {
            match self.indices[i].cmp(&other.indices[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    s += self.values[i] * other.values[j];
                    i += 1;
                    j += 1;
                }
            }
        }
        s
    }
}

/// One record: an id, a dense vector (empty on sparse indexes), an optional
/// sparse vector and optional metadata.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record {
    pub id: String,
    pub values: Vec<f32>,
    pub sparse: Option<SparseVector>,
    pub metadata: Option<Metadata>,
}
