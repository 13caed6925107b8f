//! The in-memory engine: indexes, their namespaces, and every Pinecone
//! operation on them, as pure synchronous functions from validated requests
//! to JSON responses plus the [`Change`] that persistence must write.
//!
//! **Invariant**: an operation either fails before changing anything, or
//! succeeds and returns the exact change it made. Namespaces not yet read
//! from storage are [`NsEntry::Unloaded`]; the caller (see [`crate::db`])
//! loads them before any operation that needs records, and the engine
//! refuses to touch records of an unloaded namespace.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use crate::api::{self, Shape};
use crate::codec::Segment;
use crate::config::{IndexConfig, VectorType};
use crate::error::{Error, Result};
use crate::filter::Filter;
use crate::metadata::{self, Metadata};
use crate::namespace::{Namespace, SearchRequest};
use crate::record::Record;

/// What a successful operation changed, for persistence to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    None,
    /// Records of one namespace changed (creating it if new).
    Segment { index: String, namespace: String, segment: Segment },
    /// An empty namespace was created explicitly (with an optional schema).
    CreateNamespace { index: String, namespace: String, schema: Option<Vec<String>> },
    /// A namespace and every record in it are gone.
    DropNamespace { index: String, namespace: String },
    /// An index was created or reconfigured.
    PutIndex(IndexConfig),
    /// An index and all its namespaces are gone.
    DropIndex(String),
}

/// A namespace as the catalog knows it.
#[derive(Debug, Clone)]
pub enum NsEntry {
    /// Boxed: most of 100,000 namespaces are unloaded, and an unboxed
    /// `Namespace` would make every entry ~600 bytes.
    Loaded(Box<Namespace>),
    /// Known from its manifest; records still in storage.
    Unloaded { count: usize, bytes: usize },
}

#[derive(Debug, Clone)]
pub struct NsState {
    pub entry: NsEntry,
    /// Filterable fields declared by `createNamespace({schema})`.
    pub schema: Option<Vec<String>>,
}

impl NsState {
    pub fn count(&self) -> usize {
        match &self.entry {
            NsEntry::Loaded(ns) => ns.len(),
            NsEntry::Unloaded { count, .. } => *count,
        }
    }

    pub fn bytes(&self) -> usize {
        match &self.entry {
            NsEntry::Loaded(ns) => ns.size_bytes(),
            NsEntry::Unloaded { bytes, .. } => *bytes,
        }
    }
}

#[derive(Debug, Clone)]
pub struct IndexState {
    pub config: IndexConfig,
    pub namespaces: BTreeMap<String, NsState>,
    /// The database's storage keeps int8 namespaces' f32 values under keys
    /// of their own (see [`Engine::offload_values`]).
    pub offload: Option<usize>,
}

impl IndexState {
    fn shape(&self) -> Shape {
        Shape {
            dim: self.config.dimension.unwrap_or(0) as usize,
            sparse_index: self.config.vector_type == VectorType::Sparse,
        }
    }

    pub fn new_namespace(&self) -> Namespace {
        Namespace::new(
            self.config.dimension.unwrap_or(0) as usize,
            self.config.metric,
            self.config.engine.mode(),
            self.config.engine.hnsw_params(),
        )
        .with_int8(self.config.engine.quantization == crate::config::Quantization::Int8)
        .with_offload(self.offload)
    }

    /// Whether this index's namespaces keep their f32 values in storage.
    pub fn offloads(&self) -> bool {
        self.offload.is_some()
            && self.config.engine.quantization == crate::config::Quantization::Int8
            && self.config.dimension.unwrap_or(0) > 0
    }

    pub fn total_records(&self) -> usize {
        self.namespaces.values().map(NsState::count).sum()
    }

    fn fullness(&self) -> f64 {
        match self.config.capacity() {
            Some(cap) if cap > 0 => self.total_records() as f64 / cap as f64,
            _ => 0.0,
        }
    }

    fn loaded(&self, ns: &str) -> Result<Option<&Namespace>> {
        match self.namespaces.get(ns).map(|s| &s.entry) {
            None => Ok(None),
            Some(NsEntry::Loaded(n)) => Ok(Some(n)),
            Some(NsEntry::Unloaded { .. }) => Err(Error::Storage(format!("namespace '{ns}' is not loaded"))),
        }
    }

    fn loaded_mut(&mut self, ns: &str) -> Result<Option<&mut Namespace>> {
        match self.namespaces.get_mut(ns).map(|s| &mut s.entry) {
            None => Ok(None),
            Some(NsEntry::Loaded(n)) => Ok(Some(n)),
            Some(NsEntry::Unloaded { .. }) => Err(Error::Storage(format!("namespace '{ns}' is not loaded"))),
        }
    }

    /// [`IndexState::visibility`] as the predicate namespaces take.
    fn visible(&self, ns: &str) -> Visible {
        Visible(self.visibility(ns).map(|fields| -> FieldPredicate {
            Box::new(move |f: &str| fields.iter().any(|x| x == f))
        }))
    }

    /// Fields filters may see: the pod `metadata_config.indexed` list
    /// intersected with the namespace schema, when either is set.
    fn visibility(&self, ns: &str) -> Option<Vec<String>> {
        let schema = self.namespaces.get(ns).and_then(|s| s.schema.clone());
        match (self.config.indexed_fields(), schema) {
            (None, None) => None,
            (Some(a), None) => Some(a.to_vec()),
            (None, Some(b)) => Some(b),
            (Some(a), Some(b)) => Some(a.iter().filter(|f| b.contains(f)).cloned().collect()),
        }
    }
}

/// A predicate over metadata field names.
type FieldPredicate = Box<dyn Fn(&str) -> bool>;

/// Which metadata fields filters may see, as a predicate (`None`: all).
struct Visible(Option<FieldPredicate>);

impl Visible {
    fn get(&self) -> Option<&dyn Fn(&str) -> bool> {
        self.0.as_deref()
    }
}

/// Read units charged for scanning `bytes` (1 RU per GB, at least 1).
fn read_units(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(1_000_000_000).max(1)
}

/// A record as the wire shows it. Serialised with serde directly (not via
/// `serde_json::Value`, which would widen f32 to f64 and print
/// `0.6000000238418579` for `0.6`).
#[derive(serde::Serialize)]
struct RecordOut<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f32>,
    values: &'a [f32],
    #[serde(rename = "sparseValues", skip_serializing_if = "Option::is_none")]
    sparse_values: Option<SparseOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Json>,
}

#[derive(serde::Serialize)]
struct SparseOut<'a> {
    indices: &'a [u32],
    values: &'a [f32],
}

fn record_out(r: &Record, values: bool, meta: bool, score: Option<f32>) -> RecordOut<'_> {
    RecordOut {
        id: &r.id,
        score,
        values: if values { &r.values } else { &[] },
        sparse_values: r
            .sparse
            .as_ref()
            .filter(|_| values)
            .map(|s| SparseOut { indices: &s.indices, values: &s.values }),
        metadata: if meta { r.metadata.as_ref().map(metadata::to_json) } else { None },
    }
}

/// Serialises a response; the types involved cannot fail to serialise.
fn to_string<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".to_string())
}

#[derive(serde::Serialize)]
struct QueryOut<'a> {
    matches: Vec<RecordOut<'a>>,
    namespace: &'a str,
    usage: Json,
}

#[derive(serde::Serialize)]
struct FetchOut<'a> {
    vectors: BTreeMap<&'a str, RecordOut<'a>>,
    namespace: &'a str,
    usage: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    pagination: Option<Json>,
}

#[derive(Debug, Clone, Default)]
pub struct Engine {
    pub indexes: BTreeMap<String, IndexState>,
    /// Set by a database whose storage keeps records: int8 (s1) namespaces
    /// of at least this many records then keep their f32 values in storage
    /// only, and the database writes each record's values under
    /// `["vec", index, ns, id]`.
    pub offload_values: Option<usize>,
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    /// An engine whose int8 namespaces keep f32 values in storage only
    /// (from `Some(n)` records on).
    pub fn with_offload(offload_values: Option<usize>) -> Engine {
        Engine { offload_values, ..Engine::default() }
    }

    /// The loaded namespace `ns` of `index`, if any.
    pub fn loaded_namespace(&self, index: &str, ns: &str) -> Option<&Namespace> {
        match self.indexes.get(index)?.namespaces.get(ns).map(|s| &s.entry) {
            Some(NsEntry::Loaded(n)) => Some(n),
            _ => None,
        }
    }

    /// Mutable [`Engine::loaded_namespace`].
    pub fn loaded_namespace_mut(&mut self, index: &str, ns: &str) -> Option<&mut Namespace> {
        match self.indexes.get_mut(index)?.namespaces.get_mut(ns).map(|s| &mut s.entry) {
            Some(NsEntry::Loaded(n)) => Some(n),
            _ => None,
        }
    }

    pub fn index(&self, name: &str) -> Result<&IndexState> {
        self.indexes.get(name).ok_or_else(|| Error::IndexNotFound(name.to_string()))
    }

    fn index_mut(&mut self, name: &str) -> Result<&mut IndexState> {
        self.indexes.get_mut(name).ok_or_else(|| Error::IndexNotFound(name.to_string()))
    }

    // ---- control plane ----------------------------------------------------

    pub fn create_index(&mut self, body: &Json) -> Result<(IndexConfig, Change)> {
        let config = IndexConfig::create(body)?;
        self.install_index(config)
    }

    /// Adds a validated configuration as a new, empty index.
    pub fn install_index(&mut self, config: IndexConfig) -> Result<(IndexConfig, Change)> {
        if self.indexes.contains_key(&config.name) {
            return Err(Error::AlreadyExists(config.name));
        }
        self.indexes.insert(
            config.name.clone(),
            IndexState { config: config.clone(), namespaces: BTreeMap::new(), offload: self.offload_values },
        );
        Ok((config.clone(), Change::PutIndex(config)))
    }

    pub fn configure_index(&mut self, name: &str, body: &Json) -> Result<(IndexConfig, Change)> {
        let idx = self.index_mut(name)?;
        idx.config.configure(body)?;
        Ok((idx.config.clone(), Change::PutIndex(idx.config.clone())))
    }

    pub fn delete_index(&mut self, name: &str) -> Result<Change> {
        let idx = self.index(name)?;
        if idx.config.is_protected() {
            return Err(Error::DeletionProtected);
        }
        self.indexes.remove(name);
        Ok(Change::DropIndex(name.to_string()))
    }

    // ---- data plane -------------------------------------------------------

    /// Whether `ns` exists in storage but is not in memory yet.
    pub fn needs_load(&self, index: &str, ns: &str) -> bool {
        self.indexes
            .get(index)
            .and_then(|i| i.namespaces.get(ns))
            .is_some_and(|s| matches!(s.entry, NsEntry::Unloaded { .. }))
    }

    pub fn upsert(&mut self, index: &str, req: api::UpsertRequest) -> Result<(Json, Change)> {
        let ns_name = api::namespace_name(req.namespace.as_deref())?;
        let idx = self.index_mut(index)?;
        let n = req.vectors.len();
        if n == 0 {
            return Err(Error::invalid("Must pass in at least 1 record to upsert."));
        }
        if n > api::MAX_UPSERT_RECORDS {
            return Err(Error::invalid(format!(
                "Upsert request contains {n} records, which exceeds the limit of {} records per request.",
                api::MAX_UPSERT_RECORDS
            )));
        }
        let shape = idx.shape();
        let records = req.vectors.into_iter().map(|w| api::record(w, shape)).collect::<Result<Vec<_>>>()?;
        if records.iter().map(api::payload_bytes).sum::<usize>() > api::MAX_REQUEST_BYTES {
            return Err(Error::invalid(api::TOO_LARGE));
        }
        if let Some(cap) = idx.config.capacity() {
            let existing = idx.loaded(&ns_name)?;
            let mut new_ids: Vec<&str> = records
                .iter()
                .filter(|r| !existing.is_some_and(|ns| ns.contains(&r.id)))
                .map(|r| r.id.as_str())
                .collect();
            new_ids.sort_unstable();
            new_ids.dedup();
            let after = idx.total_records() as u64 + new_ids.len() as u64;
            if after > cap {
                return Err(Error::QuotaExceeded(format!(
                    "Index '{}' is full: upserting {} new records would bring it to {after}, over the capacity of {cap} records for its pod configuration. Add shards, use a larger pod size, or delete records.",
                    idx.config.name,
                    new_ids.len()
                )));
            }
        }
        if !idx.namespaces.contains_key(&ns_name) {
            let ns = idx.new_namespace();
            idx.namespaces.insert(ns_name.clone(), NsState { entry: NsEntry::Loaded(Box::new(ns)), schema: None });
        }
        let ns = idx.loaded_mut(&ns_name)?.ok_or_else(|| Error::Storage("namespace vanished".into()))?;
        ns.upsert(records.clone());
        let change = Change::Segment {
            index: index.to_string(),
            namespace: ns_name,
            segment: Segment { upserts: records, ..Segment::default() },
        };
        Ok((json!({ "upsertedCount": n }), change))
    }

    pub fn query(&self, index: &str, req: api::QueryRequest) -> Result<String> {
        let ns_name = api::namespace_name(req.namespace.as_deref())?;
        let idx = self.index(index)?;
        let top_k = match req.top_k {
            None => return Err(Error::invalid("You must enter an integer for the `topK` search results to be returned.")),
            Some(k) if k < 1 => return Err(Error::invalid("`topK` property must be greater than 0.")),
            Some(k) if k > api::MAX_TOP_K => {
                return Err(Error::invalid(format!("topK {k} exceeds the maximum of {}.", api::MAX_TOP_K)))
            }
            Some(k) => k as usize,
        };
        let ef = match req.ef_search {
            None => None,
            Some(e) if e < 1 || e as u64 > crate::index::hnsw::MAX_EF as u64 => {
                return Err(Error::invalid(format!(
                    "`efSearch` must be between 1 and {}, got {e}.",
                    crate::index::hnsw::MAX_EF
                )))
            }
            Some(e) => Some(e as usize),
        };
        let shape = idx.shape();
        let filter = api::filter(req.filter.as_ref())?;
        let sparse = req.sparse_vector.map(api::sparse).transpose()?;
        if sparse.is_some() && idx.config.metric != crate::distance::Metric::DotProduct {
            return Err(Error::invalid(
                "Sparse query vectors are only supported on indexes with metric dotproduct.",
            ));
        }
        let ns = idx.loaded(&ns_name)?;
        let by_id: Option<Record>;
        let (vector, sparse_q): (Vec<f32>, Option<_>) = match (req.vector, req.id) {
            (Some(_), Some(_)) => return Err(Error::invalid("Cannot provide both `vector` and `id` in a query.")),
            (Some(v), None) => {
                if shape.sparse_index {
                    if !v.is_empty() {
                        return Err(Error::invalid("Sparse indexes are queried with `sparseVector` only."));
                    }
                } else {
                    api::validate_dense(&v, shape.dim, true)?;
                }
                (v, sparse)
            }
            (None, Some(id)) => {
                api::validate_id(&id)?;
                by_id = ns.and_then(|n| n.get(&id));
                match by_id {
                    None => {
                        return Ok(json!({"matches": [], "namespace": ns_name, "usage": {"readUnits": 1}}).to_string());
                    }
                    // Released namespace, values not read yet: nothing to
                    // search with (the database reads them and calls again).
                    Some(r) if r.values.len() != shape.dim && !shape.sparse_index => {
                        return Ok(json!({"matches": [], "namespace": ns_name, "usage": {"readUnits": 1}}).to_string());
                    }
                    Some(r) => (r.values, sparse.or(r.sparse)),
                }
            }
            (None, None) => {
                if sparse.is_none() || !shape.sparse_index && shape.dim > 0 && idx.config.metric != crate::distance::Metric::DotProduct {
                    return Err(Error::invalid("A query must include one of `vector`, `id` or `sparseVector`."));
                }
                if !shape.sparse_index {
                    return Err(Error::invalid("Dense indexes need a `vector` or an `id` to query; `sparseVector` alone is only for sparse indexes."));
                }
                (Vec::new(), sparse)
            }
        };
        let Some(ns) = ns else {
            return Ok(json!({"matches": [], "namespace": ns_name, "usage": {"readUnits": 1}}).to_string());
        };
        let visible = idx.visible(&ns_name);
        let hits = ns.search(&SearchRequest {
            vector: &vector,
            sparse: sparse_q.as_ref(),
            top_k,
            filter: filter.as_ref(),
            visible: visible.get(),
            ef,
        });
        let records: Vec<(Record, f32)> =
            hits.iter().filter_map(|h| ns.record(h.slot).map(|r| (r, h.score))).collect();
        let out = QueryOut {
            matches: records
                .iter()
                .map(|(r, score)| record_out(r, req.include_values, req.include_metadata, Some(*score)))
                .collect(),
            namespace: &ns_name,
            usage: json!({"readUnits": read_units(ns.size_bytes())}),
        };
        Ok(to_string(&out))
    }

    pub fn fetch(&self, index: &str, req: api::FetchRequest) -> Result<String> {
        let ns_name = api::namespace_name(req.namespace.as_deref())?;
        let idx = self.index(index)?;
        if req.ids.is_empty() {
            return Err(Error::invalid("Must pass in at least 1 recordID."));
        }
        if req.ids.len() > api::MAX_IDS_PER_REQUEST {
            return Err(Error::invalid(format!(
                "Fetch request contains {} ids, which exceeds the limit of {} ids per request.",
                req.ids.len(),
                api::MAX_IDS_PER_REQUEST
            )));
        }
        for id in &req.ids {
            api::validate_id(id)?;
        }
        let records: Vec<Record> = match idx.loaded(&ns_name)? {
            Some(ns) => req.ids.iter().filter_map(|id| ns.get(id)).collect(),
            None => Vec::new(),
        };
        let ru = (req.ids.len() as u64).div_ceil(10).max(1);
        let out = FetchOut {
            vectors: records.iter().map(|r| (r.id.as_str(), record_out(r, true, true, None))).collect(),
            namespace: &ns_name,
            usage: json!({"readUnits": ru}),
            pagination: None,
        };
        Ok(to_string(&out))
    }

    pub fn fetch_by_metadata(&self, index: &str, req: api::FetchByMetadataRequest) -> Result<String> {
        let ns_name = api::namespace_name(req.namespace.as_deref())?;
        let idx = self.index(index)?;
        let filter = api::filter(req.filter.as_ref())?
            .ok_or_else(|| Error::invalid("fetch_by_metadata requires a `filter`."))?;
        let limit = api::limit(req.limit, 100, 10_000)?;
        let after = api::decode_token(req.pagination_token.as_deref())?;
        let mut records = Vec::new();
        let mut next = None;
        if let Some(ns) = idx.loaded(&ns_name)? {
            let mut ids: Vec<String> = ns.ids_of(&ns.matching_slots(&filter, idx.visible(&ns_name).get()));
            ids.sort_unstable();
            let start = match &after {
                Some(a) => ids.partition_point(|id| id.as_str() <= a.as_str()),
                None => 0,
            };
            let page = ids.get(start..).unwrap_or(&[]);
            records.extend(page.iter().take(limit).filter_map(|id| ns.get(id)));
            if page.len() > limit {
                next = page.get(limit - 1).map(|s| api::encode_token(s));
            }
        }
        let out = FetchOut {
            vectors: records.iter().map(|r| (r.id.as_str(), record_out(r, true, true, None))).collect(),
            namespace: &ns_name,
            usage: json!({"readUnits": 1}),
            pagination: next.map(|n| json!({ "next": n })),
        };
        Ok(to_string(&out))
    }

    pub fn update(&mut self, index: &str, req: api::UpdateRequest) -> Result<(Json, Change)> {
        let ns_name = api::namespace_name(req.namespace.as_deref())?;
        let idx = self.index_mut(index)?;
        let shape = idx.shape();
        let set = api::set_metadata(req.set_metadata.as_ref())?;
        let visible = idx.visible(&ns_name);
        let none = || (json!({}), Change::None);
        match (req.id, req.filter) {
            (Some(_), Some(_)) => Err(Error::invalid("An update must target either an `id` or a `filter`, not both.")),
            (None, None) => Err(Error::invalid("An update must include either an `id` or a `filter`.")),
            (Some(id), None) => {
                api::validate_id(&id)?;
                if let Some(v) = &req.values {
                    if shape.sparse_index {
                        return Err(Error::invalid("Sparse indexes accept only `sparseValues`, not dense `values`."));
                    }
                    api::validate_dense(v, shape.dim, false)?;
                    if v.iter().all(|x| *x == 0.0) {
                        return Err(Error::ZeroVector { id });
                    }
                }
                let sparse = req.sparse_values.map(api::sparse).transpose()?;
                let Some(ns) = idx.loaded_mut(&ns_name)? else { return Ok(none()) };
                // A released namespace needs the current values to write the
                // whole record: without them, change nothing (the database
                // reads them and calls again).
                if req.values.is_none() && !ns.values_at_hand(std::slice::from_ref(&id)) {
                    return Ok(none());
                }
                // Check the merged metadata size before changing anything.
                if let (Some(set), Some(cur)) = (&set, ns.metadata_by_id(&id)) {
                    let mut merged = cur.cloned().unwrap_or_default();
                    merged.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
                    let bytes = serde_json::to_vec(&metadata::to_json(&merged)).map_or(0, |b| b.len());
                    if bytes > crate::error::MAX_METADATA_BYTES {
                        return Err(Error::MetadataTooLarge { bytes });
                    }
                }
                match ns.update(&id, req.values, sparse, set.as_ref()) {
                    None => Ok((json!({"matchedRecords": 0}), Change::None)),
                    Some(r) => Ok((
                        json!({"matchedRecords": 1}),
                        Change::Segment {
                            index: index.to_string(),
                            namespace: ns_name,
                            segment: Segment { upserts: vec![r], ..Segment::default() },
                        },
                    )),
                }
            }
            (None, Some(f)) => {
                if req.values.is_some() || req.sparse_values.is_some() {
                    return Err(Error::invalid("Update by filter can only set metadata, not `values` or `sparseValues`."));
                }
                let filter = Filter::parse(&f)?;
                let Some(ns) = idx.loaded_mut(&ns_name)? else {
                    return Ok((json!({"matchedRecords": 0}), Change::None));
                };
                let slots = ns.matching_slots(&filter, visible.get());
                let matched = slots.len();
                let Some(set) = set.filter(|_| !req.dry_run) else {
                    return Ok((json!({"matchedRecords": matched}), Change::None));
                };
                let ids = ns.ids_of(&slots);
                if !ns.values_at_hand(&ids) {
                    return Ok((json!({}), Change::None));
                }
                // Validate every merged size first: all or nothing.
                for id in &ids {
                    if let Some(cur) = ns.metadata_by_id(id) {
                        let mut merged = cur.cloned().unwrap_or_default();
                        merged.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
                        let bytes = serde_json::to_vec(&metadata::to_json(&merged)).map_or(0, |b| b.len());
                        if bytes > crate::error::MAX_METADATA_BYTES {
                            return Err(Error::MetadataTooLarge { bytes });
                        }
                    }
                }
                let upserts: Vec<Record> =
                    ids.iter().filter_map(|id| ns.update(id, None, None, Some(&set))).collect();
                Ok((
                    json!({"matchedRecords": matched}),
                    Change::Segment {
                        index: index.to_string(),
                        namespace: ns_name,
                        segment: Segment { upserts, ..Segment::default() },
                    },
                ))
            }
        }
    }

    pub fn delete(&mut self, index: &str, req: api::DeleteRequest) -> Result<(Json, Change)> {
        let ns_name = api::namespace_name(req.namespace.as_deref())?;
        let idx = self.index_mut(index)?;
        let modes = req.ids.is_some() as u8 + req.delete_all as u8 + req.filter.is_some() as u8;
        if modes != 1 {
            return Err(Error::invalid(
                "A delete request must specify exactly one of `ids`, `deleteAll` or `filter`.",
            ));
        }
        if let Some(ids) = &req.ids {
            if ids.len() > api::MAX_IDS_PER_REQUEST {
                return Err(Error::invalid(format!(
                    "Delete request contains {} ids, which exceeds the limit of {} ids per request.",
                    ids.len(),
                    api::MAX_IDS_PER_REQUEST
                )));
            }
            for id in ids {
                api::validate_id(id)?;
            }
        }
        let filter = api::filter(req.filter.as_ref())?;
        let visible = idx.visible(&ns_name);
        if !idx.namespaces.contains_key(&ns_name) {
            return Err(Error::NamespaceNotFound(ns_name));
        }
        if req.delete_all {
            idx.namespaces.remove(&ns_name);
            return Ok((json!({}), Change::DropNamespace { index: index.to_string(), namespace: ns_name }));
        }
        let ns = idx.loaded_mut(&ns_name)?.ok_or_else(|| Error::NamespaceNotFound(ns_name.clone()))?;
        let ids = match (req.ids, filter) {
            (Some(ids), _) => ids,
            (None, Some(f)) => {
                ns.ids_of(&ns.matching_slots(&f, visible.get()))
            }
            (None, None) => Vec::new(),
        };
        let gone = ns.delete(&ids);
        let change = if gone.is_empty() {
            Change::None
        } else {
            Change::Segment {
                index: index.to_string(),
                namespace: ns_name,
                segment: Segment { deletes: gone, ..Segment::default() },
            }
        };
        Ok((json!({}), change))
    }

    pub fn list(&self, index: &str, req: api::ListRequest) -> Result<Json> {
        let ns_name = api::namespace_name(req.namespace.as_deref())?;
        let idx = self.index(index)?;
        let limit = api::limit(req.limit, 100, 1000)?;
        let after = api::decode_token(req.pagination_token.as_deref())?;
        let prefix = req.prefix.unwrap_or_default();
        let (ids, more) = match idx.loaded(&ns_name)? {
            Some(ns) => ns.list(&prefix, after.as_deref(), limit),
            None => (Vec::new(), false),
        };
        let next = if more { ids.last().map(|l| api::encode_token(l)) } else { None };
        let vectors: Vec<Json> = ids.into_iter().map(|id| json!({ "id": id })).collect();
        let mut out = json!({"vectors": vectors, "namespace": ns_name, "usage": {"readUnits": 1}});
        if let (Some(n), Some(o)) = (next, out.as_object_mut()) {
            o.insert("pagination".into(), json!({ "next": n }));
        }
        Ok(out)
    }

    /// `describeIndexStats`. Counts come from the catalog, so unloaded
    /// namespaces are not read; a filter (pod indexes only) needs them loaded.
    pub fn describe_index_stats(&self, index: &str, req: api::StatsRequest) -> Result<Json> {
        let idx = self.index(index)?;
        let filter = api::filter(req.filter.as_ref())?;
        if filter.is_some() && idx.config.spec.pod.is_none() {
            return Err(Error::invalid(
                "Serverless and Starter indexes do not support describing index stats with metadata filtering.",
            ));
        }
        let mut namespaces = Map::new();
        let mut total = 0usize;
        for (name, st) in &idx.namespaces {
            let count = match &filter {
                None => st.count(),
                Some(f) => {
                    let ns = idx.loaded(name)?.ok_or_else(|| Error::NamespaceNotFound(name.clone()))?;
                    ns.matching_slots(f, idx.visible(name).get()).len()
                }
            };
            total += count;
            namespaces.insert(name.clone(), json!({ "vectorCount": count }));
        }
        let mut out = json!({
            "namespaces": namespaces,
            "indexFullness": idx.fullness(),
            "totalVectorCount": total,
            "metric": idx.config.metric.as_str(),
            "vectorType": idx.config.vector_type,
        });
        if let (Some(d), Some(o)) = (idx.config.dimension, out.as_object_mut()) {
            o.insert("dimension".into(), json!(d));
        }
        Ok(out)
    }

    fn namespace_json(name: &str, st: &NsState) -> Json {
        let mut o = json!({
            "name": if name.is_empty() { "__default__" } else { name },
            "record_count": st.count().to_string(),
            "size_bytes": st.bytes(),
        });
        if let (Some(s), Some(m)) = (&st.schema, o.as_object_mut()) {
            let fields: Map<String, Json> = s.iter().map(|f| (f.clone(), json!({"filterable": true}))).collect();
            m.insert("schema".into(), json!({ "fields": fields }));
            m.insert("indexed_fields".into(), json!({ "fields": s }));
        }
        o
    }

    pub fn list_namespaces(&self, index: &str, req: api::ListNamespacesRequest) -> Result<Json> {
        let idx = self.index(index)?;
        let limit = api::limit(req.limit, 100, 1000)?;
        let after = api::decode_token(req.pagination_token.as_deref())?;
        let prefix = req.prefix.unwrap_or_default();
        use std::ops::Bound;
        let start = match &after {
            Some(a) if a.as_str() >= prefix.as_str() => Bound::Excluded(a.clone()),
            _ => Bound::Included(prefix.clone()),
        };
        let mut it = idx
            .namespaces
            .range::<String, _>((start, Bound::Unbounded))
            .take_while(|(k, _)| k.starts_with(&prefix));
        let page: Vec<(&String, &NsState)> = it.by_ref().take(limit).collect();
        let more = it.next().is_some();
        let total = idx.namespaces.keys().filter(|k| k.starts_with(&prefix)).count();
        let items: Vec<Json> = page.iter().map(|(n, s)| Self::namespace_json(n, s)).collect();
        let mut out = json!({ "namespaces": items, "total_count": total });
        if more {
            if let (Some((last, _)), Some(o)) = (page.last(), out.as_object_mut()) {
                o.insert("pagination".into(), json!({ "next": api::encode_token(last) }));
            }
        }
        Ok(out)
    }

    pub fn describe_namespace(&self, index: &str, ns: &str) -> Result<Json> {
        let ns_name = api::namespace_name(Some(ns))?;
        let idx = self.index(index)?;
        let st = idx.namespaces.get(&ns_name).ok_or_else(|| Error::NamespaceNotFound(ns.to_string()))?;
        Ok(Self::namespace_json(&ns_name, st))
    }

    pub fn create_namespace(&mut self, index: &str, req: api::CreateNamespaceRequest) -> Result<(Json, Change)> {
        let ns_name = api::namespace_name(Some(&req.name))?;
        let idx = self.index_mut(index)?;
        if idx.namespaces.contains_key(&ns_name) {
            return Err(Error::AlreadyExists(req.name));
        }
        let schema = match req.schema.as_ref().filter(|s| !s.is_null()) {
            None => None,
            Some(s) => {
                let fields = s
                    .get("fields")
                    .and_then(|f| f.as_object())
                    .ok_or_else(|| Error::invalid("`schema.fields` must be an object."))?;
                let mut out = Vec::new();
                for (k, v) in fields {
                    if v.get("filterable") != Some(&Json::Bool(true)) {
                        return Err(Error::invalid(format!(
                            "Schema field '{k}': only `filterable: true` is supported."
                        )));
                    }
                    out.push(k.clone());
                }
                Some(out)
            }
        };
        let ns = idx.new_namespace();
        let st = NsState { entry: NsEntry::Loaded(Box::new(ns)), schema: schema.clone() };
        let out = Self::namespace_json(&ns_name, &st);
        idx.namespaces.insert(ns_name.clone(), st);
        Ok((out, Change::CreateNamespace { index: index.to_string(), namespace: ns_name, schema }))
    }

    pub fn delete_namespace(&mut self, index: &str, ns: &str) -> Result<Change> {
        let ns_name = api::namespace_name(Some(ns))?;
        let idx = self.index_mut(index)?;
        if idx.namespaces.remove(&ns_name).is_none() {
            return Err(Error::NamespaceNotFound(ns.to_string()));
        }
        Ok(Change::DropNamespace { index: index.to_string(), namespace: ns_name })
    }

    /// Inserts already-validated records (a collection being restored):
    /// checks shape and pod capacity like an upsert, without a size limit
    /// per call.
    pub fn insert_records(&mut self, index: &str, ns_name: &str, records: Vec<Record>) -> Result<Change> {
        let idx = self.index_mut(index)?;
        let shape = idx.shape();
        for r in &records {
            let ok = if shape.sparse_index { r.values.is_empty() && r.sparse.is_some() } else { r.values.len() == shape.dim };
            if !ok {
                return Err(Error::DimensionMismatch { expected: shape.dim, got: r.values.len() });
            }
        }
        if let Some(cap) = idx.config.capacity() {
            let after = idx.total_records() as u64 + records.len() as u64;
            if after > cap {
                return Err(Error::QuotaExceeded(format!(
                    "Index '{}' is full: restoring {} records would bring it to {after}, over the capacity of {cap} records for its pod configuration.",
                    idx.config.name,
                    records.len()
                )));
            }
        }
        if !idx.namespaces.contains_key(ns_name) {
            let ns = idx.new_namespace();
            idx.namespaces.insert(ns_name.to_string(), NsState { entry: NsEntry::Loaded(Box::new(ns)), schema: None });
        }
        let ns = idx.loaded_mut(ns_name)?.ok_or_else(|| Error::Storage("namespace vanished".into()))?;
        ns.upsert(records.clone());
        Ok(Change::Segment {
            index: index.to_string(),
            namespace: ns_name.to_string(),
            segment: Segment { upserts: records, ..Segment::default() },
        })
    }

    /// Installs a namespace read from storage (replacing an unloaded entry).
    pub fn install_namespace(&mut self, index: &str, ns: &str, namespace: Namespace, schema: Option<Vec<String>>) -> Result<()> {
        let idx = self.index_mut(index)?;
        idx.namespaces.insert(ns.to_string(), NsState { entry: NsEntry::Loaded(Box::new(namespace)), schema });
        Ok(())
    }

    /// Forgets a loaded namespace's records, keeping its counts (eviction,
    /// or after a failed write so the next use re-reads storage).
    pub fn unload_namespace(&mut self, index: &str, ns: &str) {
        if let Some(st) = self.indexes.get_mut(index).and_then(|i| i.namespaces.get_mut(ns)) {
            let (count, bytes) = (st.count(), st.bytes());
            st.entry = NsEntry::Unloaded { count, bytes };
        }
    }

    /// Metadata fields a record's metadata would expose to filters (used by
    /// tests of selective indexing).
    pub fn visible_fields(&self, index: &str, ns: &str) -> Option<Vec<String>> {
        self.indexes.get(index).and_then(|i| i.visibility(ns))
    }
}

/// Applies a decoded segment to a namespace (used when loading).
pub fn apply_segment(ns: &mut Namespace, seg: Segment) {
    if seg.clear {
        ns.clear();
    }
    ns.delete(&seg.deletes);
    ns.upsert(seg.upserts);
}

/// Merges `set` into optional metadata (exposed for the model test).
pub fn merge_metadata(base: Option<Metadata>, set: &Metadata) -> Metadata {
    let mut m = base.unwrap_or_default();
    m.extend(set.iter().map(|(k, v)| (k.clone(), v.clone())));
    m
}
