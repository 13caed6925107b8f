//! int8 scalar quantisation of a namespace's vectors: one byte per dimension
//! plus one f32 per slot, for traversing the HNSW graph with a quarter of the
//! memory traffic; the final candidates are rescored with the f32 arena.
//!
//! Each dimension `d` has a trained range `[min_d, min_d + 255 * scale_d]`;
//! a value `x` is stored as the code `c = round((x - min_d) / scale_d)`
//! clamped to `0..=255`, and read back as `min_d + scale_d * c`. Values
//! outside the trained range are clamped (the rescoring step repairs the
//! ranking error this causes; retrain when the data drifts far).
//!
//! **Invariant**: `codes.len() == slots * dim`, `norms.len() == slots`;
//! `norms[s]` is the norm of the *decoded* vector at `s`, so every similarity
//! here is the exact similarity of the decoded vectors (cosine and euclidean
//! stay consistent between query-to-slot and slot-to-slot).
//! Queries are not quantised (asymmetric distance): a query is folded into
//! `q_d * scale_d` once, so query-to-slot similarity costs one multiply-add
//! per dimension on the codes.

use super::space::Space;
use crate::distance::{self, Metric};
use crate::error::{Error, Result};
use crate::vectors::Vectors;

/// Number of code values above zero (codes are `0..=LEVELS`).
const LEVELS: f32 = 255.0;
/// A value this many codes outside its trained range counts as far out
/// (a tenth of the range).
const FAR_CODES: f32 = LEVELS / 10.0;

/// An int8 (u8-coded) scalar-quantised copy of a slot-addressed vector arena.
#[derive(Debug, Clone)]
pub struct QuantizedVectors {
    dim: usize,
    metric: Metric,
    mins: Vec<f32>,
    scales: Vec<f32>,
    /// `1 / scale_d`, or 0 where the range is empty (every value codes to 0).
    inv_scales: Vec<f32>,
    codes: Vec<u8>,
    norms: Vec<f32>,
    /// Vectors encoded since training with a value far outside its trained
    /// range (see [`QuantizedVectors::far_out`]).
    far_out: usize,
}

/// A query prepared for [`QuantizedVectors`]: `scaled[d] = q_d * scale_d`,
/// `offset = sum_d q_d * min_d`, so `q . decoded(x) = offset + scaled . codes`.
#[derive(Debug, Clone)]
pub struct QuantQuery {
    scaled: Vec<f32>,
    offset: f32,
    norm: f32,
}

impl QuantizedVectors {
    /// Per-dimension ranges from the finite values of `samples` (vectors of
    /// length `dim`; others are skipped). Errors when no sample has length
    /// `dim`.
    pub fn train<'a>(
        dim: usize,
        metric: Metric,
        samples: impl IntoIterator<Item = &'a [f32]>,
    ) -> Result<Self> {
        let mut lo = vec![f32::INFINITY; dim];
        let mut hi = vec![f32::NEG_INFINITY; dim];
        let mut seen = false;
        for v in samples {
            if v.len() != dim {
                continue;
            }
            seen = true;
            for ((l, h), &x) in lo.iter_mut().zip(hi.iter_mut()).zip(v) {
                if x.is_finite() {
                    *l = l.min(x);
                    *h = h.max(x);
                }
            }
        }
        if !seen {
            return Err(Error::invalid("quantizer training needs at least one vector"));
        }
        for (l, h) in lo.iter_mut().zip(hi.iter_mut()) {
            if !l.is_finite() {
                // No finite value in this dimension: an empty range at 0.
                *l = 0.0;
                *h = 0.0;
            }
        }
        Ok(Self::from_ranges(dim, metric, lo, hi))
    }

    /// One range `[lo, hi]` for every dimension (e.g. `[-1, 1]` for unit
    /// vectors); no training data needed.
    pub fn with_range(dim: usize, metric: Metric, lo: f32, hi: f32) -> Result<Self> {
        if !(lo.is_finite() && hi.is_finite() && lo <= hi) {
            return Err(Error::invalid("quantizer range must be finite with lo <= hi"));
        }
        Ok(Self::from_ranges(dim, metric, vec![lo; dim], vec![hi; dim]))
    }

    /// Trains on the vectors at `slots` of `vectors` and encodes them.
    pub fn from_vectors(vectors: &Vectors, slots: &[u32]) -> Result<Self> {
        let n = vectors.slots();
        let live = || slots.iter().copied().filter(move |&s| (s as usize) < n);
        let mut q = Self::train(vectors.dim(), vectors.metric(), live().map(|s| vectors.get(s)))?;
        let rows = live().max().map_or(0, |s| s as usize + 1);
        q.norms.reserve_exact(rows);
        q.codes.reserve_exact(rows * q.dim);
        for s in live() {
            q.set(s, vectors.get(s))?;
        }
        Ok(q)
    }

    fn from_ranges(dim: usize, metric: Metric, lo: Vec<f32>, hi: Vec<f32>) -> Self {
        let scales: Vec<f32> = lo.iter().zip(&hi).map(|(l, h)| (h - l) / LEVELS).collect();
        let inv_scales = scales
            .iter()
            .map(|&s| if s > 0.0 && (1.0 / s).is_finite() { 1.0 / s } else { 0.0 })
            .collect();
        QuantizedVectors {
            dim,
            metric,
            mins: lo,
            scales,
            inv_scales,
            codes: Vec::new(),
            norms: Vec::new(),
            far_out: 0,
        }
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

    /// Bytes held by codes, per-slot norms and the per-dimension ranges.
    pub fn heap_bytes(&self) -> usize {
        self.codes.capacity()
            + 4 * (self.norms.capacity()
                + self.mins.capacity()
                + self.scales.capacity()
                + self.inv_scales.capacity())
    }

    /// Encodes `v` at `slot`, growing the store.
    pub fn set(&mut self, slot: u32, v: &[f32]) -> Result<()> {
        if v.len() != self.dim {
            return Err(Error::DimensionMismatch { expected: self.dim, got: v.len() });
        }
        let s = slot as usize;
        if s >= self.norms.len() {
            let rows = s.checked_add(1).ok_or_else(|| Error::invalid("slot out of range"))?;
            let bytes =
                rows.checked_mul(self.dim).ok_or_else(|| Error::invalid("slot out of range"))?;
            // Grow by an eighth (not Vec's doubling): at most 12.5% slack
            // on the one structure an s1 namespace keeps per vector.
            if self.norms.capacity() < rows {
                let extra = (rows - self.norms.len()).max(self.norms.len() / 8).max(64);
                self.norms.reserve_exact(extra);
                self.codes.reserve_exact(extra.saturating_mul(self.dim));
            }
            self.norms.resize(rows, 0.0);
            self.codes.resize(bytes, 0);
        }
        let row = &mut self.codes[s * self.dim..(s + 1) * self.dim];
        let mut sq = 0.0f32;
        let mut far = false;
        for d in 0..self.dim {
            let t = ((v[d] - self.mins[d]) * self.inv_scales[d]).round();
            far |= if self.inv_scales[d] > 0.0 {
                !(-FAR_CODES..=LEVELS + FAR_CODES).contains(&t)
            } else {
                v[d].is_finite() && v[d] != self.mins[d]
            };
            // `clamp` keeps NaN as NaN and `NaN as u8` is 0: no panic on any input.
            let c = t.clamp(0.0, LEVELS) as u8;
            row[d] = c;
            let x = self.mins[d] + self.scales[d] * c as f32;
            sq += x * x;
        }
        self.norms[s] = sq.sqrt();
        self.far_out += far as usize;
        Ok(())
    }

    /// How many vectors encoded since training had a value more than a
    /// tenth of its dimension's range outside that range (or any other
    /// value in a dimension whose training values were all equal): those
    /// were clamped by more than the quantisation error, so many of them
    /// mean the data has drifted from what the ranges were learnt on.
    pub fn far_out(&self) -> usize {
        self.far_out
    }

    /// The decoded (approximate) vector at `slot`, or `None` past the end.
    pub fn decode(&self, slot: u32) -> Option<Vec<f32>> {
        let row = self.row(slot)?;
        Some((0..self.dim).map(|d| self.mins[d] + self.scales[d] * row[d] as f32).collect())
    }

    #[inline]
    fn row(&self, slot: u32) -> Option<&[u8]> {
        // Checked against `norms` too: with `dim == 0` every row is empty.
        if slot as usize >= self.norms.len() {
            return None;
        }
        let s = (slot as usize).checked_mul(self.dim)?;
        self.codes.get(s..s.checked_add(self.dim)?)
    }

    /// Prepares a query (any length: extra or missing dimensions are ignored).
    pub fn prepare(&self, values: &[f32]) -> QuantQuery {
        let mut scaled = vec![0.0f32; self.dim];
        let mut offset = 0.0f32;
        for (d, &x) in values.iter().enumerate().take(self.dim) {
            scaled[d] = x * self.scales[d];
            offset += x * self.mins[d];
        }
        QuantQuery { scaled, offset, norm: distance::norm(values) }
    }

    /// Similarity of a prepared query to the decoded vector at `slot`.
    #[inline]
    pub fn sim(&self, q: &QuantQuery, slot: u32) -> f32 {
        let Some(row) = self.row(slot) else { return f32::NEG_INFINITY };
        let dot = q.offset + distance::dot_f32_u8(&q.scaled, row);
        let n = self.norms[slot as usize];
        match self.metric {
            Metric::DotProduct => dot,
            Metric::Euclidean => -(q.norm * q.norm - 2.0 * dot + n * n),
            Metric::Cosine => {
                let denom = q.norm * n;
                if denom == 0.0 {
                    0.0
                } else {
                    dot / denom
                }
            }
        }
    }

    /// Similarity between two decoded stored vectors.
    #[inline]
    pub fn sim_slots(&self, a: u32, b: u32) -> f32 {
        let (Some(ra), Some(rb)) = (self.row(a), self.row(b)) else {
            return f32::NEG_INFINITY;
        };
        match self.metric {
            Metric::Euclidean => -distance::l2_sq_codes(&self.scales, ra, rb),
            Metric::DotProduct => distance::dot_codes(&self.mins, &self.scales, ra, rb),
            Metric::Cosine => {
                let denom = self.norms[a as usize] * self.norms[b as usize];
                if denom == 0.0 {
                    0.0
                } else {
                    distance::dot_codes(&self.mins, &self.scales, ra, rb) / denom
                }
            }
        }
    }
}

impl Space for QuantizedVectors {
    type Query<'q> = QuantQuery;

    #[inline]
    fn slots(&self) -> usize {
        QuantizedVectors::slots(self)
    }

    #[inline]
    fn sim(&self, q: &QuantQuery, slot: u32) -> f32 {
        QuantizedVectors::sim(self, q, slot)
    }

    #[inline]
    fn sim_slots(&self, a: u32, b: u32) -> f32 {
        QuantizedVectors::sim_slots(self, a, b)
    }

    /// The decoded vector as a query: the asymmetric kernel is ~4x faster
    /// than the code-by-code one and computes the same similarity.
    fn slot_query(&self, slot: u32) -> Option<QuantQuery> {
        self.decode(slot).map(|v| self.prepare(&v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                (0..dim)
                    .map(|_| {
                        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn similarities_match_decoded_vectors() {
        for metric in [Metric::Cosine, Metric::DotProduct, Metric::Euclidean] {
            for dim in [1usize, 7, 8, 19, 64] {
                let data = gen(20, dim, dim as u64);
                let mut q = QuantizedVectors::train(dim, metric, data.iter().map(|v| &v[..]))
                    .expect("train");
                let mut exact = Vectors::new(dim, metric);
                for (i, v) in data.iter().enumerate() {
                    q.set(i as u32, v).expect("set");
                    exact.set(i as u32, &q.decode(i as u32).expect("row"));
                }
                let query = &gen(1, dim, 99)[0];
                let pq = q.prepare(query);
                let pe = exact.prepare(query);
                for a in 0..20u32 {
                    let tol = 1e-4 * (1.0 + dim as f32);
                    assert!((q.sim(&pq, a) - exact.sim(&pe, a)).abs() < tol, "{metric:?} {dim}");
                    for b in 0..20u32 {
                        let (x, y) = (q.sim_slots(a, b), exact.sim_slots(a, b));
                        assert!((x - y).abs() < tol, "{metric:?} {dim}: {x} vs {y}");
                    }
                }
            }
        }
    }

    #[test]
    fn quantisation_error_is_bounded_and_clamps() {
        let data = gen(50, 16, 3);
        let mut q = QuantizedVectors::train(16, Metric::Cosine, data.iter().map(|v| &v[..]))
            .expect("train");
        for (i, v) in data.iter().enumerate() {
            q.set(i as u32, v).expect("set");
            let back = q.decode(i as u32).expect("row");
            for d in 0..16 {
                assert!((back[d] - v[d]).abs() <= q.scales[d] * 0.5 + 1e-6);
            }
        }
        // Out of range, NaN and infinities clamp instead of failing.
        let wild = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30, -1e30, 0.0, 0.5, -0.5];
        let v: Vec<f32> = (0..16).map(|d| wild[d % wild.len()]).collect();
        q.set(60, &v).expect("set");
        assert_eq!(q.slots(), 61);
        let _ = q.sim(&q.prepare(&v), 60);
        assert!(q.set(0, &[1.0]).is_err());
    }

    #[test]
    fn bad_ranges_and_empty_training_are_errors() {
        assert!(QuantizedVectors::with_range(4, Metric::Cosine, 1.0, -1.0).is_err());
        assert!(QuantizedVectors::with_range(4, Metric::Cosine, f32::NAN, 1.0).is_err());
        assert!(QuantizedVectors::train(4, Metric::Cosine, std::iter::empty()).is_err());
        let mut z = QuantizedVectors::with_range(0, Metric::Cosine, 0.0, 0.0).expect("dim 0");
        z.set(2, &[]).expect("set");
        assert_eq!(z.sim_slots(1, 5), f32::NEG_INFINITY);
        let q = QuantizedVectors::with_range(4, Metric::Cosine, -1.0, 1.0).expect("range");
        // Slots that were never set answer -inf instead of panicking.
        assert_eq!(q.sim(&q.prepare(&[1.0; 4]), 3), f32::NEG_INFINITY);
        assert_eq!(q.sim_slots(0, 1), f32::NEG_INFINITY);
    }

    #[test]
    fn memory_is_a_quarter_of_f32() {
        let dim = 384;
        let data = gen(1000, dim, 5);
        let mut exact = Vectors::new(dim, Metric::Cosine);
        for (i, v) in data.iter().enumerate() {
            exact.set(i as u32, v);
        }
        let slots: Vec<u32> = (0..1000).collect();
        let q = QuantizedVectors::from_vectors(&exact, &slots).expect("quantize");
        let ratio = exact.heap_bytes() as f64 / q.heap_bytes() as f64;
        assert!(ratio >= 3.5, "ratio {ratio}");
    }
}
