//! HNSW graph index (Malkov & Yashunin 2016) over the slots of a vector
//! [`Space`]: the f32 [`Vectors`] arena, or its int8 [`QuantizedVectors`].
//!
//! Nodes *are* slots: every per-node table is indexed by slot, so the graph
//! never maps ids and a slot freed by [`Hnsw::remove`] can be inserted again.
//!
//! **Invariants** (kept by `insert`/`remove`, checked by [`Hnsw::check`] and
//! so by [`Hnsw::decode`]):
//! - `levels[s]` is the top layer of node `s`, or `ABSENT`; `len` counts the
//!   present nodes; `layer0` holds `1 + 2m` words per slot and `upper[s]`
//!   holds `1 + m` words per layer `1..=levels[s]` (`[count, links..]`).
//! - A link at layer `l` names a present node whose level is `>= l`, never
//!   the node itself, never twice in one list; a list holds at most `m`
//!   links (`2m` on layer 0). Removal repairs every in-neighbour, so no link
//!   ever names an absent slot.
//! - `entry` is a present node of the highest level `max_level`, or `None`
//!   exactly when the graph is empty.
//!
//! Traversal still treats an absent or out-of-range target as "no link"
//! instead of trusting the invariants, so a graph paired with the wrong
//! store cannot panic.

mod codec;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fmt;

use super::quant::QuantizedVectors;
use super::space::Space;
use crate::error::{Error, Result};
use crate::vectors::Vectors;

/// Smallest and largest accepted `m`.
pub const MIN_M: usize = 2;
pub const MAX_M: usize = 128;
/// Largest accepted `ef_construction` and `ef_search` (the codec stores them
/// as u32; a candidate list this long is already a full scan in practice).
pub const MAX_EF: usize = 1 << 20;
/// Levels are drawn from a geometric law and capped here (P(level > 16) is
/// below `2^-16` per node even for `m = 2`, and `m^-16` in general).
pub const MAX_LEVEL: u8 = 16;
/// Marker in `levels` for a slot that is not in the graph.
const ABSENT: u8 = u8::MAX;

/// [`Hnsw::search_filtered_auto`] scans the matching slots exactly when
/// `matches^2 < EXACT_SCAN_FACTOR * ef * nodes`.
///
/// Model: a filtered graph walk must expand about `ef / selectivity` nodes to
/// collect `ef` accepted ones, so its cost is about `c * ef * nodes / matches`
/// similarities, while the exact scan costs one similarity per match (plus
/// one O(1) `accept` call per node); they cross at `matches^2 = c * ef *
/// nodes`. Measured on wordnet-minilm 100k (384-d cosine, M=16, ef=100,
/// k=10, release, scalar f32 kernels, 200 queries, ms/query graph vs exact):
/// pos=verb 11.8% 9.1 vs 5.2; hashed 10% 5.1 vs 4.2; pos=adj 15.4% 4.9 vs
/// 6.8; hashed 20% 2.8 vs 7.6; below 5% the graph walk is 10-180x slower
/// (0.5%: 49 vs 0.27). The crossover sits at 12-13% = 12,500 matches,
/// giving c = 12,500^2 / (100 * 100,000) ~ 16. Checked on the 20k subset,
/// where the model predicts 5,660 matches (28%): hashed 30% measured 2.5 vs
/// 2.5 ms, 20% 2.7 vs 1.1, 50% 1.4 vs 3.5. Below the crossover the exact
/// scan is also recall 1.0. Above it the graph walk keeps recall@10 >= 0.995
/// (correlated and uncorrelated filters alike). SIMD kernels speed the exact
/// scan more than the walk, which would move the crossover up: re-measure
/// with `measure_wordnet_100k` when they land.
pub const EXACT_SCAN_FACTOR: f64 = 16.0;

/// Graph parameters. See [`HnswParams::default`] for the chosen values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HnswParams {
    /// Links per node on layers above 0 (layer 0 has `2 * m`); `2..=128`.
    pub m: usize,
    /// Candidate list size while inserting; `m..=MAX_EF`.
    pub ef_construction: usize,
    /// Default candidate list size for queries (the caller passes `ef` to
    /// [`Hnsw::search`]; this is the value it should use); `1..=MAX_EF`.
    pub ef_search: usize,
    /// Seed of the level generator: the same seed and the same operations
    /// give the same graph.
    pub seed: u64,
}

impl Default for HnswParams {
    /// M=16, efConstruction=100, efSearch=100, from a sweep on a 20k
    /// wordnet-minilm subset (384-d, 200 queries; recall@10 at ef 16/32/64/128,
    /// single-threaded build):
    ///
    /// | M, efC  | build | graph   | ef=16 | ef=32 | ef=64 | ef=128 |
    /// |---------|-------|---------|-------|-------|-------|--------|
    /// | 8, 200  | 13.4s | 3.1 MiB | 0.836 | 0.920 | 0.967 | 0.986  |
    /// | 16, 100 | 10.8s | 5.1 MiB | 0.899 | 0.958 | 0.984 | 0.992  |
    /// | 16, 200 | 15.8s | 5.1 MiB | 0.913 | 0.965 | 0.987 | 0.994  |
    /// | 32, 200 | 24.3s | 9.1 MiB | 0.942 | 0.981 | 0.994 | 0.999  |
    ///
    /// M=32 buys recall per ef but costs 1.8x the graph memory and its
    /// queries are slower at equal recall; M=8 loses too much. efC=200 over
    /// 100 costs 46-67% more build time over two runs (upserts run on the
    /// page's thread) for 0.2-0.3 points at ef >= 64. On the full 100k set
    /// (1,000 queries) M=16/efC=100 gives recall@10 0.984 at ef=64 and 0.995
    /// at ef=128, so efSearch=100 sits at ~0.99.
    fn default() -> Self {
        HnswParams { m: 16, ef_construction: 100, ef_search: 100, seed: 0x5eed }
    }
}

impl HnswParams {
    /// Checks the ranges documented on the fields.
    pub fn validate(&self) -> Result<()> {
        if !(MIN_M..=MAX_M).contains(&self.m) {
            return Err(Error::invalid(format!(
                "HNSW parameter m must be between {MIN_M} and {MAX_M}, got {}",
                self.m
            )));
        }
        if self.ef_construction < self.m {
            return Err(Error::invalid(format!(
                "HNSW parameter ef_construction ({}) must be at least m ({})",
                self.ef_construction, self.m
            )));
        }
        if self.ef_construction > MAX_EF {
            return Err(Error::invalid(format!(
                "HNSW parameter ef_construction must be at most {MAX_EF}, got {}",
                self.ef_construction
            )));
        }
        if !(1..=MAX_EF).contains(&self.ef_search) {
            return Err(Error::invalid(format!(
                "HNSW parameter ef_search must be between 1 and {MAX_EF}, got {}",
                self.ef_search
            )));
        }
        Ok(())
    }
}

/// A candidate: a slot and its similarity to the current query (NaN is
/// stored as -inf so that it never ranks first). Ordered by similarity, then
/// by lower slot first, so results are deterministic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Cand {
    sim: f32,
    slot: u32,
}

impl Cand {
    #[inline]
    fn new(sim: f32, slot: u32) -> Cand {
        Cand { sim: if sim.is_nan() { f32::NEG_INFINITY } else { sim }, slot }
    }
}

impl Eq for Cand {}

impl Ord for Cand {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        self.sim.total_cmp(&other.sim).then_with(|| other.slot.cmp(&self.slot))
    }
}

impl PartialOrd for Cand {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Visited set reused across searches: slot `s` is visited in the current
/// search iff `marks[s] == epoch`. Starting a search bumps the epoch instead
/// of clearing the marks (cleared only when the epoch wraps).
#[derive(Debug, Clone, Default)]
struct Visited {
    marks: Vec<u32>,
    epoch: u32,
}

impl Visited {
    fn start(&mut self, slots: usize) {
        if self.marks.len() < slots {
            self.marks.resize(slots, 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.marks.fill(0);
            self.epoch = 1;
        }
    }

    /// Marks `slot`; true if it was not visited yet. Slots past the table
    /// count as visited (they are not nodes).
    #[inline]
    fn insert(&mut self, slot: u32) -> bool {
        match self.marks.get_mut(slot as usize) {
            Some(m) if *m != self.epoch => {
                *m = self.epoch;
                true
            }
            _ => false,
        }
    }
}

/// An HNSW graph whose nodes are slots of a vector store.
pub struct Hnsw {
    params: HnswParams,
    levels: Vec<u8>,
    layer0: Vec<u32>,
    upper: Vec<Vec<u32>>,
    entry: Option<u32>,
    max_level: u8,
    len: usize,
    /// splitmix64 state of the level generator.
    rng: u64,
    /// Behind a `RefCell` because `search` takes `&self`; a re-entrant search
    /// (from inside an `accept` callback) gets a fresh set instead.
    visited: RefCell<Visited>,
}

impl Clone for Hnsw {
    fn clone(&self) -> Self {
        Hnsw {
            params: self.params,
            levels: self.levels.clone(),
            layer0: self.layer0.clone(),
            upper: self.upper.clone(),
            entry: self.entry,
            max_level: self.max_level,
            len: self.len,
            rng: self.rng,
            visited: RefCell::new(Visited::default()),
        }
    }
}

impl fmt::Debug for Hnsw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hnsw")
            .field("params", &self.params)
            .field("len", &self.len)
            .field("entry", &self.entry)
            .field("max_level", &self.max_level)
            .finish_non_exhaustive()
    }
}

impl Hnsw {
    /// An empty graph; errors with `InvalidArgument` on parameters outside
    /// the ranges of [`HnswParams`].
    pub fn new(params: HnswParams) -> Result<Hnsw> {
        params.validate()?;
        Ok(Hnsw {
            params,
            levels: Vec::new(),
            layer0: Vec::new(),
            upper: Vec::new(),
            entry: None,
            max_level: 0,
            len: 0,
            rng: params.seed,
            visited: RefCell::new(Visited::default()),
        })
    }

    pub fn params(&self) -> HnswParams {
        self.params
    }

    /// Number of nodes in the graph.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether `slot` is a node of the graph.
    pub fn contains(&self, slot: u32) -> bool {
        matches!(self.levels.get(slot as usize), Some(&l) if l != ABSENT)
    }

    /// Bytes held by the graph's tables (adjacency, levels, visited set).
    pub fn heap_bytes(&self) -> usize {
        let upper: usize = self.upper.iter().map(|u| u.capacity() * 4).sum();
        let visited = self.visited.try_borrow().map_or(0, |v| v.marks.capacity() * 4);
        self.levels.capacity()
            + self.layer0.capacity() * 4
            + self.upper.capacity() * std::mem::size_of::<Vec<u32>>()
            + upper
            + visited
    }

    #[inline]
    fn m(&self) -> usize {
        self.params.m
    }

    /// Words per slot in `layer0`: a count and `2m` links.
    #[inline]
    fn stride0(&self) -> usize {
        2 * self.params.m + 1
    }

    /// Maximum links of a list on `layer`.
    #[inline]
    fn cap(&self, layer: u8) -> usize {
        if layer == 0 {
            2 * self.params.m
        } else {
            self.params.m
        }
    }

    /// Whether `slot` is a node that exists on `layer` and is addressable in
    /// a store of `limit` slots.
    #[inline]
    fn present_at(&self, slot: u32, layer: u8, limit: usize) -> bool {
        (slot as usize) < limit
            && matches!(self.levels.get(slot as usize), Some(&l) if l != ABSENT && l >= layer)
    }

    /// The `[count, links..]` row of `slot` on `layer`, if it has one.
    #[inline]
    fn row(&self, slot: u32, layer: u8) -> Option<&[u32]> {
        let s = slot as usize;
        if layer == 0 {
            let w = self.stride0();
            self.layer0.get(s * w..s * w + w)
        } else {
            let w = self.m() + 1;
            let base = (layer as usize - 1) * w;
            self.upper.get(s)?.get(base..base + w)
        }
    }

    #[inline]
    fn row_mut(&mut self, slot: u32, layer: u8) -> Option<&mut [u32]> {
        let s = slot as usize;
        if layer == 0 {
            let w = self.stride0();
            self.layer0.get_mut(s * w..s * w + w)
        } else {
            let w = self.m() + 1;
            let base = (layer as usize - 1) * w;
            self.upper.get_mut(s)?.get_mut(base..base + w)
        }
    }

    /// The links of `slot` on `layer` (empty if it has none there).
    #[inline]
    fn links(&self, slot: u32, layer: u8) -> &[u32] {
        match self.row(slot, layer) {
            Some(row) => {
                let n = (row[0] as usize).min(row.len() - 1);
                &row[1..1 + n]
            }
            None => &[],
        }
    }

    /// Replaces the links of `slot` on `layer` (extra links are dropped).
    fn set_links(&mut self, slot: u32, layer: u8, links: &[u32]) {
        if let Some(row) = self.row_mut(slot, layer) {
            let n = links.len().min(row.len() - 1);
            row[0] = n as u32;
            row[1..1 + n].copy_from_slice(&links[..n]);
        }
    }

    /// Next splitmix64 output.
    fn next_u64(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A level drawn with P(level >= l) = m^-l, capped at [`MAX_LEVEL`].
    fn random_level(&mut self) -> u8 {
        // u in (0, 1], so ln(u) is finite and <= 0.
        let u = ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        let l = (-u.ln() / (self.m() as f64).ln()).floor();
        if l >= MAX_LEVEL as f64 {
            MAX_LEVEL
        } else {
            l as u8
        }
    }

    /// Grows the per-slot tables to hold `slot`; false (tables unchanged) if
    /// their size overflows or cannot be allocated.
    fn ensure_slot(&mut self, slot: u32) -> bool {
        let Some(n) = (slot as usize).checked_add(1) else { return false };
        if self.levels.len() >= n {
            return true;
        }
        let Some(words) = n.checked_mul(self.stride0()) else { return false };
        let grow = |len: usize, want: usize| want.saturating_sub(len);
        if self.layer0.try_reserve(grow(self.layer0.len(), words)).is_err()
            || self.levels.try_reserve(grow(self.levels.len(), n)).is_err()
            || self.upper.try_reserve(grow(self.upper.len(), n)).is_err()
        {
            return false;
        }
        self.levels.resize(n, ABSENT);
        self.layer0.resize(words, 0);
        self.upper.resize_with(n, Vec::new);
        true
    }

    /// Adds (or replaces) the node for `slot`, whose vector is already in
    /// `space`. A slot at or past `space.slots()` is ignored (it has no
    /// vector), and so is a slot whose tables cannot be allocated (the store
    /// holding its vector is larger than the graph's table for it, so this
    /// only happens when memory is already exhausted). Inserting a slot that
    /// is already a node first removes it, so call this again after the
    /// vector at a slot changed.
    pub fn insert<S: Space + ?Sized>(&mut self, slot: u32, space: &S) {
        let limit = space.slots();
        if slot as usize >= limit {
            return;
        }
        if self.contains(slot) {
            self.remove(slot, space);
        }
        if !self.ensure_slot(slot) {
            return;
        }
        let level = self.random_level();
        let s = slot as usize;
        let w0 = self.stride0();
        self.levels[s] = level;
        self.layer0[s * w0] = 0;
        self.upper[s] = vec![0; level as usize * (self.m() + 1)];
        self.len += 1;

        let entry = match self.entry {
            Some(e) if self.present_at(e, 0, limit) => e,
            Some(_) => {
                // The store cannot address the entry point (the graph is paired
                // with the wrong store): keep the node unlinked but valid.
                if level > self.max_level {
                    self.entry = Some(slot);
                    self.max_level = level;
                }
                return;
            }
            None => {
                self.entry = Some(slot);
                self.max_level = level;
                return;
            }
        };

        let q = space.slot_query(slot);
        let sim = |n: u32| match &q {
            Some(q) => space.sim(q, n),
            None => space.sim_slots(slot, n),
        };
        let top = self.max_level;
        let mut ep = Cand::new(sim(entry), entry);
        for l in (level + 1..=top).rev() {
            ep = self.greedy(&sim, ep, l, limit);
        }
        let mut visited = std::mem::take(self.visited.get_mut());
        let mut eps = vec![ep];
        for l in (0..=level.min(top)).rev() {
            let found = self.search_layer(
                &sim,
                &eps,
                self.params.ef_construction,
                l,
                None,
                limit,
                &mut visited,
            );
            let chosen = self.select(&found, self.m(), space);
            self.set_links(slot, l, &chosen);
            for &n in &chosen {
                self.link_back(n, slot, l, space, limit);
            }
            if !found.is_empty() {
                eps = found;
            }
        }
        *self.visited.get_mut() = visited;
        if level > top {
            self.entry = Some(slot);
            self.max_level = level;
        }
    }

    /// Adds the link `n -> new` on `layer`; when `n`'s list is full, its
    /// links are re-selected with the heuristic among the old ones and `new`.
    fn link_back<S: Space + ?Sized>(
        &mut self,
        n: u32,
        new: u32,
        layer: u8,
        space: &S,
        limit: usize,
    ) {
        let cap = self.cap(layer);
        let cur = self.links(n, layer);
        if cur.contains(&new) {
            return;
        }
        if cur.len() < cap {
            if let Some(row) = self.row_mut(n, layer) {
                let c = row[0] as usize;
                row[1 + c] = new;
                row[0] += 1;
            }
            return;
        }
        let mut cands: Vec<Cand> = cur
            .iter()
            .chain(std::iter::once(&new))
            .filter(|&&x| (x as usize) < limit)
            .map(|&x| Cand::new(space.sim_slots(n, x), x))
            .collect();
        cands.sort_unstable_by(|a, b| b.cmp(a));
        let chosen = self.select(&cands, cap, space);
        self.set_links(n, layer, &chosen);
    }

    /// The neighbour-selection heuristic (Malkov & Yashunin, algorithm 4,
    /// without candidate extension or pruned-link refill, as in hnswlib):
    /// walking `cands` from the most similar to the base node, keep a
    /// candidate only if it is closer to the base than to every candidate
    /// kept so far, until `max` are kept. This keeps links pointing in
    /// diverse directions, which is what makes the graph navigable across
    /// clusters. `cands` must be sorted most similar first.
    fn select<S: Space + ?Sized>(&self, cands: &[Cand], max: usize, space: &S) -> Vec<u32> {
        let mut kept: Vec<u32> = Vec::with_capacity(max.min(cands.len()));
        for c in cands {
            if kept.len() >= max {
                break;
            }
            if kept.iter().all(|&r| space.sim_slots(c.slot, r) <= c.sim) {
                kept.push(c.slot);
            }
        }
        kept
    }

    /// Greedy walk on one upper layer: move to the most similar neighbour
    /// while that improves (strictly, so the walk terminates).
    fn greedy<F: Fn(u32) -> f32>(&self, sim: &F, mut cur: Cand, layer: u8, limit: usize) -> Cand {
        loop {
            let mut moved = false;
            for &n in self.links(cur.slot, layer) {
                if !self.present_at(n, layer, limit) {
                    continue;
                }
                let c = Cand::new(sim(n), n);
                if c.sim > cur.sim {
                    cur = c;
                    moved = true;
                }
            }
            if !moved {
                return cur;
            }
        }
    }

    /// Best-first search of one layer from `eps`, keeping the `ef` best
    /// *accepted* nodes (most similar first). Rejected nodes are still
    /// expanded so they guide the walk; the walk stops when the best open
    /// candidate is worse than the worst of `ef` accepted results (or
    /// nothing is left), so a selective filter walks further, never returns
    /// fewer results while matches are reachable.
    #[allow(clippy::too_many_arguments)]
    fn search_layer<F: Fn(u32) -> f32>(
        &self,
        sim: &F,
        eps: &[Cand],
        ef: usize,
        layer: u8,
        accept: Option<&dyn Fn(u32) -> bool>,
        limit: usize,
        visited: &mut Visited,
    ) -> Vec<Cand> {
        let ok = |s: u32| accept.map_or(true, |a| a(s));
        visited.start(self.levels.len());
        let mut open: BinaryHeap<Cand> = BinaryHeap::new();
        let mut best: BinaryHeap<Reverse<Cand>> = BinaryHeap::new();
        for &e in eps {
            if self.present_at(e.slot, layer, limit) && visited.insert(e.slot) {
                open.push(e);
                if ok(e.slot) {
                    best.push(Reverse(e));
                    if best.len() > ef {
                        best.pop();
                    }
                }
            }
        }
        let mut worst = match best.peek() {
            Some(r) if best.len() >= ef => r.0.sim,
            _ => f32::NEG_INFINITY,
        };
        while let Some(c) = open.pop() {
            if best.len() >= ef && c.sim < worst {
                break;
            }
            for &n in self.links(c.slot, layer) {
                if !self.present_at(n, layer, limit) || !visited.insert(n) {
                    continue;
                }
                let cand = Cand::new(sim(n), n);
                if best.len() < ef || cand.sim > worst {
                    open.push(cand);
                    if ok(n) {
                        best.push(Reverse(cand));
                        if best.len() > ef {
                            best.pop();
                        }
                        if best.len() >= ef {
                            if let Some(r) = best.peek() {
                                worst = r.0.sim;
                            }
                        }
                    }
                }
            }
        }
        // Ascending order of `Reverse` is most similar first.
        best.into_sorted_vec().into_iter().map(|r| r.0).collect()
    }

    /// Removes `slot` from the graph, repairing its neighbours' links, and
    /// frees the slot for a later [`insert`](Hnsw::insert). The vector at
    /// `slot` is not read (it may already be overwritten). Unknown slots are
    /// ignored.
    ///
    /// Repair: every node `y` that linked to `slot` on layer `l` re-selects
    /// its links with the heuristic among its remaining links and the removed
    /// node's links. In-neighbours are found by one scan of the adjacency
    /// lists (no reverse index: that would double the graph's memory), so a
    /// removal costs O(nodes * 2m) word compares plus the repairs (about
    /// 1-2 ms at 20k nodes of 384-d with scalar kernels, mostly the repairs).
    /// Emptying a namespace should drop the graph instead.
    pub fn remove<S: Space + ?Sized>(&mut self, slot: u32, space: &S) {
        if !self.contains(slot) {
            return;
        }
        let limit = space.slots();
        let s = slot as usize;
        let level = self.levels[s];
        let old: Vec<Vec<u32>> = (0..=level).map(|l| self.links(slot, l).to_vec()).collect();
        // Detach first: from here on `slot` is absent, so no repair can pick it.
        let w0 = self.stride0();
        self.levels[s] = ABSENT;
        self.layer0[s * w0] = 0;
        self.upper[s] = Vec::new();
        self.len -= 1;

        let mut incoming: Vec<Vec<u32>> = vec![Vec::new(); level as usize + 1];
        for (y, &ly) in self.levels.iter().enumerate() {
            if ly == ABSENT {
                continue;
            }
            for l in 0..=ly.min(level) {
                if self.links(y as u32, l).contains(&slot) {
                    incoming[l as usize].push(y as u32);
                }
            }
        }
        for (l, ys) in incoming.iter().enumerate() {
            for &y in ys {
                self.repair(y, l as u8, &old[l], space, limit);
            }
        }
        if self.entry == Some(slot) {
            self.elect_entry();
        }
    }

    /// Re-selects the links of `y` on `layer` after one of them was removed.
    fn repair<S: Space + ?Sized>(
        &mut self,
        y: u32,
        layer: u8,
        lost: &[u32],
        space: &S,
        limit: usize,
    ) {
        let mut ids: Vec<u32> = self
            .links(y, layer)
            .iter()
            .copied()
            .filter(|&x| self.present_at(x, layer, limit))
            .collect();
        if (y as usize) < limit {
            for &x in lost {
                if x != y && self.present_at(x, layer, limit) && !ids.contains(&x) {
                    ids.push(x);
                }
            }
            let mut cands: Vec<Cand> =
                ids.iter().map(|&x| Cand::new(space.sim_slots(y, x), x)).collect();
            cands.sort_unstable_by(|a, b| b.cmp(a));
            ids = self.select(&cands, self.cap(layer), space);
        }
        self.set_links(y, layer, &ids);
    }

    /// Makes the first node of the highest level the entry point.
    fn elect_entry(&mut self) {
        let mut best: Option<(u32, u8)> = None;
        for (s, &l) in self.levels.iter().enumerate() {
            if l != ABSENT && best.map_or(true, |(_, bl)| l > bl) {
                best = Some((s as u32, l));
            }
        }
        self.entry = best.map(|(s, _)| s);
        self.max_level = best.map_or(0, |(_, l)| l);
    }

    /// Greedy descent through the upper layers, then the base-layer search
    /// with `ef` (>= 1) and the optional filter.
    fn search_base<F: Fn(u32) -> f32>(
        &self,
        sim: F,
        ef: usize,
        accept: Option<&dyn Fn(u32) -> bool>,
        limit: usize,
    ) -> Vec<Cand> {
        let Some(entry) = self.entry else { return Vec::new() };
        if !self.present_at(entry, 0, limit) {
            return Vec::new();
        }
        let mut ep = Cand::new(sim(entry), entry);
        for l in (1..=self.max_level).rev() {
            ep = self.greedy(&sim, ep, l, limit);
        }
        match self.visited.try_borrow_mut() {
            Ok(mut v) => self.search_layer(&sim, &[ep], ef, 0, accept, limit, &mut v),
            Err(_) => self.search_layer(&sim, &[ep], ef, 0, accept, limit, &mut Visited::default()),
        }
    }

    /// The `k` most similar accepted slots, most similar first, as
    /// `(slot, similarity)`. `ef` is the candidate list size; `ef < k` is
    /// searched with `max(ef, k)` (a list shorter than `k` could not hold `k`
    /// results). `k == 0` returns nothing.
    ///
    /// `accept(slot)` is evaluated once per node reached on the base layer;
    /// rejected nodes are traversed but never returned, so a filtered query
    /// returns `k` results whenever `k` reachable nodes match. It should be
    /// O(1) (e.g. a bitset lookup). For very selective filters use
    /// [`Hnsw::search_filtered_auto`].
    pub fn search<S: Space + ?Sized>(
        &self,
        q: &S::Query<'_>,
        k: usize,
        ef: usize,
        space: &S,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        if k == 0 {
            return Vec::new();
        }
        let mut found =
            self.search_base(|n| space.sim(q, n), ef.max(k), Some(accept), space.slots());
        found.truncate(k);
        found.into_iter().map(|c| (c.slot, c.sim)).collect()
    }

    /// Exact top-`k` over the accepted nodes of the graph (one similarity per
    /// accepted node): the fallback for selective filters, and the oracle.
    pub fn search_exact<S: Space + ?Sized>(
        &self,
        q: &S::Query<'_>,
        k: usize,
        space: &S,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        if k == 0 {
            return Vec::new();
        }
        let limit = space.slots();
        let mut best: BinaryHeap<Reverse<Cand>> = BinaryHeap::new();
        for (s, &l) in self.levels.iter().enumerate().take(limit) {
            let slot = s as u32;
            if l == ABSENT || !accept(slot) {
                continue;
            }
            let c = Cand::new(space.sim(q, slot), slot);
            if best.len() < k {
                best.push(Reverse(c));
            } else if best.peek().is_some_and(|w| c > w.0) {
                best.pop();
                best.push(Reverse(c));
            }
        }
        best.into_sorted_vec().into_iter().map(|r| (r.0.slot, r.0.sim)).collect()
    }

    /// Whether a filter matching about `estimated_matches` nodes is better
    /// served by [`Hnsw::search_exact`] than by a graph search with `ef` (see
    /// [`EXACT_SCAN_FACTOR`] for the model and the measurement behind it).
    pub fn prefers_exact(&self, estimated_matches: usize, ef: usize) -> bool {
        let m = estimated_matches as f64;
        m * m < EXACT_SCAN_FACTOR * ef.max(1) as f64 * self.len as f64
    }

    /// Filtered search that picks the strategy from the caller's estimate of
    /// how many nodes `accept` matches: an exact scan of the matching slots
    /// when [`prefers_exact`](Hnsw::prefers_exact) (roughly: fewer than 12%
    /// of 100k nodes, 4% of 1M at ef=100), else the filtered graph search. The estimate only chooses the strategy; results are correct
    /// either way.
    pub fn search_filtered_auto<S: Space + ?Sized>(
        &self,
        q: &S::Query<'_>,
        k: usize,
        ef: usize,
        space: &S,
        accept: &dyn Fn(u32) -> bool,
        estimated_matches: usize,
    ) -> Vec<(u32, f32)> {
        if self.prefers_exact(estimated_matches, ef.max(k)) {
            self.search_exact(q, k, space, accept)
        } else {
            self.search(q, k, ef, space, accept)
        }
    }

    /// Search for a graph traversed on int8 `codes`: collects `max(ef, k)`
    /// accepted candidates by code similarity, rescores them with the f32
    /// `exact` vectors, and returns the best `k` with their exact similarity.
    #[allow(clippy::too_many_arguments)]
    pub fn search_rescored(
        &self,
        values: &[f32],
        k: usize,
        ef: usize,
        codes: &QuantizedVectors,
        exact: &Vectors,
        accept: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        if k == 0 {
            return Vec::new();
        }
        let ef = ef.max(k);
        let coarse = self.search(&codes.prepare(values), ef, ef, codes, accept);
        let q = exact.prepare(values);
        let limit = exact.slots();
        let mut fine: Vec<Cand> = coarse
            .into_iter()
            .filter(|&(s, _)| (s as usize) < limit)
            .map(|(s, _)| Cand::new(exact.sim(&q, s), s))
            .collect();
        fine.sort_unstable_by(|a, b| b.cmp(a));
        fine.truncate(k);
        fine.into_iter().map(|c| (c.slot, c.sim)).collect()
    }

    /// Verifies every invariant listed in the module docs.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Corrupt(format!("HNSW graph: {m}")));
        let slots = self.levels.len();
        if self.layer0.len() != slots * self.stride0() || self.upper.len() != slots {
            return bad("table sizes disagree".into());
        }
        // `stamp[x] == owner + 1` while scanning the list of `owner`: detects
        // duplicate links in one pass.
        let mut stamp = vec![0u32; slots];
        let mut live = 0usize;
        let mut top: Option<u8> = None;
        for (s, &l) in self.levels.iter().enumerate() {
            if l == ABSENT {
                if self.layer0[s * self.stride0()] != 0 || !self.upper[s].is_empty() {
                    return bad(format!("absent slot {s} has links"));
                }
                continue;
            }
            if l > MAX_LEVEL {
                return bad(format!("slot {s} has level {l}"));
            }
            if self.upper[s].len() != l as usize * (self.m() + 1) {
                return bad(format!("slot {s} has a wrong upper table"));
            }
            live += 1;
            top = top.max(Some(l));
            for layer in 0..=l {
                let row = self.row(s as u32, layer).unwrap_or(&[]);
                if row.first().map_or(true, |&c| c as usize > self.cap(layer)) {
                    return bad(format!("slot {s} layer {layer}: too many links"));
                }
                for &x in self.links(s as u32, layer) {
                    if x as usize == s || !self.present_at(x, layer, slots) {
                        return bad(format!("slot {s} layer {layer}: bad link {x}"));
                    }
                    if stamp[x as usize] == s as u32 + 1 {
                        return bad(format!("slot {s} layer {layer}: duplicate link {x}"));
                    }
                    stamp[x as usize] = s as u32 + 1;
                }
                for &x in self.links(s as u32, layer) {
                    stamp[x as usize] = 0;
                }
            }
        }
        if live != self.len {
            return bad(format!("len {} but {live} nodes", self.len));
        }
        match (self.entry, top) {
            (None, None) => Ok(()),
            (Some(e), Some(t))
                if self.levels.get(e as usize) == Some(&t) && t == self.max_level =>
            {
                Ok(())
            }
            _ => bad("entry point is not a node of the top level".into()),
        }
    }
}

impl Hnsw {
    /// The same graph with nodes renumbered: `map[old] = new` for every
    /// present node (`u32::MAX` drops a slot, which must then be absent).
    /// Used when a namespace is written as a snapshot whose records take
    /// slots `0..n` in order, so the stored graph matches the reloaded
    /// arena without a rebuild. Links to dropped slots are omitted.
    pub fn remap(&self, map: &[u32]) -> Hnsw {
        let new_slots = map.iter().filter(|&&n| n != u32::MAX).map(|&n| n as usize + 1).max().unwrap_or(0);
        let w0 = self.stride0();
        let wu = self.m() + 1;
        let tr = |x: u32| map.get(x as usize).copied().filter(|&n| n != u32::MAX);
        let mut levels = vec![ABSENT; new_slots];
        let mut layer0 = vec![0u32; new_slots * w0];
        let mut upper = vec![Vec::new(); new_slots];
        let mut len = 0;
        for (old, &lvl) in self.levels.iter().enumerate() {
            let Some(new) = tr(old as u32) else { continue };
            if lvl == ABSENT {
                continue;
            }
            let n = new as usize;
            levels[n] = lvl;
            len += 1;
            let links0: Vec<u32> = self.links(old as u32, 0).iter().filter_map(|&x| tr(x)).collect();
            layer0[n * w0] = links0.len() as u32;
            layer0[n * w0 + 1..n * w0 + 1 + links0.len()].copy_from_slice(&links0);
            let mut up = vec![0u32; lvl as usize * wu];
            for layer in 1..=lvl {
                let links: Vec<u32> = self.links(old as u32, layer).iter().filter_map(|&x| tr(x)).collect();
                let base = (layer as usize - 1) * wu;
                up[base] = links.len() as u32;
                up[base + 1..base + 1 + links.len()].copy_from_slice(&links);
            }
            upper[n] = up;
        }
        Hnsw {
            params: self.params,
            levels,
            layer0,
            upper,
            entry: self.entry.and_then(tr),
            max_level: self.max_level,
            len,
            rng: self.rng,
            visited: RefCell::new(Visited::default()),
        }
    }
}
