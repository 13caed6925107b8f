//! The database: the [`Engine`] plus a [`Storage`], and the one entry point
//! (`call`) that every surface (the JS package, the edge worker, native
//! tests) uses. It loads namespaces lazily, persists each change as a
//! segment before acknowledging it, evicts idle namespaces over a memory
//! budget, compacts segment logs, and keeps request metrics.
//!
//! Persistence layout (tuple keys, see [`crate::store`]):
//! - `["index", name]` → index configuration (blob `CNFI`, JSON payload)
//! - `["manifest", index, ns]` → namespace manifest (blob `CNFM`, JSON:
//!   record count, bytes, next segment number, schema) — the commit point
//! - `["seg", index, ns, seq]` → a segment (see [`crate::codec`])
//! - `["graph", index, ns]` → the HNSW graph of the last snapshot
//! - `["vec", index, ns, id]` → a record's f32 values (blob `CNFV`), kept
//!   for int8 (s1) indexes only, whose namespaces release their f32 arena
//!   once they hold [`crate::namespace::RESIDENT_BELOW`] records: queries
//!   rescore, and fetches return, values read back from here (see
//!   [`Database::run_with_values`]). Written in the same batch as the
//!   segment, so they always describe the same records.
//! - `["collection", name]` → a collection's bytes (see [`crate::collection`])
//!
//! **Invariant**: a write's future resolves only after its batch (segment and
//! manifest together) is committed. If a commit fails, the affected
//! namespace is unloaded, so its next use re-reads exactly what storage
//! holds; nothing acknowledged is lost and nothing unacknowledged survives a
//! reload.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};

use crate::api;
use crate::codec::{self, Segment};
use crate::collection::{self, Header};
use crate::config::IndexConfig;
use crate::engine::{apply_segment, Change, Engine, NsEntry, NsState};
use crate::namespace::Namespace;
use crate::error::{Error, Result};
use crate::key;
use crate::metrics::{Metrics, RequestType};
use crate::store::{Op, Part, Storage};

/// Records per segment when a namespace is rewritten by compaction.
const SNAPSHOT_CHUNK: usize = 4096;
/// Segments a namespace may accumulate before it is compacted.
const COMPACT_AFTER_SEGMENTS: u64 = 64;
/// A stored graph is refreshed (by a compaction) once this many records, or
/// a tenth of the namespace if more, were written after its snapshot: a
/// reopen inserts at most that many into the installed graph, a tenth of a
/// full rebuild.
const GRAPH_STALE_MIN: u64 = 2_000;

/// Dense vectors passed beside a JSON body (see
/// [`Database::call_with_vectors`]): `values` holds them back to back;
/// `lens[i]` is the length of the `i`-th, or [`SideVectors::NONE`] when that
/// record or query has no dense vector this way.
#[derive(Debug, Clone, Copy)]
pub struct SideVectors<'a> {
    pub values: &'a [f64],
    pub lens: &'a [u32],
}

impl SideVectors<'_> {
    pub const NONE: u32 = u32::MAX;

    /// Each entry's vector (narrowed to f32 as JSON numbers are), after
    /// checking that `op` takes vectors this way and that the lengths
    /// account for every value exactly; never slices past `values`.
    fn split(&self, op: DataOp) -> Result<Vec<Option<Vec<f32>>>> {
        let ok_op = match op {
            DataOp::Query => self.lens.len() == 1,
            DataOp::Upsert => true,
            _ => false,
        };
        if !ok_op {
            return Err(Error::Argument("Only a query (one vector) or an upsert takes vectors beside the body.".into()));
        }
        let mut rest = self.values;
        let mut out = Vec::with_capacity(self.lens.len());
        for &l in self.lens {
            if l == Self::NONE {
                out.push(None);
                continue;
            }
            let Some((v, tail)) = rest.split_at_checked(l as usize) else {
                return Err(self.mismatch());
            };
            out.push(Some(v.iter().map(|&x| x as f32).collect()));
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(self.mismatch());
        }
        Ok(out)
    }

    fn mismatch(&self) -> Error {
        let total: u64 = self.lens.iter().filter(|&&l| l != Self::NONE).map(|&l| l as u64).sum();
        Error::Argument(format!("The vector lengths add up to {total}, but {} values were passed.", self.values.len()))
    }
}

/// The data operations `call` dispatches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataOp {
    Upsert,
    Query,
    Fetch,
    FetchByMetadata,
    Update,
    Delete,
    List,
    DescribeIndexStats,
    ListNamespaces,
    CreateNamespace,
}

impl DataOp {
    pub fn parse(s: &str) -> Option<DataOp> {
        Some(match s {
            "upsert" => DataOp::Upsert,
            "query" => DataOp::Query,
            "fetch" => DataOp::Fetch,
            "fetch_by_metadata" => DataOp::FetchByMetadata,
            "update" => DataOp::Update,
            "delete" => DataOp::Delete,
            "list" => DataOp::List,
            "describe_index_stats" => DataOp::DescribeIndexStats,
            "list_namespaces" => DataOp::ListNamespaces,
            "create_namespace" => DataOp::CreateNamespace,
            _ => return None,
        })
    }

    fn request_type(self) -> Option<RequestType> {
        Some(match self {
            DataOp::Upsert => RequestType::Upsert,
            DataOp::Query => RequestType::Query,
            DataOp::Fetch | DataOp::FetchByMetadata => RequestType::Fetch,
            DataOp::Delete => RequestType::Delete,
            DataOp::DescribeIndexStats => RequestType::DescribeIndexStats,
            DataOp::Update => RequestType::Update,
            DataOp::List | DataOp::ListNamespaces | DataOp::CreateNamespace => return None,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Manifest {
    count: usize,
    bytes: usize,
    /// Number the next segment gets.
    next_seq: u64,
    /// Segment number where the current log starts (after compaction).
    #[serde(default)]
    base_seq: u64,
    #[serde(default)]
    schema: Option<Vec<String>>,
    /// Segments `base_seq..snapshot_end` are the last compaction's snapshot;
    /// when `graph` is set, `["graph", index, ns]` holds the HNSW graph of
    /// exactly that snapshot (records in order = slots `0..n`), so loading
    /// installs it instead of rebuilding and applies later segments to it.
    #[serde(default)]
    snapshot_end: u64,
    #[serde(default)]
    graph: bool,
    /// Records written (upserted or updated) since that snapshot.
    #[serde(default)]
    pending: u64,
    /// Every live record's values are stored under `["vec", index, ns, id]`
    /// (int8 indexes; a namespace written before these keys existed gets
    /// them on its next load).
    #[serde(default)]
    values: bool,
}

/// Rounds of "read the missing values, call again" one request may take
/// before giving up with [`Error::Throttled`] (each round after the first
/// follows a write to the same namespace while values were being read).
const VALUE_ROUNDS: usize = 8;
const KIND_VALUES: [u8; 4] = *b"CNFV";

fn encode_values(v: &[f32]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(v.len() * 4);
    for x in v {
        raw.extend_from_slice(&x.to_le_bytes());
    }
    codec::encode_blob(KIND_VALUES, &raw)
}

fn decode_values(bytes: &[u8], dim: usize) -> Result<Vec<f32>> {
    let raw = codec::decode_blob(KIND_VALUES, bytes)?;
    if raw.len() != dim * 4 {
        return Err(Error::Corrupt(format!("stored values hold {} bytes, expected {}", raw.len(), dim * 4)));
    }
    Ok(raw.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// Options for [`Database::open`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Bytes of loaded namespaces to keep in memory before evicting idle
    /// ones, least recently used first.
    pub memory_budget: usize,
    /// Project name for metrics labels.
    pub project: String,
    /// Records from which a namespace of an int8 (s1) index keeps its f32
    /// values in storage only (memory holds the int8 codes); ignored when
    /// the storage keeps nothing.
    pub resident_below: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            memory_budget: 512 * 1024 * 1024,
            project: "conifer".into(),
            resident_below: crate::namespace::RESIDENT_BELOW,
        }
    }
}

pub struct Database<S: Storage> {
    engine: RefCell<Engine>,
    storage: S,
    /// Persistence bookkeeping per (index, namespace).
    manifests: RefCell<HashMap<(String, String), Manifest>>,
    /// Last use of each loaded namespace (a logical clock), for LRU eviction.
    last_used: RefCell<HashMap<(String, String), u64>>,
    clock: Cell<u64>,
    /// Serialises loads so two concurrent first uses read storage once.
    gate: Gate,
    options: Options,
    pub metrics: RefCell<Metrics>,
    /// Collections by name: description and stored size.
    collections: RefCell<std::collections::BTreeMap<String, CollectionMeta>>,
    /// Collection bytes when the storage keeps nothing (memory-only mode).
    collection_bytes: RefCell<HashMap<String, Vec<u8>>>,
    /// When set, compaction found due while loading is queued in
    /// `compaction_due` instead of running inside the load (the wasm binding
    /// sets it and runs [`Database::compact_due`] in the background, under
    /// the cross-tab write lock).
    defer_compaction: Cell<bool>,
    compaction_due: RefCell<Vec<(String, String)>>,
    /// A failed commit asked for the catalog to be re-read (coalesces the
    /// reloads of every batch of one failed transaction).
    reload_wanted: Cell<bool>,
    /// Calls of `evict_over_budget` to skip before the next full scan. The
    /// scan walks every namespace of every index, so running it on every
    /// call made creating N namespaces cost O(N^2) (100,000 namespaces took
    /// many minutes); it now runs about every `loaded / 64` calls, so the
    /// budget can be overshot by the growth of that many calls at most.
    evict_skip: Cell<usize>,
}

/// A collection's catalog entry (`["collmeta", name]`); its bytes are
/// stored in chunks under `["collection", name, i]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CollectionMeta {
    header: Header,
    size: u64,
    chunks: u64,
}

/// Bytes per stored collection chunk.
const COLLECTION_CHUNK: usize = 8 * 1024 * 1024;
const KIND_COLLECTION: [u8; 4] = *b"CNFK";

fn blob_json<T: Serialize>(kind: [u8; 4], v: &T) -> Vec<u8> {
    codec::encode_blob(kind, &serde_json::to_vec(v).unwrap_or_default())
}

fn unblob_json<T: for<'de> Deserialize<'de>>(kind: [u8; 4], bytes: &[u8]) -> Result<T> {
    let payload = codec::decode_blob(kind, bytes)?;
    serde_json::from_slice(payload).map_err(|e| Error::Corrupt(format!("bad JSON payload: {e}")))
}

const KIND_INDEX: [u8; 4] = *b"CNFI";
const KIND_MANIFEST: [u8; 4] = *b"CNFM";

impl<S: Storage> Database<S> {
    /// Opens a database: reads every index configuration and namespace
    /// manifest (not the records).
    pub async fn open(storage: S, options: Options) -> Result<Database<S>> {
        let db = Database {
            engine: RefCell::new(Engine::with_offload(storage.persistent().then_some(options.resident_below))),
            storage,
            manifests: RefCell::new(HashMap::new()),
            last_used: RefCell::new(HashMap::new()),
            clock: Cell::new(0),
            gate: Gate::default(),
            options,
            metrics: RefCell::new(Metrics::default()),
            collections: RefCell::new(Default::default()),
            collection_bytes: RefCell::new(HashMap::new()),
            defer_compaction: Cell::new(false),
            compaction_due: RefCell::new(Vec::new()),
            reload_wanted: Cell::new(false),
            evict_skip: Cell::new(0),
        };
        db.reload_catalog().await?;
        Ok(db)
    }

    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Re-reads the catalog from storage, dropping all in-memory state.
    async fn reload_catalog(&self) -> Result<()> {
        let configs = self.storage.scan(&key!["index"]).await?;
        let manifests = self.storage.scan(&key!["manifest"]).await?;
        let mut engine = Engine::with_offload(self.storage.persistent().then_some(self.options.resident_below));
        for (_, bytes) in configs {
            let config: IndexConfig = unblob_json(KIND_INDEX, &bytes)?;
            engine.install_index(config)?;
        }
        let mut mans = HashMap::new();
        for (k, bytes) in manifests {
            let (Some(Part::Str(index)), Some(Part::Str(ns))) = (k.get(1), k.get(2)) else {
                return Err(Error::Corrupt(format!("bad manifest key {k:?}")));
            };
            let m: Manifest = match unblob_json(KIND_MANIFEST, &bytes) {
                Ok(m) => m,
                Err(_) => {
                    // A corrupt manifest fails only its own namespace: it is
                    // listed with no records, and loading it (which re-reads
                    // and decodes the manifest) returns `Error::Corrupt`.
                    if let Some(idx) = engine.indexes.get_mut(index) {
                        idx.namespaces.insert(
                            ns.clone(),
                            NsState { entry: NsEntry::Unloaded { count: 0, bytes: 0 }, schema: None },
                        );
                    }
                    continue;
                }
            };
            if let Some(idx) = engine.indexes.get_mut(index) {
                idx.namespaces.insert(
                    ns.clone(),
                    NsState { entry: NsEntry::Unloaded { count: m.count, bytes: m.bytes }, schema: m.schema.clone() },
                );
            }
            mans.insert((index.clone(), ns.clone()), m);
        }
        let mut colls = std::collections::BTreeMap::new();
        for (_, bytes) in self.storage.scan(&key!["collmeta"]).await? {
            let m: CollectionMeta = unblob_json(KIND_COLLECTION, &bytes)?;
            colls.insert(m.header.name.clone(), m);
        }
        *self.collections.borrow_mut() = colls;
        *self.engine.borrow_mut() = engine;
        *self.manifests.borrow_mut() = mans;
        self.last_used.borrow_mut().clear();
        Ok(())
    }

    /// Read access to the engine (for describe/list and tests).
    pub fn engine(&self) -> std::cell::Ref<'_, Engine> {
        self.engine.borrow()
    }

    // ---- control plane ----------------------------------------------------

    /// Creates an index; with `spec.*.source_collection` it is restored from
    /// that collection (same dimension and vector type; metric and spec may
    /// differ — the migration path).
    pub async fn create_index(&self, body: &Json) -> Result<IndexConfig> {
        let config = IndexConfig::create(body)?;
        let Some(source) = config.source_collection().map(String::from) else {
            return self.create_index_from_config(config).await;
        };
        if self.engine.borrow().indexes.contains_key(&config.name) {
            return Err(Error::AlreadyExists(config.name));
        }
        let coll = collection::decode(&self.collection_bytes(&source).await?)?;
        let src = &coll.header.config;
        if src.dimension != config.dimension || src.vector_type != config.vector_type {
            return Err(Error::invalid(format!(
                "The index must have the same dimension and vector type as the collection '{source}' (dimension {}).",
                src.dimension.map_or("none".to_string(), |d| d.to_string())
            )));
        }
        let name = config.name.clone();
        let created = self.create_index_from_config(config).await?;
        if let Err(e) = self.restore_records(&name, coll.namespaces).await {
            // Leave nothing half-restored behind. (Removed directly:
            // deletion protection does not apply to an index that never
            // finished creating.)
            self.engine.borrow_mut().indexes.remove(&name);
            self.manifests.borrow_mut().retain(|(i, _), _| *i != name);
            let _ = self.persist(Change::DropIndex(name.clone())).await;
            return Err(e);
        }
        Ok(created)
    }

    async fn restore_records(&self, index: &str, namespaces: Vec<(String, Vec<crate::record::Record>)>) -> Result<()> {
        for (ns, records) in namespaces {
            for chunk in records.chunks(SNAPSHOT_CHUNK) {
                self.ensure_loaded(index, &ns).await?;
                let change = self.engine.borrow_mut().insert_records(index, &ns, chunk.to_vec())?;
                self.persist(change).await?;
                self.after_write(index, &ns);
            }
        }
        Ok(())
    }

    /// Upserts every record of collection bytes into an existing index
    /// (same dimension and vector type), namespace by namespace. Used where
    /// one index is spread over several databases (the edge worker's
    /// per-namespace objects).
    pub async fn restore_into(&self, index: &str, bytes: &[u8]) -> Result<u64> {
        let coll = collection::decode(bytes)?;
        let config = self.describe_index(index)?;
        let src = &coll.header.config;
        if src.dimension != config.dimension || src.vector_type != config.vector_type {
            return Err(Error::invalid("The index must have the same dimension and vector type as the collection."));
        }
        let n = coll.header.vector_count;
        self.restore_records(index, coll.namespaces).await?;
        Ok(n)
    }

    pub async fn create_index_from_config(&self, config: IndexConfig) -> Result<IndexConfig> {
        let (config, change) = self.engine.borrow_mut().install_index(config)?;
        self.persist(change).await?;
        Ok(config)
    }

    pub fn describe_index(&self, name: &str) -> Result<IndexConfig> {
        Ok(self.engine.borrow().index(name)?.config.clone())
    }

    pub fn list_indexes(&self) -> Vec<IndexConfig> {
        self.engine.borrow().indexes.values().map(|i| i.config.clone()).collect()
    }

    pub async fn configure_index(&self, name: &str, body: &Json) -> Result<IndexConfig> {
        let (config, change) = self.engine.borrow_mut().configure_index(name, body)?;
        self.persist(change).await?;
        Ok(config)
    }

    pub async fn delete_index(&self, name: &str) -> Result<()> {
        let change = self.engine.borrow_mut().delete_index(name)?;
        self.manifests.borrow_mut().retain(|(i, _), _| i != name);
        self.last_used.borrow_mut().retain(|(i, _), _| i != name);
        self.metrics.borrow_mut().forget_index(name);
        self.persist(change).await
    }

    // ---- data plane -------------------------------------------------------

    /// Runs one data-plane operation on `index` with a JSON body (the REST
    /// API's body, camelCase), recording metrics. `now` is a clock in
    /// milliseconds supplied by the caller (the engine does no I/O).
    pub async fn call(&self, op: DataOp, index: &str, body: &str, now: &dyn Fn() -> f64) -> Result<String> {
        self.call_with_vectors(op, index, body, None, now).await
    }

    /// [`Self::call`] with the dense vectors passed as numbers beside the
    /// JSON body instead of inside it (the JS package does this for queries
    /// and upserts: no digits to print and parse). Each value is narrowed to
    /// f32 as the JSON path narrows it. Only `query` (one vector) and
    /// `upsert` (one entry per record) take vectors this way, and a vector
    /// must not be given both ways.
    pub async fn call_with_vectors(
        &self,
        op: DataOp,
        index: &str,
        body: &str,
        side: Option<SideVectors<'_>>,
        now: &dyn Fn() -> f64,
    ) -> Result<String> {
        let started = now();
        let result = self.call_inner(op, index, body, side).await;
        if let Some(rt) = op.request_type() {
            let secs = (now() - started).max(0.0) / 1000.0;
            self.metrics.borrow_mut().record(index, rt, result.is_ok(), secs);
        }
        result
    }

    async fn call_inner(&self, op: DataOp, index: &str, body: &str, side: Option<SideVectors<'_>>) -> Result<String> {
        if body.len() > api::MAX_BODY_BYTES {
            return Err(Error::invalid(api::TOO_LARGE));
        }
        let side = side.map(|s| s.split(op)).transpose()?;
        self.engine.borrow().index(index)?;
        match op {
            DataOp::Upsert => {
                let mut req: api::UpsertRequest = api::parse(body)?;
                if let Some(side) = side {
                    if side.len() != req.vectors.len() {
                        return Err(Error::Argument(format!(
                            "{} vectors were passed beside {} records.",
                            side.len(),
                            req.vectors.len()
                        )));
                    }
                    for (r, v) in req.vectors.iter_mut().zip(side) {
                        if v.is_some() && r.values.is_some() {
                            return Err(Error::invalid("Cannot provide `values` both in the body and separately."));
                        }
                        r.values = r.values.take().or(v);
                    }
                }
                let ns = api::namespace_name(req.namespace.as_deref())?;
                self.ensure_loaded(index, &ns).await?;
                let (out, change) = self.engine.borrow_mut().upsert(index, req)?;
                self.persist(change).await?;
                self.after_write(index, &ns);
                self.after_use(index, &ns).await;
                Ok(out.to_string())
            }
            DataOp::Query => {
                let mut req: api::QueryRequest = api::parse(body)?;
                if let Some(side) = side {
                    let v = side.into_iter().next().flatten();
                    if v.is_some() && req.vector.is_some() {
                        return Err(Error::invalid("Cannot provide `vector` both in the body and separately."));
                    }
                    req.vector = req.vector.or(v);
                }
                let ns = api::namespace_name(req.namespace.as_deref())?;
                let out = self.run_with_values(index, &ns, |e| e.query(index, req.clone()).map(|o| (o, false))).await?;
                self.after_use(index, &ns).await;
                Ok(out)
            }
            DataOp::Fetch => {
                let req: api::FetchRequest = api::parse(body)?;
                let ns = api::namespace_name(req.namespace.as_deref())?;
                let out = self.run_with_values(index, &ns, |e| e.fetch(index, req.clone()).map(|o| (o, false))).await?;
                self.after_use(index, &ns).await;
                Ok(out)
            }
            DataOp::FetchByMetadata => {
                let req: api::FetchByMetadataRequest = api::parse(body)?;
                let ns = api::namespace_name(req.namespace.as_deref())?;
                let out = self.run_with_values(index, &ns, |e| e.fetch_by_metadata(index, req.clone()).map(|o| (o, false))).await?;
                self.after_use(index, &ns).await;
                Ok(out)
            }
            DataOp::Update => {
                let req: api::UpdateRequest = api::parse(body)?;
                let ns = api::namespace_name(req.namespace.as_deref())?;
                // A round that lacked values changed nothing (the engine
                // checks before changing); a round that changed something
                // is persisted and answers.
                let (out, change) = self
                    .run_with_values(index, &ns, |e| {
                        let (out, change) = e.update(index, req.clone())?;
                        let changed = change != Change::None;
                        Ok(((out, change), changed))
                    })
                    .await?;
                self.persist(change).await?;
                self.after_write(index, &ns);
                self.after_use(index, &ns).await;
                Ok(out.to_string())
            }
            DataOp::Delete => {
                let req: api::DeleteRequest = api::parse(body)?;
                let ns = api::namespace_name(req.namespace.as_deref())?;
                if !req.delete_all {
                    self.ensure_loaded(index, &ns).await?;
                }
                let (out, change) = self.engine.borrow_mut().delete(index, req)?;
                self.persist(change).await?;
                Ok(out.to_string())
            }
            DataOp::List => {
                let req: api::ListRequest = api::parse(body)?;
                let ns = api::namespace_name(req.namespace.as_deref())?;
                self.ensure_loaded(index, &ns).await?;
                let out = self.engine.borrow().list(index, req)?;
                self.after_use(index, &ns).await;
                Ok(out.to_string())
            }
            DataOp::DescribeIndexStats => {
                let req: api::StatsRequest = if body.trim().is_empty() { Default::default() } else { api::parse(body)? };
                if req.filter.is_some() {
                    let names: Vec<String> =
                        self.engine.borrow().index(index)?.namespaces.keys().cloned().collect();
                    for ns in names {
                        self.ensure_loaded(index, &ns).await?;
                    }
                }
                self.engine.borrow().describe_index_stats(index, req).map(|j| j.to_string())
            }
            DataOp::ListNamespaces => {
                let req: api::ListNamespacesRequest =
                    if body.trim().is_empty() { Default::default() } else { api::parse(body)? };
                self.engine.borrow().list_namespaces(index, req).map(|j| j.to_string())
            }
            DataOp::CreateNamespace => {
                let req: api::CreateNamespaceRequest = api::parse(body)?;
                let (out, change) = self.engine.borrow_mut().create_namespace(index, req)?;
                self.persist(change).await?;
                Ok(out.to_string())
            }
        }
    }

    pub fn describe_namespace(&self, index: &str, ns: &str) -> Result<Json> {
        self.engine.borrow().describe_namespace(index, ns)
    }

    pub async fn delete_namespace(&self, index: &str, ns: &str) -> Result<()> {
        let change = self.engine.borrow_mut().delete_namespace(index, ns)?;
        self.persist(change).await
    }

    // ---- values kept in storage (int8 namespaces) ---------------------------

    /// Runs an engine operation on a loaded namespace whose f32 values may
    /// be in storage only. Each round hands the namespace the values read
    /// so far and runs `op`; if it asked for values that were not there (a
    /// query's candidates, fetched records, a record being updated), they
    /// are read (one `get_many`) and `op` runs again. Values read while the
    /// namespace changed are dropped and read again, so no round mixes
    /// values from before a write with records from after it. `op` returns
    /// whether its result stands whatever it lacked (an update that changed
    /// something must be persisted, not repeated); the engine's checks make
    /// a round that lacked values change nothing. A resident namespace runs
    /// `op` once.
    async fn run_with_values<T>(
        &self,
        index: &str,
        ns: &str,
        mut op: impl FnMut(&mut Engine) -> Result<(T, bool)>,
    ) -> Result<T> {
        let mut have: HashMap<String, Vec<f32>> = HashMap::new();
        for _ in 0..VALUE_ROUNDS {
            self.ensure_loaded(index, ns).await?;
            let (result, missing, generation) = {
                let mut engine = self.engine.borrow_mut();
                let released = engine.loaded_namespace(index, ns).is_some_and(|n| !n.is_resident());
                if !released {
                    return op(&mut engine).map(|(t, _)| t);
                }
                if let Some(n) = engine.loaded_namespace_mut(index, ns) {
                    n.provide(&mut have);
                }
                let result = op(&mut engine);
                match engine.loaded_namespace_mut(index, ns) {
                    Some(n) => (result, n.take_back(&mut have), Some(n.generation())),
                    None => (result, Vec::new(), None),
                }
            };
            let result = result?;
            if missing.is_empty() || result.1 {
                return Ok(result.0);
            }
            let read = self.read_values(index, ns, &missing).await?;
            let now = self.engine.borrow().loaded_namespace(index, ns).map(|n| n.generation());
            if now != generation {
                // Written (or reloaded) while reading: start over.
                have.clear();
                continue;
            }
            if let Some(id) = missing.iter().find(|id| !read.contains_key(*id)) {
                return Err(Error::Corrupt(format!(
                    "namespace '{ns}' of index '{index}': the stored values of record '{id}' are missing"
                )));
            }
            have.extend(read);
        }
        Err(Error::Throttled(format!(
            "Namespace '{ns}' changed on every one of {VALUE_ROUNDS} reads of its stored vectors; retry the request."
        )))
    }

    /// The stored f32 values of `ids` (those present).
    async fn read_values(&self, index: &str, ns: &str, ids: &[String]) -> Result<HashMap<String, Vec<f32>>> {
        let dim = self.engine.borrow().index(index)?.config.dimension.unwrap_or(0) as usize;
        let keys: Vec<crate::store::Key> = ids.iter().map(|id| key!["vec", index, ns, id.as_str()]).collect();
        let got = self.storage.get_many(&keys).await?;
        let mut out = HashMap::with_capacity(ids.len());
        for (id, bytes) in ids.iter().zip(got) {
            if let Some(b) = bytes {
                let v = decode_values(&b, dim)
                    .map_err(|e| Error::Corrupt(format!("namespace '{ns}' of index '{index}', record '{id}': {e}")))?;
                out.insert(id.clone(), v);
            }
        }
        Ok(out)
    }

    /// Runs `f` on a loaded namespace with every live record's values at
    /// hand (read back from storage when released: compaction and
    /// collections). `Ok(None)`: not loaded, or written while reading.
    async fn with_all_values<T>(&self, index: &str, ns: &str, f: impl FnOnce(&Namespace) -> T) -> Result<Option<T>> {
        let generation = {
            let engine = self.engine.borrow();
            match engine.loaded_namespace(index, ns) {
                None => return Ok(None),
                Some(n) if n.is_resident() => return Ok(Some(f(n))),
                Some(n) => n.generation(),
            }
        };
        let dim = self.engine.borrow().index(index)?.config.dimension.unwrap_or(0) as usize;
        let mut have = HashMap::new();
        for (k, bytes) in self.storage.scan(&key!["vec", index, ns]).await? {
            let Some(Part::Str(id)) = k.get(3) else {
                return Err(Error::Corrupt(format!("bad values key {k:?}")));
            };
            let v = decode_values(&bytes, dim)
                .map_err(|e| Error::Corrupt(format!("namespace '{ns}' of index '{index}', record '{id}': {e}")))?;
            have.insert(id.clone(), v);
        }
        let mut engine = self.engine.borrow_mut();
        let Some(n) = engine.loaded_namespace_mut(index, ns).filter(|n| n.generation() == generation) else {
            return Ok(None);
        };
        n.provide(&mut have);
        drop(have);
        let out = f(n);
        let mut back = HashMap::new();
        let missing = n.take_back(&mut back);
        if let Some(id) = missing.first() {
            return Err(Error::Corrupt(format!(
                "namespace '{ns}' of index '{index}': the stored values of record '{id}' are missing"
            )));
        }
        Ok(Some(out))
    }

    /// After a committed write: a released int8 namespace whose data drifted
    /// from its quantiser's ranges (`Namespace::requant_due`) is unloaded
    /// (the next use reloads it from storage, training on every value); one
    /// that reached
    /// [`crate::namespace::RESIDENT_BELOW`] records releases its f32 arena.
    /// Then the graph store is queued if due.
    fn after_write(&self, index: &str, ns: &str) {
        let stored = self
            .manifests
            .borrow()
            .get(&(index.to_string(), ns.to_string()))
            .is_some_and(|m| m.values);
        let mut engine = self.engine.borrow_mut();
        if let Some(n) = engine.loaded_namespace_mut(index, ns) {
            if n.requant_due() {
                engine.unload_namespace(index, ns);
                return;
            }
            if stored {
                n.release_values();
            }
        }
        drop(engine);
        self.queue_graph_store(index, ns);
    }

    // ---- loading, eviction, persistence -----------------------------------

    async fn ensure_loaded(&self, index: &str, ns: &str) -> Result<()> {
        // One load at a time: wait for a concurrent load to finish, then
        // re-check (it may have loaded this namespace).
        if !self.engine.borrow().needs_load(index, ns) {
            return Ok(());
        }
        self.gate.acquire().await;
        let result = if self.engine.borrow().needs_load(index, ns) { self.load(index, ns).await } else { Ok(()) };
        self.gate.release();
        result
    }

    async fn load(&self, index: &str, ns: &str) -> Result<()> {
        // Read the manifest before and after the segments and retry until
        // both agree: another tab may commit (or compact) between the two
        // reads, and the segments must be read against the manifest that
        // describes them. In one tab the stored manifest equals the
        // in-memory one (reads wait for queued writes).
        let mkey = key!["manifest", index, ns];
        let mut tries = 0;
        let gkey = key!["graph", index, ns];
        let (stored, segs, graph) = loop {
            let before = self.storage.get(&mkey).await?;
            let segs = self.storage.scan(&key!["seg", index, ns]).await?;
            let graph = self.storage.get(&gkey).await?;
            let after = self.storage.get(&mkey).await?;
            tries += 1;
            if before == after || tries >= 5 {
                break (after, segs, graph);
            }
        };
        let k = (index.to_string(), ns.to_string());
        let manifest: Manifest = match stored {
            Some(bytes) => unblob_json(KIND_MANIFEST, &bytes)
                .map_err(|e| Error::Corrupt(format!("namespace '{ns}' of index '{index}': {e}")))?,
            None => {
                // Deleted by another tab since our catalog was read.
                if let Some(idx) = self.engine.borrow_mut().indexes.get_mut(index) {
                    idx.namespaces.remove(ns);
                }
                self.manifests.borrow_mut().remove(&k);
                return Ok(());
            }
        };
        self.manifests.borrow_mut().insert(k, manifest.clone());
        let mut namespace = self.engine.borrow().index(index)?.new_namespace();
        let dim = namespace.dim() as u32;
        namespace.begin_load();
        // The stored graph applies once the snapshot's segments are in.
        let mut graph = graph.filter(|_| manifest.graph && manifest.snapshot_end > manifest.base_seq);
        let mut graph_installed = false;
        for (k, bytes) in &segs {
            let seq = match k.get(3) {
                Some(Part::Int(s)) => *s,
                _ => return Err(Error::Corrupt(format!("bad segment key {k:?}"))),
            };
            // Segments at or past next_seq were never committed by a manifest.
            if seq >= manifest.next_seq || seq < manifest.base_seq {
                continue;
            }
            if seq >= manifest.snapshot_end {
                if let Some(g) = graph.take() {
                    graph_installed = namespace.install_graph(&g);
                }
            }
            let (seg, seg_dim) = codec::decode_segment(bytes)
                .map_err(|e| Error::Corrupt(format!("namespace '{ns}' of index '{index}': {e}")))?;
            if seg_dim != dim {
                return Err(Error::Corrupt(format!(
                    "namespace '{ns}' of index '{index}': segment dimension {seg_dim} differs from the index's {dim}"
                )));
            }
            apply_segment(&mut namespace, seg);
        }
        if let Some(g) = graph.take() {
            graph_installed = namespace.install_graph(&g);
        }
        namespace.finish_load();
        // Compact when the log is long, or when a graph had to be built
        // because none was stored (so the next load does not build it again).
        let needs_compaction = manifest.next_seq.saturating_sub(manifest.base_seq) > COMPACT_AFTER_SEGMENTS
            || (namespace.has_graph() && !graph_installed);
        if namespace.offloads() {
            let mut stored = manifest.values;
            if !stored {
                // Written before values had keys of their own: store them
                // now, from the records just read, with the manifest.
                let mut m = manifest.clone();
                m.values = true;
                let mut ops: Vec<Op> =
                    namespace.records().map(|r| Op::Put(key!["vec", index, ns, r.id.as_str()], encode_values(&r.values))).collect();
                ops.push(Op::Put(key!["manifest", index, ns], blob_json(KIND_MANIFEST, &m)));
                if self.storage.commit(ops).await.is_ok() {
                    self.manifests.borrow_mut().insert((index.to_string(), ns.to_string()), m);
                    stored = true;
                }
            }
            if stored {
                namespace.release_values();
            }
        }
        self.engine.borrow_mut().install_namespace(index, ns, namespace, manifest.schema.clone())?;
        if needs_compaction {
            if self.defer_compaction.get() {
                self.queue_compaction(index, ns);
            } else {
                // A failed compaction changes nothing: the old log stays valid.
                let _ = self.compact(index, ns).await;
            }
        }
        Ok(())
    }

    // ---- hooks for the wasm binding (IndexedDB, several tabs) -------------
    //
    // In a browser several tabs share one IndexedDB database, each with its
    // own `Database` in memory. The binding serialises writers across tabs
    // with a Web Lock and, before writing or when notified, tells this
    // database what other tabs changed; these methods bring memory back in
    // line with storage for exactly those parts.

    fn queue_compaction(&self, index: &str, ns: &str) {
        let k = (index.to_string(), ns.to_string());
        let mut due = self.compaction_due.borrow_mut();
        if !due.contains(&k) {
            due.push(k);
        }
    }

    /// After a write: queues a compaction that stores the namespace's graph
    /// when storage has none for it, or when the stored one lags by more
    /// than `GRAPH_STALE_MIN` records or a tenth of the namespace, so that a
    /// reopen installs the graph instead of rebuilding it. It runs when the
    /// host calls [`Self::compact_due`]: the JS package does so once writes
    /// pause, and on `close()`; the edge worker when its object is idle.
    fn queue_graph_store(&self, index: &str, ns: &str) {
        if !self.storage.persistent() {
            return;
        }
        let has_graph = {
            let engine = self.engine.borrow();
            let st = engine.indexes.get(index).and_then(|i| i.namespaces.get(ns));
            matches!(st, Some(NsState { entry: NsEntry::Loaded(n), .. }) if n.has_graph())
        };
        if !has_graph {
            return;
        }
        let stale = match self.manifests.borrow().get(&(index.to_string(), ns.to_string())) {
            Some(m) => !m.graph || m.pending >= GRAPH_STALE_MIN.max(m.count as u64 / 10),
            None => false,
        };
        if stale {
            self.queue_compaction(index, ns);
        }
    }

    /// Queue compaction found due while loading instead of running it inside
    /// the load (which holds the load gate and delays the first read).
    pub fn set_defer_compaction(&self, on: bool) {
        self.defer_compaction.set(on);
    }

    /// Namespaces whose compaction is queued (see [`Self::set_defer_compaction`]).
    pub fn compactions_due(&self) -> usize {
        self.compaction_due.borrow().len()
    }

    /// Runs the queued compactions (the caller holds the write lock).
    pub async fn compact_due(&self) -> Result<()> {
        let due = std::mem::take(&mut *self.compaction_due.borrow_mut());
        let mut first_err = None;
        for (i, n) in due {
            if let Err(e) = self.compact(&i, &n).await {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Re-reads the whole catalog from storage (all in-memory namespaces are
    /// dropped and load again on use).
    pub async fn refresh(&self) -> Result<()> {
        self.gate.acquire().await;
        let r = self.reload_catalog().await;
        self.gate.release();
        r
    }

    /// Brings one namespace in line with storage after another tab wrote
    /// it: if its stored manifest differs from the one in memory, the
    /// namespace is unloaded (its next use re-reads it) or forgotten (it was
    /// deleted). A no-op when nothing changed, so stale notices are cheap.
    pub async fn invalidate(&self, index: &str, ns: &str) -> Result<()> {
        self.gate.acquire().await;
        let r = self.invalidate_locked(index, ns).await;
        self.gate.release();
        r
    }

    async fn invalidate_locked(&self, index: &str, ns: &str) -> Result<()> {
        let stored = self.storage.get(&key!["manifest", index, ns]).await?;
        let k = (index.to_string(), ns.to_string());
        let stored: Option<Manifest> = match stored {
            None => None,
            Some(b) => match unblob_json(KIND_MANIFEST, &b) {
                Ok(m) => Some(m),
                // Corrupt: list it with no records; loading reports it.
                Err(_) => Some(Manifest { next_seq: u64::MAX, ..Manifest::default() }),
            },
        };
        if stored.as_ref() == self.manifests.borrow().get(&k) {
            return Ok(());
        }
        if !self.engine.borrow().indexes.contains_key(index) {
            // An index this tab has not seen: re-read the catalog.
            return self.reload_catalog().await;
        }
        let mut engine = self.engine.borrow_mut();
        let Some(idx) = engine.indexes.get_mut(index) else { return Ok(()) };
        match stored {
            None => {
                idx.namespaces.remove(ns);
                self.manifests.borrow_mut().remove(&k);
            }
            Some(m) => {
                idx.namespaces.insert(
                    ns.to_string(),
                    NsState { entry: NsEntry::Unloaded { count: m.count, bytes: m.bytes }, schema: m.schema.clone() },
                );
                if m.next_seq == u64::MAX {
                    self.manifests.borrow_mut().remove(&k);
                } else {
                    self.manifests.borrow_mut().insert(k.clone(), m);
                }
            }
        }
        self.last_used.borrow_mut().remove(&k);
        Ok(())
    }

    /// Applies what another tab changed, given the storage keys it touched
    /// (cut to `[kind, index, namespace]`): manifests invalidate their
    /// namespace; index configurations and anything else re-read the
    /// catalog. `None` (the change list is unknown) re-reads the catalog.
    pub async fn apply_external_changes(&self, touched: Option<&[crate::store::Key]>) -> Result<()> {
        let Some(touched) = touched else { return self.refresh().await };
        let mut namespaces = Vec::new();
        for k in touched {
            match (k.first(), k.get(1), k.get(2)) {
                (Some(Part::Str(kind)), Some(Part::Str(i)), Some(Part::Str(n))) if kind == "manifest" => {
                    namespaces.push((i.clone(), n.clone()));
                }
                // A namespace's segments, stored graph and stored values
                // always change with its manifest (the log cuts keys to
                // three parts, so an s1 write lists `["vec", index, ns]`).
                (Some(Part::Str(kind)), Some(Part::Str(_)), Some(Part::Str(_)))
                    if kind == "seg" || kind == "graph" || kind == "vec" => {}
                (Some(Part::Str(kind)), _, _) if kind == "collection" => {}
                _ => return self.refresh().await,
            }
        }
        for (i, n) in namespaces {
            self.invalidate(&i, &n).await?;
        }
        Ok(())
    }

    /// After a failed commit: re-read the catalog so memory holds exactly
    /// what storage holds. Every batch of a failed transaction lands here;
    /// they share one reload.
    async fn recover(&self) {
        self.reload_wanted.set(true);
        self.gate.acquire().await;
        if self.reload_wanted.replace(false) {
            let _ = self.reload_catalog().await;
        }
        self.gate.release();
    }

    /// Rewrites a namespace's log as a few snapshot segments and drops the
    /// old ones, in one atomic batch.
    pub async fn compact(&self, index: &str, ns: &str) -> Result<()> {
        // A released namespace's records get their values back from storage.
        let Some(records) = self.with_all_values(index, ns, |n| n.records().collect::<Vec<_>>()).await? else {
            if self.engine.borrow().loaded_namespace(index, ns).is_some() {
                // Written while its values were read: try again later.
                self.queue_compaction(index, ns);
            }
            return Ok(());
        };
        let (ops, new_manifest) = {
            let engine = self.engine.borrow();
            let idx = engine.index(index)?;
            let Some(NsState { entry: NsEntry::Loaded(n), schema }) = idx.namespaces.get(ns) else {
                return Ok(());
            };
            let mans = self.manifests.borrow();
            let old = mans.get(&(index.to_string(), ns.to_string())).cloned().unwrap_or_default();
            let dim = n.dim() as u32;
            let mut ops = vec![Op::DeletePrefix(key!["seg", index, ns])];
            let base = old.next_seq;
            let mut seq = base;
            let mut first = true;
            for chunk in records.chunks(SNAPSHOT_CHUNK) {
                let seg = Segment { clear: first, deletes: Vec::new(), upserts: chunk.to_vec() };
                first = false;
                ops.push(Op::Put(key!["seg", index, ns, seq], codec::encode_segment(&seg, dim)));
                seq += 1;
            }
            let graph = n.graph_snapshot();
            let m = Manifest {
                count: n.len(),
                bytes: n.size_bytes(),
                next_seq: seq,
                base_seq: base,
                schema: schema.clone(),
                snapshot_end: seq,
                graph: graph.is_some(),
                pending: 0,
                values: old.values,
            };
            match graph {
                Some(g) => ops.push(Op::Put(key!["graph", index, ns], g)),
                None => ops.push(Op::Delete(key!["graph", index, ns])),
            }
            ops.push(Op::Put(key!["manifest", index, ns], blob_json(KIND_MANIFEST, &m)));
            (ops, m)
        };
        // Issued state, as in `persist`: later batches number after it.
        let k = (index.to_string(), ns.to_string());
        let old = self.manifests.borrow_mut().insert(k.clone(), new_manifest.clone());
        if let Err(e) = self.storage.commit(ops).await {
            // Undo the reservation (its base_seq would hide the old log).
            // Batches issued behind it failed too and reload the catalog.
            let mut mans = self.manifests.borrow_mut();
            if mans.get(&k) == Some(&new_manifest) {
                match old {
                    Some(m) => mans.insert(k, m),
                    None => mans.remove(&k),
                };
            }
            return Err(e);
        }
        Ok(())
    }

    /// Marks a namespace used and evicts idle ones over the memory budget.
    async fn after_use(&self, index: &str, ns: &str) {
        let t = self.clock.get() + 1;
        self.clock.set(t);
        self.last_used.borrow_mut().insert((index.to_string(), ns.to_string()), t);
        self.evict_over_budget(index, ns);
    }

    fn evict_over_budget(&self, keep_index: &str, keep_ns: &str) {
        if self.evict_skip.get() > 0 {
            self.evict_skip.set(self.evict_skip.get() - 1);
            return;
        }
        let mut engine = self.engine.borrow_mut();
        let mut loaded: Vec<(u64, String, String, usize)> = Vec::new();
        let mut total = 0usize;
        for (iname, idx) in &engine.indexes {
            for (nname, st) in &idx.namespaces {
                if let NsEntry::Loaded(n) = &st.entry {
                    let bytes = n.heap_bytes();
                    total += bytes;
                    let used = self.last_used.borrow().get(&(iname.clone(), nname.clone())).copied().unwrap_or(0);
                    loaded.push((used, iname.clone(), nname.clone(), bytes));
                }
            }
        }
        self.evict_skip.set(loaded.len() / 64);
        // A store that keeps nothing cannot give an evicted namespace back.
        if total <= self.options.memory_budget || !self.storage.persistent() {
            return;
        }
        loaded.sort();
        for (_, i, n, bytes) in loaded {
            if total <= self.options.memory_budget {
                break;
            }
            if i == keep_index && n == keep_ns {
                continue;
            }
            // Only namespaces whose state is fully persisted can be evicted;
            // with write-through persistence that is every loaded namespace
            // (memory-only databases are opened with an unlimited budget).
            engine.unload_namespace(&i, &n);
            self.last_used.borrow_mut().remove(&(i, n));
            total -= bytes;
        }
    }

    /// Writes a change. On failure the affected state is reloaded from
    /// storage so memory never holds what storage does not.
    async fn persist(&self, change: Change) -> Result<()> {
        if !self.storage.persistent() {
            return Ok(());
        }
        let (ops, manifest_update) = self.ops_for(&change);
        if ops.is_empty() {
            return Ok(());
        }
        // The in-memory manifests describe the state after every *issued*
        // batch, not only the committed ones: a storage with group commit
        // (IndexedDB) may hold several batches of one namespace in flight,
        // and each must get its own segment number. Storage applies batches
        // in issue order, so once they all commit, storage equals memory.
        {
            let mut mans = self.manifests.borrow_mut();
            match manifest_update {
                ManifestUpdate::Set(k, m) => {
                    mans.insert(k, m);
                }
                ManifestUpdate::Remove(k) => {
                    mans.remove(&k);
                }
                ManifestUpdate::RemoveIndex(i) => mans.retain(|(x, _), _| *x != i),
                ManifestUpdate::None => {}
            }
        }
        match self.storage.commit(ops).await {
            Ok(()) => Ok(()),
            Err(e) => {
                // Memory ran ahead of storage: make memory match storage.
                self.recover().await;
                Err(e)
            }
        }
    }

    fn ops_for(&self, change: &Change) -> (Vec<Op>, ManifestUpdate) {
        match change {
            Change::None => (Vec::new(), ManifestUpdate::None),
            Change::PutIndex(c) => {
                (vec![Op::Put(key!["index", c.name.as_str()], blob_json(KIND_INDEX, c))], ManifestUpdate::None)
            }
            Change::DropIndex(name) => (
                vec![
                    Op::Delete(key!["index", name.as_str()]),
                    Op::DeletePrefix(key!["manifest", name.as_str()]),
                    Op::DeletePrefix(key!["seg", name.as_str()]),
                    Op::DeletePrefix(key!["graph", name.as_str()]),
                    Op::DeletePrefix(key!["vec", name.as_str()]),
                ],
                ManifestUpdate::RemoveIndex(name.clone()),
            ),
            Change::DropNamespace { index, namespace } => (
                vec![
                    Op::DeletePrefix(key!["seg", index.as_str(), namespace.as_str()]),
                    Op::Delete(key!["graph", index.as_str(), namespace.as_str()]),
                    Op::DeletePrefix(key!["vec", index.as_str(), namespace.as_str()]),
                    Op::Delete(key!["manifest", index.as_str(), namespace.as_str()]),
                ],
                ManifestUpdate::Remove((index.clone(), namespace.clone())),
            ),
            Change::CreateNamespace { index, namespace, schema } => {
                let values = self.engine.borrow().index(index).is_ok_and(|i| i.offloads());
                let m = Manifest { schema: schema.clone(), values, ..Manifest::default() };
                (
                    vec![Op::Put(key!["manifest", index.as_str(), namespace.as_str()], blob_json(KIND_MANIFEST, &m))],
                    ManifestUpdate::Set((index.clone(), namespace.clone()), m),
                )
            }
            Change::Segment { index, namespace, segment } => {
                let k = (index.clone(), namespace.clone());
                let known = self.manifests.borrow().get(&k).cloned();
                let engine = self.engine.borrow();
                let Ok(idx) = engine.index(index) else { return (Vec::new(), ManifestUpdate::None) };
                let offloads = idx.offloads();
                // A namespace's first segment starts its values keys too.
                let mut m = known.unwrap_or(Manifest { values: offloads, ..Manifest::default() });
                let dim = idx.config.dimension.unwrap_or(0);
                if let Some(st) = idx.namespaces.get(namespace) {
                    m.count = st.count();
                    m.bytes = st.bytes();
                    m.schema = st.schema.clone();
                }
                let seq = m.next_seq;
                m.next_seq += 1;
                m.pending = m.pending.saturating_add(segment.upserts.len() as u64);
                let mut ops = vec![
                    Op::Put(key!["seg", index.as_str(), namespace.as_str(), seq], codec::encode_segment(segment, dim)),
                    Op::Put(key!["manifest", index.as_str(), namespace.as_str()], blob_json(KIND_MANIFEST, &m)),
                ];
                if offloads {
                    let (i, n) = (index.as_str(), namespace.as_str());
                    if segment.clear {
                        ops.push(Op::DeletePrefix(key!["vec", i, n]));
                    }
                    ops.extend(segment.deletes.iter().map(|id| Op::Delete(key!["vec", i, n, id.as_str()])));
                    ops.extend(
                        segment.upserts.iter().map(|r| Op::Put(key!["vec", i, n, r.id.as_str()], encode_values(&r.values))),
                    );
                }
                (ops, ManifestUpdate::Set(k, m))
            }
        }
    }

    // ---- collections ------------------------------------------------------

    fn collection_json(m: &CollectionMeta) -> Json {
        let c = &m.header.config;
        let mut out = json!({
            "name": m.header.name,
            "size": m.size,
            "status": "Ready",
            "vector_count": m.header.vector_count,
            "environment": m.header.environment,
            "source": m.header.source,
        });
        if let (Some(d), Some(o)) = (c.dimension, out.as_object_mut()) {
            o.insert("dimension".into(), json!(d));
        }
        out
    }

    /// `createCollection({name, source})`: a static copy of every namespace
    /// of `source`.
    pub async fn create_collection(&self, body: &Json) -> Result<Json> {
        let name = body.get("name").and_then(Json::as_str).ok_or_else(|| Error::invalid("Missing required field `name`."))?;
        let source = body.get("source").and_then(Json::as_str).ok_or_else(|| Error::invalid("Missing required field `source`."))?;
        crate::config::validate_resource_name(name, "Collection")?;
        if self.collections.borrow().contains_key(name) {
            return Err(Error::AlreadyExists(name.to_string()));
        }
        let config = self.describe_index(source)?;
        let names: Vec<String> = self.engine.borrow().index(source)?.namespaces.keys().cloned().collect();
        let mut namespaces = Vec::new();
        for ns in names {
            for round in 0..VALUE_ROUNDS {
                self.ensure_loaded(source, &ns).await?;
                if let Some(records) = self.with_all_values(source, &ns, |n| n.records().collect::<Vec<_>>()).await? {
                    namespaces.push((ns.clone(), records));
                    break;
                }
                if self.engine.borrow().loaded_namespace(source, &ns).is_none() && !self.engine.borrow().needs_load(source, &ns) {
                    break; // deleted meanwhile
                }
                if round + 1 == VALUE_ROUNDS {
                    return Err(Error::Throttled(format!(
                        "Namespace '{ns}' changed on every one of {VALUE_ROUNDS} reads of its stored vectors; retry creating the collection."
                    )));
                }
            }
        }
        let environment = match (&config.spec.pod, &config.spec.serverless) {
            (Some(p), _) => p.environment.clone(),
            (None, Some(s)) => format!("{}-{}", s.region, s.cloud),
            _ => String::new(),
        };
        let vector_count = namespaces.iter().map(|(_, r)| r.len() as u64).sum();
        let header = Header { name: name.to_string(), source: source.to_string(), config, vector_count, environment };
        let bytes = collection::encode(&header, &namespaces);
        self.store_collection(header, bytes).await
    }

    async fn store_collection(&self, header: Header, bytes: Vec<u8>) -> Result<Json> {
        let name = header.name.clone();
        let chunks = bytes.len().div_ceil(COLLECTION_CHUNK).max(1) as u64;
        let meta = CollectionMeta { header, size: bytes.len() as u64, chunks };
        if self.storage.persistent() {
            let mut ops = vec![
                Op::DeletePrefix(key!["collection", name.as_str()]),
                Op::Put(key!["collmeta", name.as_str()], blob_json(KIND_COLLECTION, &meta)),
            ];
            for (i, c) in bytes.chunks(COLLECTION_CHUNK).enumerate() {
                ops.push(Op::Put(key!["collection", name.as_str(), i as u64], c.to_vec()));
            }
            self.storage.commit(ops).await?;
        } else {
            self.collection_bytes.borrow_mut().insert(name.clone(), bytes);
        }
        let out = Self::collection_json(&meta);
        self.collections.borrow_mut().insert(name, meta);
        Ok(out)
    }

    async fn collection_bytes(&self, name: &str) -> Result<Vec<u8>> {
        let meta = self.collections.borrow().get(name).cloned().ok_or_else(|| Error::CollectionNotFound(name.to_string()))?;
        if !self.storage.persistent() {
            return self.collection_bytes.borrow().get(name).cloned().ok_or_else(|| Error::CollectionNotFound(name.to_string()));
        }
        let parts = self.storage.scan(&key!["collection", name]).await?;
        if parts.len() as u64 != meta.chunks {
            return Err(Error::Corrupt(format!("collection '{name}': {} of {} chunks present", parts.len(), meta.chunks)));
        }
        Ok(parts.into_iter().flat_map(|(_, b)| b).collect())
    }

    pub fn describe_collection(&self, name: &str) -> Result<Json> {
        self.collections
            .borrow()
            .get(name)
            .map(Self::collection_json)
            .ok_or_else(|| Error::CollectionNotFound(name.to_string()))
    }

    pub fn list_collections(&self) -> Json {
        let list: Vec<Json> = self.collections.borrow().values().map(Self::collection_json).collect();
        json!({ "collections": list })
    }

    pub async fn delete_collection(&self, name: &str) -> Result<()> {
        if !self.collections.borrow().contains_key(name) {
            return Err(Error::CollectionNotFound(name.to_string()));
        }
        if self.storage.persistent() {
            self.storage
                .commit(vec![Op::Delete(key!["collmeta", name]), Op::DeletePrefix(key!["collection", name])])
                .await?;
        }
        self.collection_bytes.borrow_mut().remove(name);
        self.collections.borrow_mut().remove(name);
        Ok(())
    }

    /// The collection's portable bytes (see [`crate::collection`]).
    pub async fn export_collection(&self, name: &str) -> Result<Vec<u8>> {
        let bytes = self.collection_bytes(name).await?;
        collection::decode_header(&bytes)?;
        Ok(bytes)
    }

    /// Stores exported bytes as collection `name` after validating them
    /// completely; invalid bytes change nothing.
    pub async fn import_collection(&self, name: &str, bytes: Vec<u8>) -> Result<Json> {
        crate::config::validate_resource_name(name, "Collection")?;
        if self.collections.borrow().contains_key(name) {
            return Err(Error::AlreadyExists(name.to_string()));
        }
        let mut coll = collection::decode(&bytes)?;
        coll.header.name = name.to_string();
        let bytes = collection::encode(&coll.header, &coll.namespaces);
        self.store_collection(coll.header, bytes).await
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Prometheus text for every index (metrics plus vector counts and
    /// fullness read from the catalog).
    pub fn metrics_text(&self) -> String {
        let engine = self.engine.borrow();
        let gauges: Vec<(String, u64, f64)> = engine
            .indexes
            .values()
            .map(|i| {
                let total = i.total_records() as u64;
                let full = match i.config.capacity() {
                    Some(c) if c > 0 => total as f64 / c as f64,
                    _ => 0.0,
                };
                (i.config.name.clone(), total, full)
            })
            .collect();
        self.metrics.borrow().prometheus(&self.options.project, &gauges)
    }

    /// The same figures as [`Self::metrics_text`], as JSON.
    pub fn metrics_json(&self) -> Json {
        let engine = self.engine.borrow();
        let mut out = json!({});
        for i in engine.indexes.values() {
            let total = i.total_records() as u64;
            let full = match i.config.capacity() {
                Some(c) if c > 0 => total as f64 / c as f64,
                _ => 0.0,
            };
            out[i.config.name.as_str()] = json!({
                "vector_count": total,
                "index_fullness": full,
                "requests": self.metrics.borrow().index_json(&i.config.name),
            });
        }
        json!({ "project_name": self.options.project, "indexes": out })
    }
}

enum ManifestUpdate {
    None,
    Set((String, String), Manifest),
    Remove((String, String)),
    RemoveIndex(String),
}

/// A one-holder async lock without threads: waiters park their wakers and
/// are woken when the holder releases (no busy polling, so an IndexedDB
/// callback that the holder awaits can run).
#[derive(Default)]
struct Gate {
    held: Cell<bool>,
    waiters: RefCell<Vec<std::task::Waker>>,
}

impl Gate {
    fn acquire(&self) -> impl std::future::Future<Output = ()> + '_ {
        std::future::poll_fn(move |cx| {
            if self.held.get() {
                self.waiters.borrow_mut().push(cx.waker().clone());
                std::task::Poll::Pending
            } else {
                self.held.set(true);
                std::task::Poll::Ready(())
            }
        })
    }

    fn release(&self) {
        self.held.set(false);
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for w in waiters {
            w.wake();
        }
    }
}
