//! The binding layer: `#[wasm_bindgen]` classes over [`Database`], JSON
//! strings in and out, and errors converted to JS `Error`s with Pinecone's
//! names. No logic beyond conversion lives here (see ARCHITECTURE.md).
//!
//! **API boundary**: this is the low-level interface the hand-written JS
//! package (`src/js/`) and the edge worker call. Every method returns a
//! Promise or a value; none can trap on input, because every input is a
//! string parsed by the engine.

pub(crate) mod adapter;

use std::rc::Rc;

use js_sys::{Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::db::{DataOp, Database, Options, SideVectors};
use crate::error::Error;
use crate::store::idb::{Changes, Durability, IdbStorage};
use crate::store::{memory::MemoryStorage, Ephemeral, Key, Op, Part, Storage};

pub use adapter::JsAdapter;

/// The storage a database was opened with.
pub enum AnyStorage {
    Ephemeral(Ephemeral),
    Memory(MemoryStorage),
    Js(JsAdapter),
    /// IndexedDB (browsers and workers), see [`crate::store::idb`].
    Idb(IdbStorage),
}

impl Storage for AnyStorage {
    async fn get(&self, key: &[Part]) -> crate::Result<Option<Vec<u8>>> {
        match self {
            AnyStorage::Ephemeral(s) => s.get(key).await,
            AnyStorage::Memory(s) => s.get(key).await,
            AnyStorage::Js(s) => s.get(key).await,
            AnyStorage::Idb(s) => s.get(key).await,
        }
    }
    async fn get_many(&self, keys: &[Key]) -> crate::Result<Vec<Option<Vec<u8>>>> {
        match self {
            AnyStorage::Ephemeral(s) => s.get_many(keys).await,
            AnyStorage::Memory(s) => s.get_many(keys).await,
            AnyStorage::Js(s) => s.get_many(keys).await,
            AnyStorage::Idb(s) => s.get_many(keys).await,
        }
    }
    async fn scan(&self, prefix: &[Part]) -> crate::Result<Vec<(Key, Vec<u8>)>> {
        match self {
            AnyStorage::Ephemeral(s) => s.scan(prefix).await,
            AnyStorage::Memory(s) => s.scan(prefix).await,
            AnyStorage::Js(s) => s.scan(prefix).await,
            AnyStorage::Idb(s) => s.scan(prefix).await,
        }
    }
    async fn commit(&self, ops: Vec<Op>) -> crate::Result<()> {
        match self {
            AnyStorage::Ephemeral(s) => s.commit(ops).await,
            AnyStorage::Memory(s) => s.commit(ops).await,
            AnyStorage::Js(s) => s.commit(ops).await,
            AnyStorage::Idb(s) => s.commit(ops).await,
        }
    }
    fn persistent(&self) -> bool {
        !matches!(self, AnyStorage::Ephemeral(_))
    }
}

/// Converts an engine error into a JS `Error` whose `name` is the Pinecone
/// TS client's class name, with `status`, `code` and `retryable` fields.
pub fn to_js_error(e: &Error) -> JsValue {
    let p = e.presentation();
    let err = js_sys::Error::new(&e.to_string());
    err.set_name(p.js_name);
    let o: &JsValue = err.as_ref();
    let _ = Reflect::set(o, &"status".into(), &JsValue::from(p.http_status));
    let _ = Reflect::set(o, &"grpcCode".into(), &JsValue::from(p.grpc_code));
    let _ = Reflect::set(o, &"code".into(), &JsValue::from_str(p.code));
    let _ = Reflect::set(o, &"retryable".into(), &JsValue::from(p.retryable));
    let _ = Reflect::set(o, &"conifer".into(), &JsValue::TRUE);
    err.into()
}

/// Milliseconds from the best clock available (`performance.now`, else
/// `Date.now`).
fn now_ms() -> f64 {
    let global = js_sys::global();
    if let Ok(perf) = Reflect::get(&global, &"performance".into()) {
        if let Ok(now) = Reflect::get(&perf, &"now".into()) {
            if let Some(f) = now.dyn_ref::<js_sys::Function>() {
                if let Some(v) = f.call0(&perf).ok().and_then(|v| v.as_f64()) {
                    return v;
                }
            }
        }
    }
    js_sys::Date::now()
}

/// Fills an index host template: `{name}` is replaced by the index name.
fn host_for(template: &str, name: &str) -> String {
    template.replace("{name}", name)
}

fn json_out(v: &serde_json::Value) -> JsValue {
    JsValue::from_str(&v.to_string())
}

fn parse_json(body: &str) -> Result<serde_json::Value, JsValue> {
    serde_json::from_str(body).map_err(|e| to_js_error(&Error::invalid(format!("Invalid request body: {e}"))))
}

/// Build facts (for benchmarks and bug reports): crate version and whether
/// the SIMD128 kernels are compiled in.
#[wasm_bindgen(js_name = buildInfo)]
pub fn build_info() -> String {
    serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "simd128": cfg!(target_feature = "simd128"),
    })
    .to_string()
}

/// Merges collection byte strings (same dimension and vector type, disjoint
/// namespaces) into one collection named `name`.
#[wasm_bindgen(js_name = mergeCollections)]
pub fn merge_collections(name: &str, parts: js_sys::Array) -> Result<js_sys::Uint8Array, JsValue> {
    let parts: Vec<Vec<u8>> = parts.iter().map(|p| js_sys::Uint8Array::new(&p).to_vec()).collect();
    let out = crate::collection::merge(name, &parts).map_err(|e| to_js_error(&e))?;
    Ok(js_sys::Uint8Array::from(out.as_slice()))
}

/// Splits collection bytes into `[namespace, bytes]` pairs, one collection
/// per namespace.
#[wasm_bindgen(js_name = splitCollection)]
pub fn split_collection(bytes: &[u8]) -> Result<js_sys::Array, JsValue> {
    let parts = crate::collection::split(bytes).map_err(|e| to_js_error(&e))?;
    Ok(parts
        .into_iter()
        .map(|(ns, b)| -> JsValue {
            let pair = js_sys::Array::new();
            pair.push(&JsValue::from_str(&ns));
            pair.push(&js_sys::Uint8Array::from(b.as_slice()));
            pair.into()
        })
        .collect())
}

/// A database handle. All methods take and return JSON strings.
#[wasm_bindgen]
pub struct Engine {
    db: Rc<Database<AnyStorage>>,
}

impl Engine {
    /// One data-plane call, with or without vectors beside the body.
    fn dispatch(&self, op: String, index: String, body: String, side: Option<(Vec<f64>, Vec<u32>)>) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            let op = DataOp::parse(&op)
                .ok_or_else(|| to_js_error(&Error::Argument(format!("Unknown operation '{op}'."))))?;
            let side = side.as_ref().map(|(values, lens)| SideVectors { values, lens });
            let out = db.call_with_vectors(op, &index, &body, side, &now_ms).await.map_err(|e| to_js_error(&e))?;
            Ok(JsValue::from_str(&out))
        })
    }
}

#[wasm_bindgen]
impl Engine {
    /// Opens a database. `storage`: "memory" (nothing persisted),
    /// "memory-store" (an in-memory key-value store, for tests),
    /// "adapter" (a JS object with async get/scan/commit; see
    /// `src/js/conifer.d.ts` `StorageAdapter`) or "indexeddb" (the
    /// IndexedDB database `name`, with write transactions of `durability`
    /// "relaxed" or "strict"). `memory_budget` in bytes (0: default).
    pub fn open(
        storage: String,
        adapter: JsValue,
        memory_budget: f64,
        project: String,
        name: Option<String>,
        durability: Option<String>,
    ) -> Promise {
        future_to_promise(async move {
            let store = match storage.as_str() {
                "memory" => AnyStorage::Ephemeral(Ephemeral),
                "memory-store" => AnyStorage::Memory(MemoryStorage::new()),
                "adapter" => AnyStorage::Js(JsAdapter::new(adapter).map_err(|e| to_js_error(&e))?),
                "indexeddb" => {
                    let d = Durability::parse(durability.as_deref().unwrap_or("")).map_err(|e| to_js_error(&e))?;
                    let name = name.unwrap_or_default();
                    if name.is_empty() {
                        return Err(to_js_error(&Error::Argument("An IndexedDB database name is required.".into())));
                    }
                    AnyStorage::Idb(IdbStorage::open(&name, d).await.map_err(|e| to_js_error(&e))?)
                }
                other => {
                    return Err(to_js_error(&Error::Argument(format!(
                        "Unknown storage '{other}'. Expected 'memory', 'indexeddb' or a storage adapter object."
                    ))))
                }
            };
            let mut options = Options::default();
            if memory_budget.is_finite() && memory_budget >= 1.0 {
                options.memory_budget = memory_budget.min(usize::MAX as f64) as usize;
            }
            if !project.is_empty() {
                options.project = project;
            }
            let persistent = !matches!(store, AnyStorage::Ephemeral(_));
            let db = Database::open(store, options).await.map_err(|e| to_js_error(&e))?;
            // Compaction runs later (see `compactDue`: the package runs it
            // once writes pause, under the cross-tab write lock with
            // IndexedDB), not inside the first read of a namespace.
            db.set_defer_compaction(persistent);
            Ok(Engine { db: Rc::new(db) }.into())
        })
    }

    #[wasm_bindgen(js_name = createIndex)]
    pub fn create_index(&self, body: String, host_base: String) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            let body = parse_json(&body)?;
            let c = db.create_index(&body).await.map_err(|e| to_js_error(&e))?;
            Ok(json_out(&c.model(&host_for(&host_base, &c.name))))
        })
    }

    #[wasm_bindgen(js_name = describeIndex)]
    pub fn describe_index(&self, name: &str, host_base: &str) -> Result<JsValue, JsValue> {
        let c = self.db.describe_index(name).map_err(|e| to_js_error(&e))?;
        Ok(json_out(&c.model(&host_for(host_base, &c.name))))
    }

    #[wasm_bindgen(js_name = listIndexes)]
    pub fn list_indexes(&self, host_base: &str) -> JsValue {
        let list: Vec<serde_json::Value> =
            self.db.list_indexes().iter().map(|c| c.model(&host_for(host_base, &c.name))).collect();
        json_out(&serde_json::json!({ "indexes": list }))
    }

    #[wasm_bindgen(js_name = configureIndex)]
    pub fn configure_index(&self, name: String, body: String, host_base: String) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            let body = parse_json(&body)?;
            let c = db.configure_index(&name, &body).await.map_err(|e| to_js_error(&e))?;
            Ok(json_out(&c.model(&host_for(&host_base, &c.name))))
        })
    }

    #[wasm_bindgen(js_name = deleteIndex)]
    pub fn delete_index(&self, name: String) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            db.delete_index(&name).await.map_err(|e| to_js_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Runs a data-plane operation: `op` is one of upsert, query, fetch,
    /// fetch_by_metadata, update, delete, list, describe_index_stats,
    /// list_namespaces, create_namespace; `body` is the REST body.
    pub fn call(&self, op: String, index: String, body: String) -> Promise {
        self.dispatch(op, index, body, None)
    }

    /// [`Self::call`] for a query or an upsert whose dense vectors are
    /// passed beside `body`: `values` back to back, `lens[i]` floats for the
    /// `i`-th record (or the query), `0xFFFFFFFF` for none (see
    /// `Database::call_with_vectors`).
    #[wasm_bindgen(js_name = callWithVectors)]
    pub fn call_with_vectors(&self, op: String, index: String, body: String, values: Vec<f64>, lens: Vec<u32>) -> Promise {
        self.dispatch(op, index, body, Some((values, lens)))
    }

    #[wasm_bindgen(js_name = describeNamespace)]
    pub fn describe_namespace(&self, index: &str, namespace: &str) -> Result<JsValue, JsValue> {
        let out = self.db.describe_namespace(index, namespace).map_err(|e| to_js_error(&e))?;
        Ok(json_out(&out))
    }

    #[wasm_bindgen(js_name = deleteNamespace)]
    pub fn delete_namespace(&self, index: String, namespace: String) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            db.delete_namespace(&index, &namespace).await.map_err(|e| to_js_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// `createCollection`: body `{name, source}`.
    #[wasm_bindgen(js_name = createCollection)]
    pub fn create_collection(&self, body: String) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            let body = parse_json(&body)?;
            let out = db.create_collection(&body).await.map_err(|e| to_js_error(&e))?;
            Ok(json_out(&out))
        })
    }

    #[wasm_bindgen(js_name = describeCollection)]
    pub fn describe_collection(&self, name: &str) -> Result<JsValue, JsValue> {
        self.db.describe_collection(name).map(|j| json_out(&j)).map_err(|e| to_js_error(&e))
    }

    #[wasm_bindgen(js_name = listCollections)]
    pub fn list_collections(&self) -> JsValue {
        json_out(&self.db.list_collections())
    }

    #[wasm_bindgen(js_name = deleteCollection)]
    pub fn delete_collection(&self, name: String) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            db.delete_collection(&name).await.map_err(|e| to_js_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The collection as portable bytes (a `Uint8Array`).
    #[wasm_bindgen(js_name = exportCollection)]
    pub fn export_collection(&self, name: String) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            let bytes = db.export_collection(&name).await.map_err(|e| to_js_error(&e))?;
            Ok(js_sys::Uint8Array::from(bytes.as_slice()).into())
        })
    }

    /// Imports exported bytes as collection `name`.
    #[wasm_bindgen(js_name = importCollection)]
    pub fn import_collection(&self, name: String, bytes: Vec<u8>) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            let out = db.import_collection(&name, bytes).await.map_err(|e| to_js_error(&e))?;
            Ok(json_out(&out))
        })
    }

    /// Upserts every record of collection bytes into existing index
    /// `index`; resolves to the number of records.
    #[wasm_bindgen(js_name = restoreInto)]
    pub fn restore_into(&self, index: String, bytes: Vec<u8>) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            let n = db.restore_into(&index, &bytes).await.map_err(|e| to_js_error(&e))?;
            Ok(JsValue::from_f64(n as f64))
        })
    }

    /// Prometheus text exposition of the request metrics.
    #[wasm_bindgen(js_name = metricsText)]
    pub fn metrics_text(&self) -> String {
        self.db.metrics_text()
    }

    /// The same figures as JSON.
    #[wasm_bindgen(js_name = metricsJson)]
    pub fn metrics_json(&self) -> JsValue {
        json_out(&self.db.metrics_json())
    }

    /// True when the storage is IndexedDB (the JS layer then coordinates
    /// tabs: Web Lock around writes, BroadcastChannel notices).
    #[wasm_bindgen(js_name = isShared)]
    pub fn is_shared(&self) -> bool {
        matches!(self.db.storage(), AnyStorage::Idb(_))
    }

    /// Catches up with what other tabs wrote (IndexedDB's change log) and
    /// unloads exactly the namespaces they changed. Resolves to true when
    /// something changed.
    #[wasm_bindgen(js_name = syncTabs)]
    pub fn sync_tabs(&self) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            let AnyStorage::Idb(s) = db.storage() else { return Ok(JsValue::FALSE) };
            let changes = s.changes().await.map_err(|e| to_js_error(&e))?;
            let changed = match &changes {
                Changes::Keys(k) => !k.is_empty(),
                Changes::Unknown => true,
            };
            let touched = match &changes {
                Changes::Keys(k) => Some(k.as_slice()),
                Changes::Unknown => None,
            };
            if changed {
                db.apply_external_changes(touched).await.map_err(|e| to_js_error(&e))?;
            }
            Ok(JsValue::from_bool(changed))
        })
    }

    /// Number of namespaces whose compaction is queued.
    #[wasm_bindgen(js_name = compactionsDue)]
    pub fn compactions_due(&self) -> u32 {
        self.db.compactions_due() as u32
    }

    /// Runs queued compactions (call while holding the write lock).
    #[wasm_bindgen(js_name = compactDue)]
    pub fn compact_due(&self) -> Promise {
        let db = self.db.clone();
        future_to_promise(async move {
            db.compact_due().await.map_err(|e| to_js_error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// IndexedDB counters (transactions, batches, bytes put...) as JSON, or
    /// null for other storages.
    #[wasm_bindgen(js_name = storageStats)]
    pub fn storage_stats(&self) -> JsValue {
        match self.db.storage() {
            AnyStorage::Idb(s) => JsValue::from_str(&serde_json::to_string(&s.stats()).unwrap_or_default()),
            _ => JsValue::NULL,
        }
    }

    /// Closes the IndexedDB connection; later calls fail.
    pub fn close(&self) {
        if let AnyStorage::Idb(s) = self.db.storage() {
            s.close();
        }
    }

    /// Test hook: closes the IndexedDB connection behind the storage's back
    /// (as Safari may); the next operation reopens and retries.
    #[wasm_bindgen(js_name = dropConnectionForTesting)]
    pub fn drop_connection_for_testing(&self) {
        if let AnyStorage::Idb(s) = self.db.storage() {
            s.drop_connection_for_testing();
        }
    }
}

/// Runs the storage conformance suite (`conifer::store::conformance`)
/// against a JS storage adapter; rejects with the first failed check.
#[wasm_bindgen(js_name = runStorageConformance)]
pub fn run_storage_conformance(adapter: JsValue) -> Promise {
    future_to_promise(async move {
        let a = JsAdapter::new(adapter).map_err(|e| to_js_error(&e))?;
        crate::store::conformance(&a).await.map_err(|m| to_js_error(&Error::Storage(format!("conformance: {m}"))))?;
        Ok(JsValue::TRUE)
    })
}

/// Deletes the IndexedDB database `name` (every index in it).
#[wasm_bindgen(js_name = deleteIndexedDb)]
pub fn delete_indexed_db(name: String) -> Promise {
    future_to_promise(async move {
        crate::store::idb::delete_database(&name).await.map_err(|e| to_js_error(&e))?;
        Ok(JsValue::UNDEFINED)
    })
}
