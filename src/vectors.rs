//! The dense-vector arena of one namespace: slot-addressed f32 storage with
//! a dimension stride, in chunks of a power-of-two number of slots (about
//! 4 MiB each), plus each vector's norm.
//!
//! Chunks, not one `Vec`: a contiguous arena grows by doubling, so at
//! 100k × 384 it held up to twice the data and, while reallocating, the old
//! copy too (wasm memory never shrinks: the high-water mark stays). Chunks
//! grow one at a time; only the last one has slack.
//!
//! **Invariant**: every chunk but the last holds exactly `chunk_slots * dim`
//! floats, the last holds the rest, so the chunks hold `slots * dim` floats;
//! `norms.len() == slots`. A slot's contents are meaningful only while the
//! namespace maps an id to it (free slots keep stale bytes and are
//! overwritten on reuse).
//! Similarities are "higher is closer" for every metric; see
//! [`Metric::score_from_sim`] for the user-facing score.

use crate::distance::{self, Metric};

/// Target bytes of one chunk (rounded to a power-of-two slot count).
const CHUNK_BYTES: usize = 4 << 20;

#[derive(Debug, Clone)]
pub struct Vectors {
    dim: usize,
    metric: Metric,
    /// `log2` of the slots per chunk.
    shift: u32,
    chunks: Vec<Vec<f32>>,
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
        let per_chunk = (CHUNK_BYTES / (dim.max(1) * 4)).max(1);
        // The largest power of two not above `per_chunk`.
        let shift = usize::BITS - 1 - per_chunk.leading_zeros();
        Vectors { dim, metric, shift, chunks: Vec::new(), norms: Vec::new() }
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
        (self.chunks.iter().map(Vec::capacity).sum::<usize>() + self.norms.capacity()) * 4
            + self.chunks.capacity() * std::mem::size_of::<Vec<f32>>()
    }

    /// Stores `v` (which must have length `dim`) at `slot`, growing the arena.
    pub fn set(&mut self, slot: u32, v: &[f32]) {
        debug_assert_eq!(v.len(), self.dim);
        let slot = slot as usize;
        if slot >= self.norms.len() {
            self.grow(slot + 1);
        }
        let (c, off) = self.locate(slot);
        self.chunks[c][off..off + self.dim].copy_from_slice(v);
        self.norms[slot] = distance::norm(v);
    }

    /// Grows the arena to `slots` slots (zero-filled).
    fn grow(&mut self, slots: usize) {
        let old = self.norms.len();
        self.norms.resize(slots, 0.0);
        let full = (1usize << self.shift) * self.dim;
        let last = (slots - 1) >> self.shift;
        // Chunks before the last become full; the last holds up to `slots`.
        for c in (old >> self.shift)..=last {
            if c == self.chunks.len() {
                self.chunks.push(Vec::new());
            }
            let len = if c < last { full } else { (slots - (c << self.shift)) * self.dim };
            let chunk = &mut self.chunks[c];
            if chunk.len() < len {
                // A full chunk exactly; the last one by an eighth of what it
                // holds (not Vec's doubling), capped at full.
                let want = if len == full { full } else { len.max(chunk.len() + chunk.len() / 8).min(full) };
                if chunk.capacity() < want {
                    chunk.reserve_exact(want - chunk.len());
                }
                chunk.resize(len, 0.0);
            }
        }
    }

    /// Chunk and offset of `slot`'s first float.
    #[inline]
    fn locate(&self, slot: usize) -> (usize, usize) {
        (slot >> self.shift, (slot & ((1 << self.shift) - 1)) * self.dim)
    }

    /// The vector at `slot`. Panics only if `slot` was never set (an engine
    /// bug, not reachable from input).
    #[inline]
    pub fn get(&self, slot: u32) -> &[f32] {
        let (c, off) = self.locate(slot as usize);
        &self.chunks[c][off..off + self.dim]
    }

    pub fn prepare<'a>(&self, values: &'a [f32]) -> Query<'a> {
        Query { values, norm: distance::norm(values) }
    }

    /// Similarity of a stored vector to a query: higher is closer.
    #[inline]
    pub fn sim(&self, q: &Query<'_>, slot: u32) -> f32 {
        sim_with_norm(self.metric, q, self.get(slot), self.norms[slot as usize])
    }

    /// Similarity of a vector held elsewhere (read back from storage) to a
    /// query, exactly as [`Vectors::sim`] would score it stored here.
    pub fn sim_values(&self, q: &Query<'_>, v: &[f32]) -> f32 {
        let norm = if self.metric == Metric::Cosine { distance::norm(v) } else { 0.0 };
        sim_with_norm(self.metric, q, v, norm)
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

#[inline]
fn sim_with_norm(metric: Metric, q: &Query<'_>, v: &[f32], v_norm: f32) -> f32 {
    match metric {
        Metric::DotProduct => distance::dot(q.values, v),
        Metric::Euclidean => -distance::l2_sq(q.values, v),
        Metric::Cosine => {
            let denom = q.norm * v_norm;
            if denom == 0.0 {
                0.0
            } else {
                distance::dot(q.values, v) / denom
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slots spread over several chunks, written out of order (a jump
    /// allocates the slots before it), read back exactly; only the last
    /// chunk has slack.
    #[test]
    fn chunked_arena_round_trips_across_chunk_boundaries() {
        for dim in [3000usize, 1 << 20] {
            let mut v = Vectors::new(dim, Metric::Euclidean);
            let per_chunk = 1usize << v.shift;
            assert!(per_chunk * dim * 4 <= CHUNK_BYTES && 2 * per_chunk * dim * 4 > CHUNK_BYTES);
            let n = if dim == 3000 { 3 * per_chunk + 5 } else { 5 };
            let val = |s: usize, i: usize| (s * 31 + i % 97) as f32;
            let mut order: Vec<usize> = (0..n).collect();
            order.swap(0, n - 2); // the first write jumps far ahead
            for &s in &order {
                let row: Vec<f32> = (0..dim).map(|i| val(s, i)).collect();
                v.set(s as u32, &row);
            }
            assert_eq!(v.slots(), n);
            for s in 0..n {
                let got = v.get(s as u32);
                assert_eq!(got.len(), dim);
                assert!(got.iter().enumerate().all(|(i, &x)| x == val(s, i)), "slot {s} dim {dim}");
            }
            let data = n * dim * 4;
            let slack = per_chunk * dim * 4;
            assert!(v.heap_bytes() >= data && v.heap_bytes() <= data + slack + 2 * n * 4 + 4096, "dim {dim}");
        }
    }

    #[test]
    fn zero_dimension_has_no_data() {
        let mut v = Vectors::new(0, Metric::DotProduct);
        v.set(3, &[]);
        assert_eq!(v.slots(), 4);
        assert!(v.get(2).is_empty());
    }
}
