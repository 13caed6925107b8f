//! One namespace (one tenant): its records and its search structures.
//!
//! External string ids map to dense `u32` slots; dense vectors live in one
//! contiguous [`Vectors`] arena, sparse vectors and metadata in per-slot
//! vectors. Deleted slots go on a free list and are reused.
//!
//! **Invariant**: `ids` and `slot_ids` are inverse maps over the live slots;
//! a slot is live iff `slot_ids[slot].is_some()`; `free` holds exactly the
//! other slots below `slot_ids.len()`; when `graph` is present it holds
//! exactly the live slots. Inputs arrive already validated by
//! [`crate::engine`] (dimension, sizes), so nothing here can fail on them.

use std::cell::RefCell;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::cmp::Ordering;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use crate::distance::Metric;
use crate::filter::Filter;
use crate::index::hnsw::{Hnsw, HnswParams};
use crate::index::quant::QuantizedVectors;
use crate::metadata::Metadata;
use crate::record::{Record, SparseVector};
use crate::vectors::Vectors;

/// How a namespace searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexMode {
    /// Exact scan below [`GRAPH_THRESHOLD`] live records, graph above.
    Auto,
    /// Always exact.
    Flat,
    /// Always the graph.
    Hnsw,
}

/// Live-record count at which `Auto` namespaces build the graph. Measured
/// (`benches/crossover.mjs`, wordnet-minilm 384-d, wasm SIMD128 in Node,
/// top-10, p50): flat/graph latency ratio 0.80 at 1k, 0.87 at 2k, 0.90 at
/// 5k, 1.30 at 10k, 1.96 at 20k — the crossover is between 5k and 10k.
/// Below it the exact scan is exact, as fast, and needs no graph memory.
pub const GRAPH_THRESHOLD: usize = 7_500;

/// Live-record count from which an offloaded int8 namespace releases its f32
/// arena (see [`Namespace::release_values`]). Below it the arena costs at
/// most ~4 MB at 1,024 dimensions, and the quantiser is trained on at least
/// this many vectors rather than on the first few.
pub const RESIDENT_BELOW: usize = 1_000;

/// A released namespace reads back and rescores this many candidates per
/// result (the best by the int8 codes among the `efSearch` the walk keeps):
/// each one is a storage read. Measured on wordnet-minilm 100k
/// (`make bench-s1`, ef 32/64/128): rescoring the best 2 × topK gave the
/// same recall@10 as rescoring all ef candidates (0.9563, 0.9843, 0.9945),
/// so 3 × topK leaves a margin and reads 30 values instead of up to 128.
pub const RESCORE_PER_K: usize = 3;

/// See [`Namespace::requant_due`].
pub const DRIFT_PERCENT: usize = 2;

/// Source of [`Namespace::generation`] values: unique across all namespaces
/// of the process, so a namespace reloaded from storage never repeats the
/// generation of the object it replaced.
static GENERATION: AtomicU64 = AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATION.fetch_add(1, AtomicOrdering::Relaxed)
}

/// A query against one namespace.
pub struct SearchRequest<'a> {
    /// Dense query vector (empty on sparse-only queries).
    pub vector: &'a [f32],
    pub sparse: Option<&'a SparseVector>,
    pub top_k: usize,
    pub filter: Option<&'a Filter>,
    /// Which metadata fields filters may see (`None`: all).
    pub visible: Option<&'a dyn Fn(&str) -> bool>,
    /// Graph candidate list size for this query (`None`: the index's
    /// efSearch); the walk always keeps at least `top_k` candidates.
    pub ef: Option<usize>,
}

/// A scored match: slot and Pinecone score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    pub slot: u32,
    pub score: f32,
}

#[derive(Debug, Clone)]
pub struct Namespace {
    metric: Metric,
    mode: IndexMode,
    params: HnswParams,
    ids: BTreeMap<String, u32>,
    slot_ids: Vec<Option<String>>,
    vectors: Vectors,
    sparse: Vec<Option<SparseVector>>,
    metadata: Vec<Option<Metadata>>,
    free: Vec<u32>,
    graph: Option<Hnsw>,
    /// Int8 mode (storage-optimised, pod type s1): the graph is built and
    /// traversed on int8 codes of the vectors, and candidates are rescored
    /// with their f32 values.
    int8: bool,
    /// The database keeps every record's f32 values in storage under keys
    /// of their own, so this (int8) namespace may release its arena once it
    /// holds this many records (`None`: never).
    offload: Option<usize>,
    /// True while the f32 arena holds every live vector. Once released
    /// (`offload`, at least [`RESIDENT_BELOW`] records), the int8 codes are
    /// all that is in memory: every read of f32 values goes through
    /// `provided` (values the database read from storage for the current
    /// call), and each slot asked for but not there is noted in `missing`,
    /// for the database to read and call again.
    resident: bool,
    provided: HashMap<u32, Vec<f32>>,
    missing: RefCell<Vec<u32>>,
    /// Changes on every write (and differs between any two namespace
    /// objects): values read from storage are valid for a call only while
    /// it has not changed since the read began.
    generation: u64,
    quant: Option<QuantizedVectors>,
    /// Live records when the quantiser was trained. Its ranges come from the
    /// data seen then; while resident, when the namespace has doubled since,
    /// codes and graph are rebuilt with fresh ranges (amortised O(1) per
    /// insert), so early training on a few records cannot clamp everything
    /// after; once released, when the data drifts (`requant_due`).
    quant_trained_at: usize,
    /// Full graph builds this namespace has done (a reload that installs a
    /// stored graph does none).
    graph_builds: u32,
    /// While true (bulk loading), the graph is not built or maintained;
    /// `finish_load` builds or installs it once.
    defer_graph: bool,
    /// Approximate bytes held by records (ids, vectors, sparse, metadata).
    bytes: usize,
}

/// Min-heap entry (by similarity) used to keep the best `k`.
struct Scored(f32, u32);
impl PartialEq for Scored {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Scored {}
impl PartialOrd for Scored {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scored {
    fn cmp(&self, o: &Self) -> Ordering {
        // Reversed so BinaryHeap is a min-heap on similarity; NaN sorts lowest.
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}

fn record_bytes(r: &Record) -> usize {
    r.id.len()
        + r.values.len() * 4
        + r.sparse.as_ref().map_or(0, |s| s.indices.len() * 8)
        + r.metadata.as_ref().map_or(0, |m| {
            m.iter().map(|(k, v)| k.len() + crate::metadata::value_bytes(v)).sum()
        })
}

impl Namespace {
    pub fn new(dim: usize, metric: Metric, mode: IndexMode, params: HnswParams) -> Namespace {
        Namespace {
            metric,
            mode,
            params,
            ids: BTreeMap::new(),
            slot_ids: Vec::new(),
            vectors: Vectors::new(dim, metric),
            sparse: Vec::new(),
            metadata: Vec::new(),
            free: Vec::new(),
            graph: None,
            int8: false,
            offload: None,
            resident: true,
            provided: HashMap::new(),
            missing: RefCell::new(Vec::new()),
            generation: next_generation(),
            quant: None,
            quant_trained_at: 0,
            graph_builds: 0,
            defer_graph: false,
            bytes: 0,
        }
    }

    /// Switches the graph to int8 codes with f32 rescoring.
    pub fn with_int8(mut self, int8: bool) -> Namespace {
        self.int8 = int8;
        self
    }

    /// Lets an int8 namespace release its f32 arena once it holds
    /// `resident_below` records (the default is [`RESIDENT_BELOW`]): the
    /// caller keeps every record's values in storage and reads them back on
    /// request (see [`Namespace::release_values`]).
    pub fn with_offload(mut self, resident_below: Option<usize>) -> Namespace {
        self.offload = resident_below;
        self
    }

    /// Whether the f32 arena holds every live vector.
    pub fn is_resident(&self) -> bool {
        self.resident
    }

    /// Whether this namespace keeps values in storage (int8 with offload).
    pub fn offloads(&self) -> bool {
        self.offload.is_some() && self.int8 && self.vectors.dim() > 0
    }

    /// See the `generation` field.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Drops the f32 arena of an offloaded namespace that holds at least
    /// its `resident_below` records, keeping only the int8 codes, trained
    /// now on every live vector (a graph built or installed on codes of
    /// fewer records keeps its links: they stay good neighbours). The
    /// caller must hold every live record's values in storage. Returns
    /// whether it released.
    pub fn release_values(&mut self) -> bool {
        let Some(min) = self.offload else { return false };
        if !self.offloads() || !self.resident || self.len() < min.max(1) || self.defer_graph {
            return false;
        }
        let live = self.live_slots();
        match QuantizedVectors::from_vectors(&self.vectors, &live) {
            Ok(q) => self.quant = Some(q),
            Err(_) => return false,
        }
        self.quant_trained_at = live.len();
        self.vectors = Vectors::new(self.vectors.dim(), self.metric);
        self.resident = false;
        true
    }

    /// A released namespace whose data has drifted from what its quantiser
    /// was trained on: more than [`DRIFT_PERCENT`]% of the vectors written
    /// since (and at least 16) had values far outside the trained ranges
    /// ([`QuantizedVectors::far_out`]). Retraining needs every f32 value,
    /// so the database reloads it from storage (which trains on all of
    /// them). Growth alone does not retrain: values inside the ranges lose
    /// nothing to clamping, and the ranges were learnt on at least
    /// [`RESIDENT_BELOW`] vectors.
    pub fn requant_due(&self) -> bool {
        if self.resident {
            return false;
        }
        let far = self.quant.as_ref().map_or(0, |q| q.far_out());
        let since = self.len().saturating_sub(self.quant_trained_at).max(1);
        far >= 16 && far * 100 > since * DRIFT_PERCENT
    }

    /// Hands over f32 values read from storage, by id, for the next reads
    /// (ids no longer live are left in `values`).
    pub fn provide(&mut self, values: &mut HashMap<String, Vec<f32>>) {
        let dim = self.vectors.dim();
        let ids: Vec<String> = values.keys().cloned().collect();
        for id in ids {
            if let Some(&slot) = self.ids.get(&id) {
                if let Some(v) = values.remove(&id).filter(|v| v.len() == dim) {
                    self.provided.insert(slot, v);
                }
            }
        }
    }

    /// Takes back what [`Namespace::provide`] handed over, and returns the
    /// ids whose values were asked for and missing since the last call.
    pub fn take_back(&mut self, values: &mut HashMap<String, Vec<f32>>) -> Vec<String> {
        for (slot, v) in self.provided.drain() {
            if let Some(Some(id)) = self.slot_ids.get(slot as usize) {
                values.insert(id.clone(), v);
            }
        }
        let mut missing = std::mem::take(&mut *self.missing.borrow_mut());
        missing.sort_unstable();
        missing.dedup();
        self.ids_of(&missing)
    }

    /// Whether every given id's f32 values are at hand (resident or
    /// provided); notes the missing ones. Ids not present count as at hand.
    pub fn values_at_hand(&self, ids: &[String]) -> bool {
        if self.resident || self.vectors.dim() == 0 {
            return true;
        }
        let mut all = true;
        for id in ids {
            if let Some(&slot) = self.ids.get(id) {
                all &= self.dense(slot).is_some();
            }
        }
        all
    }

    /// The f32 values of a live slot: from the arena, or (released) from
    /// `provided`, noting the slot as missing when they are not there.
    fn dense(&self, slot: u32) -> Option<&[f32]> {
        if self.resident {
            return Some(self.vectors.get(slot));
        }
        match self.provided.get(&slot) {
            Some(v) => Some(v),
            None => {
                self.missing.borrow_mut().push(slot);
                None
            }
        }
    }

    fn live_slots(&self) -> Vec<u32> {
        (0..self.slot_ids.len() as u32).filter(|&s| self.slot_ids[s as usize].is_some()).collect()
    }

    /// Bytes of the record in a live slot, as [`record_bytes`] counts them,
    /// without reading its values.
    fn slot_bytes(&self, slot: u32) -> usize {
        let i = slot as usize;
        let Some(Some(id)) = self.slot_ids.get(i) else { return 0 };
        id.len()
            + self.vectors.dim() * 4
            + self.sparse[i].as_ref().map_or(0, |s| s.indices.len() * 8)
            + self.metadata[i].as_ref().map_or(0, |m| {
                m.iter().map(|(k, v)| k.len() + crate::metadata::value_bytes(v)).sum()
            })
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn dim(&self) -> usize {
        self.vectors.dim()
    }

    /// Approximate bytes of record data held (what Pinecone calls namespace
    /// size), not counting the graph.
    pub fn size_bytes(&self) -> usize {
        self.bytes
    }

    /// Bytes of memory held, including the graph and slack: the vectors as
    /// held (f32 arena and/or int8 codes), the rest of the record data
    /// (`size_bytes` counts dense values too; they are not counted twice),
    /// the slot table and the graph.
    pub fn heap_bytes(&self) -> usize {
        let dense = self.len() * self.vectors.dim() * 4;
        self.vector_heap_bytes()
            + self.bytes.saturating_sub(dense)
            + self.slot_ids.capacity() * 24
            + self.graph.as_ref().map_or(0, |g| g.heap_bytes())
    }

    /// Bytes of memory held by dense vectors: the f32 arena (empty once
    /// released) and the int8 codes with their norms and ranges.
    pub fn vector_heap_bytes(&self) -> usize {
        self.vectors.heap_bytes() + self.quant.as_ref().map_or(0, |q| q.heap_bytes())
    }

    pub fn has_graph(&self) -> bool {
        self.graph.is_some()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }

    /// Inserts or overwrites whole records.
    pub fn upsert(&mut self, records: Vec<Record>) {
        for r in records {
            self.put(r);
        }
        // Resident: retrain on doubling. While the ranges came from fewer
        // than RESIDENT_BELOW vectors, the graph is rebuilt too (links made
        // on codes of a handful of vectors are poor, and the rebuild covers
        // at most 2 × RESIDENT_BELOW records); after that the codes are
        // re-encoded in place and the links kept, as `release_values` does:
        // O(n·dim) instead of a full build stalling the write (measured:
        // 5.5 s at 8k × 384 in Node, growing linearly). (Released: the
        // values are in storage, see `requant_due`.)
        if self.resident && self.quant.is_some() && !self.defer_graph && self.len() > 2 * self.quant_trained_at.max(1) {
            if self.quant_trained_at < RESIDENT_BELOW {
                self.graph = None;
                self.quant = None;
            } else {
                let live = self.live_slots();
                if let Ok(q) = QuantizedVectors::from_vectors(&self.vectors, &live) {
                    self.quant = Some(q);
                    self.quant_trained_at = live.len();
                }
            }
        }
        self.maybe_build_graph();
    }

    fn put(&mut self, r: Record) {
        let slot = match self.ids.get(&r.id) {
            Some(&s) => {
                self.bytes -= self.slot_bytes(s);
                s
            }
            None => {
                let s = match self.free.pop() {
                    Some(s) => s,
                    None => {
                        self.slot_ids.push(None);
                        self.sparse.push(None);
                        self.metadata.push(None);
                        (self.slot_ids.len() - 1) as u32
                    }
                };
                self.ids.insert(r.id.clone(), s);
                s
            }
        };
        self.generation = next_generation();
        self.provided.remove(&slot);
        self.bytes += record_bytes(&r);
        let i = slot as usize;
        if !self.resident {
            // Released: the codes are the only in-memory copy (the values
            // are in storage). Cannot fail: the vector has the dimension.
            if let Some(q) = self.quant.as_mut() {
                let _ = q.set(slot, &r.values);
            }
        } else if self.vectors.dim() > 0 {
            self.vectors.set(slot, &r.values);
        }
        self.slot_ids[i] = Some(r.id);
        self.sparse[i] = r.sparse;
        self.metadata[i] = r.metadata;
        if let Some(g) = self.graph.as_mut() {
            match self.quant.as_mut() {
                Some(q) => {
                    if self.resident {
                        // Cannot fail: the vector has the arena's dimension.
                        let _ = q.set(slot, self.vectors.get(slot));
                    }
                    g.insert(slot, &*q);
                }
                None => g.insert(slot, &self.vectors),
            }
        }
    }

    /// Starts a bulk load: records applied from now on do not touch the
    /// graph until [`Namespace::finish_load`].
    pub fn begin_load(&mut self) {
        self.defer_graph = true;
    }

    /// Ends a bulk load, building the graph if the namespace needs one and
    /// none was installed.
    pub fn finish_load(&mut self) {
        self.defer_graph = false;
        self.maybe_build_graph();
    }

    /// The graph, renumbered to match [`Namespace::records`] order (slot `i`
    /// = the `i`-th live record), encoded; `None` without a graph.
    pub fn graph_snapshot(&self) -> Option<Vec<u8>> {
        let g = self.graph.as_ref()?;
        let mut map = vec![u32::MAX; self.slot_ids.len()];
        let mut next = 0u32;
        for (i, id) in self.slot_ids.iter().enumerate() {
            if id.is_some() {
                map[i] = next;
                next += 1;
            }
        }
        Some(g.remap(&map).encode())
    }

    /// Installs a graph saved by [`Namespace::graph_snapshot`] after the
    /// snapshot's records were loaded in order into an empty namespace.
    /// Returns false (and keeps no graph) if it does not match.
    pub fn install_graph(&mut self, bytes: &[u8]) -> bool {
        let Ok(g) = Hnsw::decode(bytes) else { return false };
        let contiguous = self.free.is_empty() && self.slot_ids.iter().all(Option::is_some);
        if !contiguous || g.len() != self.len() || (0..self.len() as u32).any(|s| !g.contains(s)) {
            return false;
        }
        if self.int8 {
            let live: Vec<u32> = (0..self.len() as u32).collect();
            match QuantizedVectors::from_vectors(&self.vectors, &live) {
                Ok(q) => self.quant = Some(q),
                Err(_) => return false,
            }
            self.quant_trained_at = live.len();
        }
        self.graph = Some(g);
        true
    }

    fn maybe_build_graph(&mut self) {
        if self.defer_graph {
            return;
        }
        let want = match self.mode {
            IndexMode::Flat => false,
            IndexMode::Hnsw => true,
            IndexMode::Auto => self.len() >= GRAPH_THRESHOLD,
        };
        if want && self.graph.is_none() && self.vectors.dim() > 0 {
            if let Ok(mut g) = Hnsw::new(self.params) {
                let live = self.live_slots();
                // Released: the codes already hold every live vector.
                if self.resident {
                    self.quant =
                        if self.int8 { QuantizedVectors::from_vectors(&self.vectors, &live).ok() } else { None };
                    self.quant_trained_at = live.len();
                }
                for &s in &live {
                    match self.quant.as_ref() {
                        Some(q) => g.insert(s, q),
                        None => g.insert(s, &self.vectors),
                    }
                }
                self.graph = Some(g);
                self.graph_builds += 1;
            }
        }
    }

    /// Full graph builds done since this namespace was created or loaded.
    pub fn graph_builds(&self) -> u32 {
        self.graph_builds
    }

    /// The record stored under `id`.
    pub fn get(&self, id: &str) -> Option<Record> {
        self.ids.get(id).and_then(|&s| self.record(s))
    }

    /// The record in a live slot. A released namespace gives its values
    /// only when they were provided; otherwise the values are empty and the
    /// slot is noted as missing (the database reads it and calls again).
    pub fn record(&self, slot: u32) -> Option<Record> {
        let i = slot as usize;
        let id = self.slot_ids.get(i)?.as_ref()?;
        Some(Record {
            id: id.clone(),
            values: if self.vectors.dim() > 0 { self.dense(slot).map(<[f32]>::to_vec).unwrap_or_default() } else { Vec::new() },
            sparse: self.sparse[i].clone(),
            metadata: self.metadata[i].clone(),
        })
    }

    pub fn metadata_of(&self, slot: u32) -> Option<&Metadata> {
        self.metadata.get(slot as usize).and_then(|m| m.as_ref())
    }

    /// The metadata of the record `id` (`Some(None)`: it has none), without
    /// reading its values.
    pub fn metadata_by_id(&self, id: &str) -> Option<Option<&Metadata>> {
        self.ids.get(id).map(|&s| self.metadata_of(s))
    }

    /// Applies a partial update to one record; returns the updated record,
    /// or `None` when the id does not exist (a no-op, as in Pinecone) or,
    /// released, when its current values are needed and were not provided
    /// (then nothing changes and the id is noted as missing).
    pub fn update(
        &mut self,
        id: &str,
        values: Option<Vec<f32>>,
        sparse: Option<SparseVector>,
        set_metadata: Option<&Metadata>,
    ) -> Option<Record> {
        let slot = *self.ids.get(id)?;
        let values = match values {
            Some(v) => v,
            None if self.vectors.dim() == 0 => Vec::new(),
            None => self.dense(slot)?.to_vec(),
        };
        let i = slot as usize;
        let mut r = Record {
            id: id.to_string(),
            values,
            sparse: self.sparse[i].clone(),
            metadata: self.metadata[i].clone(),
        };
        if let Some(s) = sparse {
            r.sparse = Some(s);
        }
        if let Some(set) = set_metadata {
            let m = r.metadata.get_or_insert_with(Metadata::new);
            for (k, v) in set {
                m.insert(k.clone(), v.clone());
            }
        }
        self.put(r.clone());
        Some(r)
    }

    /// Deletes the given ids; returns those that existed.
    pub fn delete(&mut self, ids: &[String]) -> Vec<String> {
        let mut gone = Vec::new();
        for id in ids {
            if let Some(slot) = self.ids.get(id.as_str()).copied() {
                self.bytes -= self.slot_bytes(slot);
                self.ids.remove(id.as_str());
                self.generation = next_generation();
                self.provided.remove(&slot);
                let i = slot as usize;
                self.slot_ids[i] = None;
                self.sparse[i] = None;
                self.metadata[i] = None;
                if let Some(g) = self.graph.as_mut() {
                    match self.quant.as_ref() {
                        Some(q) => g.remove(slot, q),
                        None => g.remove(slot, &self.vectors),
                    }
                }
                self.free.push(slot);
                gone.push(id.clone());
            }
        }
        gone
    }

    /// Removes every record.
    pub fn clear(&mut self) {
        let (defer, int8, offload) = (self.defer_graph, self.int8, self.offload);
        *self = Namespace::new(self.vectors.dim(), self.metric, self.mode, self.params)
            .with_int8(int8)
            .with_offload(offload);
        self.defer_graph = defer;
    }

    /// Live slots whose metadata matches `filter`.
    pub fn matching_slots(&self, filter: &Filter, visible: Option<&dyn Fn(&str) -> bool>) -> Vec<u32> {
        self.slot_ids
            .iter()
            .enumerate()
            .filter(|(i, id)| id.is_some() && self.accepts(filter, visible, *i as u32))
            .map(|(i, _)| i as u32)
            .collect()
    }

    fn accepts(&self, filter: &Filter, visible: Option<&dyn Fn(&str) -> bool>, slot: u32) -> bool {
        let md = self.metadata_of(slot);
        match visible {
            Some(v) => filter.matches_visible(md, v),
            None => filter.matches(md),
        }
    }

    /// Ids of records in a slot list.
    pub fn ids_of(&self, slots: &[u32]) -> Vec<String> {
        slots.iter().filter_map(|&s| self.slot_ids.get(s as usize).cloned().flatten()).collect()
    }

    /// Ids in byte order, starting strictly after `after`, with `prefix`.
    /// Returns up to `limit` ids and whether more follow.
    pub fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> (Vec<String>, bool) {
        use std::ops::Bound;
        let start = match after {
            Some(a) if a >= prefix => Bound::Excluded(a.to_string()),
            _ => Bound::Included(prefix.to_string()),
        };
        let mut it = self
            .ids
            .range::<String, _>((start, Bound::Unbounded))
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix));
        let page: Vec<String> = it.by_ref().take(limit).cloned().collect();
        let more = it.next().is_some();
        (page, more)
    }

    /// The `top_k` best matches, best first, with Pinecone scores.
    pub fn search(&self, req: &SearchRequest<'_>) -> Vec<Hit> {
        if req.top_k == 0 || self.is_empty() {
            return Vec::new();
        }
        if !self.resident {
            return self.search_released(req);
        }
        let metric = self.metric;
        let dense = !req.vector.is_empty() && self.vectors.dim() > 0;
        let q = self.vectors.prepare(req.vector);
        let sim = |slot: u32| -> f32 {
            let mut s = if dense { self.vectors.sim(&q, slot) } else { 0.0 };
            if let (Some(qs), Some(rs)) = (req.sparse, self.sparse[slot as usize].as_ref()) {
                s += qs.dot(rs);
            }
            s
        };
        // The graph orders by the dense part only; hybrid queries scan.
        if let (Some(g), true, None) = (self.graph.as_ref(), dense, req.sparse) {
            let ef = req.ef.unwrap_or(self.params.ef_search).max(req.top_k);
            let accept_all = |_: u32| true;
            let filtered = req.filter.map(|f| move |s: u32| self.accepts(f, req.visible, s));
            let accept: &dyn Fn(u32) -> bool = match &filtered {
                Some(f) => f,
                None => &accept_all,
            };
            let exact_better = filtered.is_some() && g.prefers_exact(self.estimate_matches(accept), ef);
            let hits = match (&self.quant, exact_better) {
                (_, true) => g.search_exact(&q, req.top_k, &self.vectors, accept),
                (Some(codes), false) => g.search_rescored(req.vector, req.top_k, ef, codes, &self.vectors, accept),
                (None, false) => g.search(&q, req.top_k, ef, &self.vectors, accept),
            };
            // Completeness safety net: the graph keeps every node reachable
            // (a layer-0 spanning tree), but an approximate filtered walk can
            // still come back short of topK; then the exact scan below
            // decides, so a query returns topK results whenever that many
            // records match.
            let wanted = match req.filter {
                None => req.top_k.min(self.len()),
                Some(_) => req.top_k,
            };
            if hits.len() >= wanted {
                return hits
                    .into_iter()
                    .map(|(slot, s)| Hit { slot, score: metric.score_from_sim(s) })
                    .collect();
            }
        }
        let mut heap: BinaryHeap<Scored> = BinaryHeap::with_capacity(req.top_k + 1);
        for (i, id) in self.slot_ids.iter().enumerate() {
            if id.is_none() {
                continue;
            }
            let slot = i as u32;
            if let Some(f) = req.filter {
                if !self.accepts(f, req.visible, slot) {
                    continue;
                }
            }
            let s = sim(slot);
            if heap.len() < req.top_k {
                heap.push(Scored(s, slot));
            } else if let Some(worst) = heap.peek() {
                if s > worst.0 {
                    heap.pop();
                    heap.push(Scored(s, slot));
                }
            }
        }
        let mut out: Vec<Scored> = heap.into_vec();
        out.sort();
        out.into_iter().map(|Scored(s, slot)| Hit { slot, score: metric.score_from_sim(s) }).collect()
    }

    /// [`Namespace::search`] once the arena is released: candidates by the
    /// int8 codes (graph walk, or a scan of the codes when there is no
    /// graph, the filter is selective, the query is hybrid or the walk came
    /// back short), `max(ef, top_k)` of them, of which the best
    /// [`RESCORE_PER_K`]` × top_k` by the codes are rescored with their f32
    /// values. When some candidates' values were not provided it returns
    /// nothing and notes them as missing: the database reads them from
    /// storage and searches again.
    fn search_released(&self, req: &SearchRequest<'_>) -> Vec<Hit> {
        let Some(codes) = self.quant.as_ref() else { return Vec::new() };
        let dense = !req.vector.is_empty();
        let qq = codes.prepare(req.vector);
        let ef = req.ef.unwrap_or(self.params.ef_search).max(req.top_k);
        let filtered = req.filter.map(|f| move |s: u32| self.accepts(f, req.visible, s));
        let accept_all = |_: u32| true;
        let accept: &dyn Fn(u32) -> bool = match &filtered {
            Some(f) => f,
            None => &accept_all,
        };
        let wanted = match req.filter {
            None => req.top_k.min(self.len()),
            Some(_) => req.top_k,
        };
        let mut candidates: Vec<Scored> = Vec::new();
        if let (Some(g), true, None) = (self.graph.as_ref(), dense, req.sparse) {
            let exact_better = filtered.is_some() && g.prefers_exact(self.estimate_matches(accept), ef);
            let found = if exact_better {
                g.search_exact(&qq, ef, codes, accept)
            } else {
                g.search(&qq, ef, ef, codes, accept)
            };
            if found.len() >= wanted {
                candidates = found.into_iter().map(|(slot, sim)| Scored(sim, slot)).collect();
            }
        }
        if candidates.is_empty() {
            let mut heap: BinaryHeap<Scored> = BinaryHeap::with_capacity(ef + 1);
            for (i, id) in self.slot_ids.iter().enumerate() {
                let slot = i as u32;
                if id.is_none() || !accept(slot) {
                    continue;
                }
                let mut s = if dense { codes.sim(&qq, slot) } else { 0.0 };
                if let (Some(qs), Some(rs)) = (req.sparse, self.sparse[i].as_ref()) {
                    s += qs.dot(rs);
                }
                if heap.len() < ef {
                    heap.push(Scored(s, slot));
                } else if heap.peek().is_some_and(|w| s > w.0) {
                    heap.pop();
                    heap.push(Scored(s, slot));
                }
            }
            candidates = heap.into_vec();
        }
        // Only the best few by the codes are read back and rescored.
        candidates.sort();
        candidates.truncate(RESCORE_PER_K.saturating_mul(req.top_k).max(req.top_k));
        let q = self.vectors.prepare(req.vector);
        let mut fine: Vec<Scored> = Vec::with_capacity(candidates.len());
        let mut complete = true;
        for Scored(_, slot) in candidates {
            let mut s = 0.0;
            if dense {
                match self.dense(slot) {
                    Some(v) => s = self.vectors.sim_values(&q, v),
                    None => {
                        complete = false;
                        continue;
                    }
                }
            }
            if let (Some(qs), Some(rs)) = (req.sparse, self.sparse[slot as usize].as_ref()) {
                s += qs.dot(rs);
            }
            fine.push(Scored(s, slot));
        }
        if !complete {
            return Vec::new();
        }
        fine.sort();
        fine.truncate(req.top_k);
        fine.into_iter().map(|Scored(s, slot)| Hit { slot, score: self.metric.score_from_sim(s) }).collect()
    }

    /// Estimated number of live records `accept` matches, from a sample of
    /// up to 256 evenly spaced slots (chooses graph vs exact scan only).
    fn estimate_matches(&self, accept: &dyn Fn(u32) -> bool) -> usize {
        let slots = self.slot_ids.len();
        if slots == 0 {
            return 0;
        }
        let step = (slots / 256).max(1);
        let (mut seen, mut hit) = (0usize, 0usize);
        for s in (0..slots).step_by(step) {
            if self.slot_ids[s].is_some() {
                seen += 1;
                if accept(s as u32) {
                    hit += 1;
                }
            }
        }
        if seen == 0 {
            return 0;
        }
        hit * self.len() / seen
    }

    /// All live records, in slot order (for snapshots and collections).
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        (0..self.slot_ids.len() as u32).filter_map(|s| self.record(s))
    }
}
