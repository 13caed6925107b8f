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
//! **Reachability** (kept by `insert`/`remove`, checked by
//! [`Hnsw::check_reachable`]): every node is reachable from `entry` on layer
//! 0, so a search with `ef >= len()` is exhaustive. The graph keeps a
//! spanning tree of layer 0 rooted at the entry: `parent[s]` is, for every
//! node but the entry, a node whose layer-0 list links `s`, and following
//! parents from any node ends at the entry. Pruning never drops a tree link
//! (`Hnsw::prune0`); an insert hangs the new node under a neighbour that
//! links back to it (`Hnsw::choose_parent`); a removal re-parents the nodes
//! whose chain passed through the removed node (`Hnsw::heal`). A node has at
//! most `max(m/2, 2)` tree links (counted in `kids`), so the heuristic
//! stays free to choose the rest of its list. The tree costs 6 bytes per
//! slot and 4 per node in the encoding (which stores parents so that a
//! decoded graph evolves exactly as the original). A version-1 encoding (no
//! parents) decodes with a tree rebuilt breadth-first. A decoded graph with
//! unreachable nodes (written before this rule) passes [`Hnsw::check`],
//! fails [`Hnsw::check_reachable`], and is reconnected by its next
//! `insert`/`remove`.
//!
//! An exhaustive search also needs a start from which everything is
//! reachable: the greedy descent through the upper layers ends anywhere, so
//! the layer-0 search is seeded with the entry as well.
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
/// Marker in `parent` for the entry point and for slots that are not nodes.
const NO_PARENT: u32 = u32::MAX;
/// States of `Hnsw::chain_states`: the parent chain ends at the entry, or
/// is cut.
const VALID: u8 = 1;
const ORPHAN: u8 = 2;

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
    /// Parent of each node in the layer-0 spanning tree (see the module
    /// docs), `NO_PARENT` for the entry and for absent slots.
    parent: Vec<u32>,
    /// `kids[s]`: how many nodes have `s` as their parent (its tree links).
    kids: Vec<u16>,
    /// Some node is not reachable from the entry (a decoded graph): the next
    /// `insert` or `remove` reconnects it.
    orphans: bool,
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
            parent: self.parent.clone(),
            kids: self.kids.clone(),
            orphans: self.orphans,
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
            parent: Vec::new(),
            kids: Vec::new(),
            orphans: false,
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
            + self.parent.capacity() * 4
            + self.kids.capacity() * 2
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
    /// Prunes keep tree links; a layer-0 rewrite that drops one anyway (only
    /// a store that cannot address the child filters it out) leaves the
    /// child without a parent, for the next update to reconnect.
    fn set_links(&mut self, slot: u32, layer: u8, links: &[u32]) {
        if layer == 0 && self.children(slot) > 0 {
            let keep = &links[..links.len().min(self.cap(0))];
            let dropped: Vec<u32> = self
                .links(slot, 0)
                .iter()
                .copied()
                .filter(|&z| self.parent.get(z as usize) == Some(&slot) && !keep.contains(&z))
                .collect();
            for z in dropped {
                self.set_parent(z, NO_PARENT);
                self.orphans = true;
            }
        }
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
            || self.parent.try_reserve(grow(self.parent.len(), n)).is_err()
            || self.kids.try_reserve(grow(self.kids.len(), n)).is_err()
        {
            return false;
        }
        self.levels.resize(n, ABSENT);
        self.parent.resize(n, NO_PARENT);
        self.kids.resize(n, 0);
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
    ///
    /// The new node's parent in the layer-0 tree is one of its neighbours
    /// that links back to it (see `choose_parent`); a node of a new top
    /// level becomes the entry and links to the old one, which becomes its
    /// child.
    pub fn insert<S: Space + ?Sized>(&mut self, slot: u32, space: &S) {
        let limit = space.slots();
        if slot as usize >= limit {
            return;
        }
        if self.orphans {
            self.heal(space, &[]);
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
        self.set_parent(slot, NO_PARENT);
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
                self.link_back(n, slot, l, space, limit, false);
            }
            if l == 0 {
                self.choose_parent(slot, &chosen, &found, space, limit);
            }
            if !found.is_empty() {
                eps = found;
            }
        }
        *self.visited.get_mut() = visited;
        if level > top {
            // The new entry must reach every node on layer 0: the old entry
            // did, so link to it and make it the child. The node holds at
            // most `m` of its `2m` layer-0 links yet, so there is room.
            if !self.links(slot, 0).contains(&entry) {
                if let Some(row) = self.row_mut(slot, 0) {
                    let c = row[0] as usize;
                    row[1 + c] = entry;
                    row[0] += 1;
                }
            }
            self.set_parent(entry, slot);
            self.set_parent(slot, NO_PARENT);
            self.entry = Some(slot);
            self.max_level = level;
        } else if self.parent[s] == NO_PARENT {
            // No neighbour could take it as a tree link.
            self.attach(slot, space, &|n| n != slot);
        }
    }

    /// Adds the link `n -> new` on `layer`; when `n`'s list is full, its
    /// links are re-selected with the heuristic among the old ones and `new`
    /// (on layer 0 by [`prune0`](Hnsw::prune0), which keeps tree links, and
    /// `new` too when `adopt`).
    fn link_back<S: Space + ?Sized>(
        &mut self,
        n: u32,
        new: u32,
        layer: u8,
        space: &S,
        limit: usize,
        adopt: bool,
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
        if layer == 0 {
            let chosen = self.prune0(n, &cands, space, adopt.then_some(new));
            self.set_links(n, 0, &chosen);
        } else {
            let chosen = self.select(&cands, cap, space);
            self.set_links(n, layer, &chosen);
        }
    }

    /// Gives the new node `slot` a parent after its layer-0 neighbours
    /// `chosen` linked back: of those that kept the link and may take
    /// another tree link (see [`max_children`](Hnsw::max_children)), the one
    /// with the fewest; else the first of `chosen`, then of `found` (the
    /// insert's candidates, most similar first, all reachable) that may,
    /// which takes it as a tree link. Left without a parent only if none
    /// may; `insert` then attaches it through a search.
    fn choose_parent<S: Space + ?Sized>(
        &mut self,
        slot: u32,
        chosen: &[u32],
        found: &[Cand],
        space: &S,
        limit: usize,
    ) {
        let most = self.max_children();
        let holder = chosen
            .iter()
            .copied()
            .map(|n| (self.children(n), n))
            .filter(|&(c, n)| c < most && self.links(n, 0).contains(&slot))
            .min_by_key(|&(c, _)| c)
            .map(|(_, n)| n);
        let parent = holder.or_else(|| {
            let host = chosen
                .iter()
                .copied()
                .chain(found.iter().map(|c| c.slot))
                .filter(|&n| n != slot && self.present_at(n, 0, limit))
                .find(|&n| self.children(n) < most)?;
            self.link_back(host, slot, 0, space, limit, true);
            Some(host).filter(|&n| self.links(n, 0).contains(&slot))
        });
        if let Some(n) = parent {
            self.set_parent(slot, n);
        }
    }

    /// Most tree links a node may have: a quarter of its layer-0 list (at
    /// least 2), so that the heuristic keeps choosing the rest. A hub whose
    /// list is frozen into tree links cannot learn new neighbours, which
    /// costs recall, most under dotproduct where hubs (large norms) collect
    /// everyone's first link: on the unit tests' clustered 16-d dotproduct
    /// data (m=8, 6 seeds, recall@10 at ef=64) no limit gave 0.91, `m` 0.97,
    /// `m/2` 0.987, and the graph without a tree 0.988. `len - 1` tree links
    /// always fit in `len` nodes of 2 each.
    #[inline]
    fn max_children(&self) -> usize {
        (self.m() / 2).max(2)
    }

    /// How many of `n`'s layer-0 links are tree links (`n` is their parent).
    #[inline]
    fn children(&self, n: u32) -> usize {
        self.kids.get(n as usize).map_or(0, |&k| k as usize)
    }

    /// Makes `p` (or `NO_PARENT`) the parent of `z`, keeping `kids` exact.
    fn set_parent(&mut self, z: u32, p: u32) {
        let Some(old) = self.parent.get(z as usize).copied() else { return };
        if let Some(k) = self.kids.get_mut(old as usize) {
            *k = k.saturating_sub(1);
        }
        self.parent[z as usize] = p;
        if let Some(k) = self.kids.get_mut(p as usize) {
            *k += 1;
        }
    }

    /// Recomputes `kids` from `parent`.
    fn recount_kids(&mut self) {
        self.kids.clear();
        self.kids.resize(self.parent.len(), 0);
        for &p in &self.parent {
            if let Some(k) = self.kids.get_mut(p as usize) {
                *k = k.saturating_add(1);
            }
        }
    }

    /// Layer-0 prune of `n`'s candidate links `cands` (sorted most similar
    /// first, without `n`, at most `2m` of them tree links of `n` counting
    /// `adopt`): the heuristic's choice ([`select`](Hnsw::select)), plus every
    /// tree link of `n` and `adopt` (the new child) it left out, in place of
    /// its least similar other picks. So no prune ever drops a tree link, and
    /// every node stays reachable from the entry.
    fn prune0<S: Space + ?Sized>(
        &self,
        n: u32,
        cands: &[Cand],
        space: &S,
        adopt: Option<u32>,
    ) -> Vec<u32> {
        let cap = self.cap(0);
        let mut kept = self.select(cands, cap, space);
        if adopt.is_none() && self.children(n) == 0 {
            return kept;
        }
        let tree = |z: u32| adopt == Some(z) || self.parent.get(z as usize) == Some(&n);
        let missing = cands.iter().filter(|c| tree(c.slot) && !kept.contains(&c.slot)).count();
        if missing == 0 {
            return kept;
        }
        while kept.len() + missing > cap {
            match kept.iter().rposition(|&k| !tree(k)) {
                Some(i) => {
                    kept.remove(i);
                }
                None => break,
            }
        }
        cands
            .iter()
            .map(|c| c.slot)
            .filter(|&z| tree(z) || kept.contains(&z))
            .take(cap)
            .collect()
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
        // Unvisited neighbours of the node being expanded, and their
        // similarities: gathered first, scored in one tight loop (the vector
        // loads of consecutive neighbours overlap instead of waiting behind
        // heap updates), then offered to the heaps.
        let mut batch: Vec<Cand> = Vec::with_capacity(self.cap(layer));
        while let Some(c) = open.pop() {
            if best.len() >= ef && c.sim < worst {
                break;
            }
            batch.clear();
            for &n in self.links(c.slot, layer) {
                if self.present_at(n, layer, limit) && visited.insert(n) {
                    batch.push(Cand { sim: 0.0, slot: n });
                }
            }
            for b in batch.iter_mut() {
                *b = Cand::new(sim(b.slot), b.slot);
            }
            for &cand in &batch {
                let n = cand.slot;
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
    /// node's links (keeping its tree links on layer 0). A removed entry is
    /// replaced by the first node of the top level, which takes part in the
    /// layer-0 repair as if it linked to the removed node. Then the nodes
    /// whose tree path to the entry went through the removed node get new
    /// parents ([`heal`](Hnsw::heal): a breadth-first walk from the entry,
    /// and a search for each node it does not reach). In-neighbours are
    /// found by one scan of the adjacency
    /// lists (no reverse index: that would double the graph's memory), so a
    /// removal costs O(nodes * 2m) word compares plus the repairs (about
    /// 1-2 ms at 20k nodes of 384-d with scalar kernels, mostly the repairs).
    /// Emptying a namespace should drop the graph instead.
    pub fn remove<S: Space + ?Sized>(&mut self, slot: u32, space: &S) {
        if !self.contains(slot) {
            return;
        }
        if self.orphans {
            self.heal(space, &[]);
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
        // Its tree children (all among its layer-0 links) lose their path.
        let mut orphaned = self.children(slot) > 0;
        self.set_parent(slot, NO_PARENT);
        let was_entry = self.entry == Some(slot);
        if was_entry {
            self.elect_entry();
            orphaned = true;
        }

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
        if let (true, Some(e)) = (was_entry, self.entry) {
            if !incoming[0].contains(&e) {
                incoming[0].push(e);
            }
        }
        for (l, ys) in incoming.iter().enumerate() {
            for &y in ys {
                self.repair(y, l as u8, &old[l], space, limit);
            }
        }
        if orphaned {
            self.heal(space, &incoming[0]);
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
            ids = if layer == 0 {
                self.prune0(y, &cands, space, None)
            } else {
                self.select(&cands, self.cap(layer), space)
            };
        }
        self.set_links(y, layer, &ids);
    }

    /// Restores the layer-0 tree: every node whose parent chain does not end
    /// at the entry (it went through a removed node, or the entry changed,
    /// or the graph was decoded with unreachable nodes) is made valid again.
    ///
    /// A breadth-first walk over layer 0 adopts the orphans it reaches (see
    /// [`adopt`](Hnsw::adopt); a cut subtree comes back whole with its root).
    /// It starts from the `hints` whose chains are intact (the removed node's
    /// repaired in-neighbours, which link the cut subtrees' roots), then if
    /// needed from the entry, and stops once no orphan is left. Each orphan
    /// it cannot reach is linked from its most similar valid node that may
    /// take one more tree link (found by a search, see
    /// [`attach`](Hnsw::attach); such a node always exists, since the valid
    /// nodes hold fewer tree links among themselves than there are of them).
    /// O(nodes) for the chains, plus the walk (about 75 nodes per removal on
    /// the 20k wordnet recall test), plus one search per unreachable node.
    fn heal<S: Space + ?Sized>(&mut self, space: &S, hints: &[u32]) {
        self.orphans = false;
        let Some(entry) = self.entry else { return };
        self.set_parent(entry, NO_PARENT);
        let (mut state, mut orphans) = self.chain_states(entry);
        if orphans == 0 {
            return;
        }
        // Adopt breadth-first, from the hints first (the cut subtrees hang
        // below them), then from the entry; every node the walk expands is
        // valid (it was, or it was just adopted).
        let slots = self.levels.len();
        let mut reached = vec![false; slots];
        let mut queue = Vec::new();
        for &y in hints {
            if state.get(y as usize) == Some(&VALID) && !reached[y as usize] {
                reached[y as usize] = true;
                queue.push(y);
            }
        }
        // The orphans' own tree links: adopting one revives its subtree.
        let mut below: Vec<(u32, u32)> = (0..slots as u32)
            .filter(|&z| state[z as usize] == ORPHAN)
            .map(|z| (self.parent[z as usize], z))
            .filter(|&(p, _)| state.get(p as usize) == Some(&ORPHAN))
            .collect();
        below.sort_unstable();
        let mut head = 0;
        orphans = self.adopt(&mut queue, &mut head, &mut reached, &mut state, orphans, &below);
        if orphans > 0 && !reached[entry as usize] {
            reached[entry as usize] = true;
            queue.push(entry);
            orphans =
                self.adopt(&mut queue, &mut head, &mut reached, &mut state, orphans, &below);
        }
        // Link each node still unreached from its most similar reached node.
        for z in 0..slots as u32 {
            if orphans == 0 {
                break;
            }
            if state[z as usize] != ORPHAN {
                continue;
            }
            let valid = |n: u32| state.get(n as usize) == Some(&VALID);
            if !self.attach(z, space, &valid) {
                // The store cannot address it (a graph paired with the wrong
                // store): leave it without a parent, for a later update.
                self.set_parent(z, NO_PARENT);
                self.orphans = true;
                continue;
            }
            state[z as usize] = VALID;
            orphans -= 1;
            reached[z as usize] = true;
            queue.push(z);
            orphans -= revive(z, &below, &mut state, &mut reached, &mut queue);
            orphans =
                self.adopt(&mut queue, &mut head, &mut reached, &mut state, orphans, &below);
        }
    }

    /// For every slot, whether its parent chain ends at `entry` (`VALID`),
    /// at a removed or missing parent (`ORPHAN`), or it is absent (0); and
    /// how many nodes are orphans. O(nodes): each chain is walked once.
    fn chain_states(&self, entry: u32) -> (Vec<u8>, usize) {
        let slots = self.levels.len();
        const UNKNOWN: u8 = 0;
        const WALKING: u8 = 3;
        let mut state = vec![UNKNOWN; slots];
        state[entry as usize] = VALID;
        let mut orphans = 0usize;
        let mut path = Vec::new();
        for s in 0..slots {
            if self.levels[s] == ABSENT || state[s] != UNKNOWN {
                continue;
            }
            let mut cur = s;
            let verdict = loop {
                match state[cur] {
                    UNKNOWN => {}
                    WALKING => break ORPHAN, // a loop: cannot happen, but cannot hang
                    v => break v,
                }
                state[cur] = WALKING;
                path.push(cur);
                let p = self.parent[cur] as usize;
                if p >= slots || self.levels[p] == ABSENT {
                    break ORPHAN;
                }
                cur = p;
            };
            for &c in &path {
                state[c] = verdict;
            }
            if verdict == ORPHAN {
                orphans += path.len();
            }
            path.clear();
        }
        (state, orphans)
    }

    /// Links the unreachable node `z` from its most similar node accepted
    /// by `valid` (all reachable) that may take another tree link, found by a
    /// search, and makes it `z`'s parent. False if there is none (or the
    /// store cannot address `z`).
    fn attach<S: Space + ?Sized>(
        &mut self,
        z: u32,
        space: &S,
        valid: &dyn Fn(u32) -> bool,
    ) -> bool {
        let limit = space.slots();
        if !self.present_at(z, 0, limit) {
            return false;
        }
        let cap = self.cap(0);
        let slots = self.levels.len();
        let q = space.slot_query(z);
        let sim = |n: u32| match &q {
            Some(q) => space.sim(q, n),
            None => space.sim_slots(z, n),
        };
        let found = self.search_base(sim, self.params.ef_construction, Some(&valid), limit);
        let most = self.max_children();
        let host = found.iter().map(|c| c.slot).find(|&r| self.children(r) < most).or_else(|| {
            (0..slots as u32).find(|&r| valid(r) && (r as usize) < limit && self.children(r) < most)
        });
        let Some(r) = host else { return false };
        if self.links(r, 0).contains(&z) {
            // Reached but not adopted: its discoverers were full.
        } else if self.links(r, 0).len() < cap {
            let mut l = self.links(r, 0).to_vec();
            l.push(z);
            self.set_links(r, 0, &l);
        } else {
            let mut cands: Vec<Cand> = self
                .links(r, 0)
                .iter()
                .chain(std::iter::once(&z))
                .filter(|&&x| (x as usize) < limit)
                .map(|&x| Cand::new(space.sim_slots(r, x), x))
                .collect();
            cands.sort_unstable_by(|a, b| b.cmp(a));
            let chosen = self.prune0(r, &cands, space, Some(z));
            self.set_links(r, 0, &chosen);
        }
        self.set_parent(z, r);
        true
    }

    /// Breadth-first from `queue[head..]` (valid nodes) over layer 0: marks
    /// what it reaches; a reached `ORPHAN` is `VALID` again, keeping
    /// its parent if that is the node it was reached from, else taking that
    /// node as its parent if it may take another tree link (else it is left
    /// for another node to reach), and so are its orphaned descendants
    /// (`below`: sorted `(parent, child)` pairs of orphans), which join the
    /// walk. Stops when no orphan is left; returns how many are.
    fn adopt(
        &mut self,
        queue: &mut Vec<u32>,
        head: &mut usize,
        reached: &mut [bool],
        state: &mut [u8],
        mut orphans: usize,
        below: &[(u32, u32)],
    ) -> usize {
        let most = self.max_children();
        while orphans > 0 && *head < queue.len() {
            let u = queue[*head];
            *head += 1;
            let mut kids = self.children(u);
            let w = self.stride0();
            let row = u as usize * w;
            let n = (self.layer0[row] as usize).min(w - 1);
            for i in 0..n {
                let z = self.layer0[row + 1 + i];
                let zi = z as usize;
                if zi >= reached.len() || reached[zi] || self.levels[zi] == ABSENT {
                    continue;
                }
                if state[zi] == ORPHAN {
                    if self.parent[zi] == u {
                        // Already its child: valid again now that `u` is.
                    } else if kids >= most {
                        continue; // another node may reach it, or the search will
                    } else {
                        kids += 1;
                        self.set_parent(z, u);
                    }
                    state[zi] = VALID;
                    orphans -= 1;
                    orphans -= revive(z, below, state, reached, queue);
                }
                reached[zi] = true;
                queue.push(z);
            }
        }
        orphans
    }

    /// Rebuilds the layer-0 tree from the entry (after decoding or
    /// renumbering): breadth-first adoption within
    /// [`max_children`](Hnsw::max_children), then each node left (reached
    /// only through nodes that have their share) takes the node a plain
    /// breadth-first walk first reached it from, over the limit. Nodes the
    /// walk does not reach get no parent and set `orphans`.
    fn rebuild_parents(&mut self) {
        let slots = self.levels.len();
        self.parent.clear();
        self.parent.resize(slots, NO_PARENT);
        self.recount_kids();
        self.orphans = false;
        let Some(entry) = self.entry.filter(|&e| self.contains(e)) else { return };
        let mut state: Vec<u8> =
            self.levels.iter().map(|&l| if l == ABSENT { 0 } else { 2 }).collect();
        state[entry as usize] = 1;
        let mut reached = vec![false; slots];
        reached[entry as usize] = true;
        let (mut queue, mut head) = (vec![entry], 0);
        let left = self.adopt(&mut queue, &mut head, &mut reached, &mut state, self.len - 1, &[]);
        if left == 0 {
            return;
        }
        // In walk order, a node's `via` comes first: it has a parent by then.
        let (_, via, order) = self.walk0();
        self.orphans = order.len() < self.len;
        for x in order {
            if state[x as usize] == 2 {
                self.set_parent(x, via[x as usize]);
            }
        }
    }

    /// Breadth-first walk of layer 0 from the entry: which slots it reaches,
    /// the node each was first reached from (`NO_PARENT` for the entry and
    /// the unreached), and the reached nodes in walk order.
    fn walk0(&self) -> (Vec<bool>, Vec<u32>, Vec<u32>) {
        let slots = self.levels.len();
        let mut reached = vec![false; slots];
        let mut via = vec![NO_PARENT; slots];
        let Some(e) = self.entry.filter(|&e| self.contains(e)) else {
            return (reached, via, Vec::new());
        };
        reached[e as usize] = true;
        let mut queue = vec![e];
        let mut head = 0;
        while let Some(&x) = queue.get(head) {
            head += 1;
            for &n in self.links(x, 0) {
                if self.contains(n) && !reached[n as usize] {
                    reached[n as usize] = true;
                    via[n as usize] = x;
                    queue.push(n);
                }
            }
        }
        (reached, via, queue)
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
        let start = Cand::new(sim(entry), entry);
        let mut ep = start;
        for l in (1..=self.max_level).rev() {
            ep = self.greedy(&sim, ep, l, limit);
        }
        // The entry is a second seed: every node is reachable from it on
        // layer 0 (not necessarily from `ep`), so a search with `ef >= len()`
        // is exhaustive. It costs no similarity and rarely an expansion.
        let seeds = [ep, start];
        let seeds = if ep.slot == entry { &seeds[..1] } else { &seeds[..] };
        match self.visited.try_borrow_mut() {
            Ok(mut v) => self.search_layer(&sim, seeds, ef, 0, accept, limit, &mut v),
            Err(_) => self.search_layer(&sim, seeds, ef, 0, accept, limit, &mut Visited::default()),
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

    /// Verifies that every node is reachable on layer 0 from the entry point
    /// (so a search with `ef >= len()` is exhaustive), and the spanning tree
    /// that keeps it so: every node but the entry has a parent whose layer-0
    /// list links it, and parents lead to the entry. O(nodes * 2m); meant
    /// for tests (a decoded graph passes [`check`](Hnsw::check) but may fail
    /// this if it was written with unreachable nodes).
    pub fn check_reachable(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Corrupt(format!("HNSW graph: {m}")));
        let (reached, _, order) = self.walk0();
        let count = order.len();
        if count != self.len {
            let missing: Vec<usize> = (0..self.levels.len())
                .filter(|&s| self.levels[s] != ABSENT && !reached[s])
                .take(8)
                .collect();
            return bad(format!(
                "{} of {} nodes unreachable from the entry on layer 0 (first: {missing:?})",
                self.len - count,
                self.len
            ));
        }
        match self.check_tree()? {
            true => Ok(()),
            false => bad("some node has no tree path to the entry".into()),
        }
    }

    /// Verifies the layer-0 tree: the entry and absent slots have no parent;
    /// a node's parent, if any, is a node whose layer-0 list links it; no
    /// chain of parents loops. True if every chain ends at the entry (false:
    /// some node was left without a parent, see `orphans`). O(nodes * 2m).
    pub(crate) fn check_tree(&self) -> Result<bool> {
        let bad = |m: String| Err(Error::Corrupt(format!("HNSW graph: {m}")));
        let slots = self.levels.len();
        if self.parent.len() != slots || self.kids.len() != slots {
            return bad("tree table sizes disagree".into());
        }
        let mut counts = vec![0u16; slots];
        for &p in &self.parent {
            if let Some(c) = counts.get_mut(p as usize) {
                *c = c.saturating_add(1);
            }
        }
        if counts != self.kids {
            return bad("tree link counts disagree with parents".into());
        }
        const UNKNOWN: u8 = 0;
        const ROOTED: u8 = 1;
        const CUT: u8 = 2;
        const WALKING: u8 = 3;
        let mut state = vec![UNKNOWN; slots];
        if let Some(e) = self.entry {
            if self.parent.get(e as usize) != Some(&NO_PARENT) {
                return bad(format!("entry {e} has a parent"));
            }
            state[e as usize] = ROOTED;
        }
        let mut complete = true;
        let mut path = Vec::new();
        for s in 0..slots {
            if self.levels[s] == ABSENT {
                if self.parent[s] != NO_PARENT {
                    return bad(format!("absent slot {s} has a parent"));
                }
                continue;
            }
            let mut cur = s;
            let verdict = loop {
                match state[cur] {
                    UNKNOWN => {}
                    WALKING => return bad(format!("the tree path from {s} loops")),
                    v => break v,
                }
                state[cur] = WALKING;
                path.push(cur);
                let p = self.parent[cur];
                if p == NO_PARENT {
                    break CUT;
                }
                if !self.contains(p) || !self.links(p, 0).contains(&(cur as u32)) {
                    return bad(format!("node {cur} has parent {p}, which does not link it"));
                }
                cur = p as usize;
            };
            complete &= verdict == ROOTED;
            for c in path.drain(..) {
                state[c] = verdict;
            }
        }
        Ok(complete)
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
        // Dropped slots are absent, so no kept node has one as its parent.
        let mut parent = vec![NO_PARENT; new_slots];
        for (old, &p) in self.parent.iter().enumerate() {
            if let (Some(new), Some(np)) = (tr(old as u32), tr(p)) {
                parent[new as usize] = np;
            }
        }
        let mut g = Hnsw {
            params: self.params,
            levels,
            layer0,
            upper,
            entry: self.entry.and_then(tr),
            max_level: self.max_level,
            len,
            parent,
            kids: Vec::new(),
            orphans: self.orphans,
            rng: self.rng,
            visited: RefCell::new(Visited::default()),
        };
        g.recount_kids();
        g
    }
}

/// Marks the orphaned descendants of `z` (found through `below`, sorted
/// `(parent, child)` pairs) `VALID` and reached, queues them, and returns how
/// many there were: once `z` is valid, so is the subtree below it.
fn revive(
    z: u32,
    below: &[(u32, u32)],
    state: &mut [u8],
    reached: &mut [bool],
    queue: &mut Vec<u32>,
) -> usize {
    if below.is_empty() {
        return 0;
    }
    let mut revived = 0;
    let mut stack = vec![z];
    while let Some(p) = stack.pop() {
        let from = below.partition_point(|&(q, _)| q < p);
        for &(_, c) in below[from..].iter().take_while(|&&(q, _)| q == p) {
            let ci = c as usize;
            if state[ci] == ORPHAN {
                state[ci] = VALID;
                revived += 1;
                if !reached[ci] {
                    reached[ci] = true;
                    queue.push(c);
                }
                stack.push(c);
            }
        }
    }
    revived
}
