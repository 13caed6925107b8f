//! [`Storage`] in IndexedDB (wasm32 only): one database per Conifer name,
//! with a fixed set of object stores, tuple keys as IndexedDB array keys,
//! group commit, and a change log that other tabs catch up from.
//!
//! Object stores (created once, at version 1; a new index or namespace never
//! needs a schema upgrade, which every other open tab would block):
//! - `kv`: out-of-line array keys (`[part, ...]`, strings and integers, the
//!   order [`crate::store::Part`] defines) → `Uint8Array` values.
//! - `log`: auto-increment number → `{ w: writer id, k: [touched key, ...] }`,
//!   one entry per write transaction, written in that transaction. Touched
//!   keys are op keys cut to three parts (`["manifest", index, ns]`). Another
//!   tab reads the entries after the last one it saw to learn what changed
//!   ([`IdbStorage::changes`]); entries older than [`LOG_KEEP`] are pruned.
//!
//! **Group commit**: [`Storage::commit`] queues its batch; one flusher runs
//! one readwrite transaction at a time holding every batch queued so far, in
//! queue order. Each caller's future resolves on that transaction's
//! `complete` event, or fails with its abort cause. A batch is built on the
//! in-memory state left by every batch ahead of it, so when a transaction
//! fails, every batch queued behind it fails with the same error.
//!
//! **Invariant** (read barrier): `get` and `scan` first wait until every
//! batch queued before them has finished, so a read after a resolved (or
//! merely issued) write sees it.
//!
//! **Faults**: `QuotaExceededError`, whether thrown by a request or reported
//! as the transaction's `error` on an `AbortError`, becomes
//! [`Error::QuotaExceeded`]; a closed connection (`InvalidStateError`, a
//! `close` event) is reopened and the operation retried once; a
//! `versionchange` (another tab deleting or upgrading the database) closes
//! this connection and later operations fail with a typed storage error.
//!
//! Access goes through the `idb` crate (the layer `rexie` wraps) except two
//! things it lacks: the `durability` transaction option and the abort cause
//! (`transaction.error`); those two use `web_sys`/`js_sys` directly.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, VecDeque};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use idb::{CursorDirection, Factory, KeyRange, ObjectStoreParams, Query, TransactionMode};
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbTransaction};

use super::{Key, Op, Part, Storage};
use crate::error::{Error, Result};

/// IndexedDB schema version. Bump only with an upgrade path.
const VERSION: u32 = 1;
const KV: &str = "kv";
const LOG: &str = "log";
/// Log entries kept for tabs that are behind; a tab further behind reloads
/// its whole catalog instead.
pub const LOG_KEEP: u64 = 10_000;
/// Bytes of puts above which the flusher closes a transaction and leaves
/// the rest of the queue for the next one.
const MAX_TXN_BYTES: usize = 64 << 20;

/// `durability` hint of write transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Complete once the write reached the OS (survives a tab or browser
    /// crash, not a power loss). Chrome's default.
    Relaxed,
    /// Complete once flushed to disk.
    Strict,
}

impl Durability {
    pub fn parse(s: &str) -> Result<Durability> {
        match s {
            "" | "relaxed" => Ok(Durability::Relaxed),
            "strict" => Ok(Durability::Strict),
            other => Err(Error::Argument(format!("Unknown durability '{other}'. Expected 'relaxed' or 'strict'."))),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Durability::Relaxed => "relaxed",
            Durability::Strict => "strict",
        }
    }
}

/// Counters for tests and benchmarks.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    /// Readwrite transactions committed.
    pub transactions: u64,
    /// Read-only transactions on the key-value store (`get`, `get_many`,
    /// `scan`: one each, however many keys).
    pub reads: u64,
    /// `commit` calls completed successfully.
    pub batches: u64,
    pub puts: u64,
    pub put_bytes: u64,
    pub deletes: u64,
    pub range_deletes: u64,
    pub failed_transactions: u64,
    pub reopens: u64,
}

/// What changed in storage since the last [`IdbStorage::changes`] call, as
/// written by other writers.
#[derive(Debug, Clone, PartialEq)]
pub enum Changes {
    /// Touched keys (cut to three parts), deduplicated.
    Keys(Vec<Key>),
    /// This tab is too far behind (the log was pruned): re-read everything.
    Unknown,
}

#[derive(Clone)]
pub struct IdbStorage {
    inner: Rc<Inner>,
}

struct Slot {
    result: RefCell<Option<Result<()>>>,
    waker: RefCell<Option<Waker>>,
}

impl Slot {
    fn fill(&self, r: Result<()>) {
        *self.result.borrow_mut() = Some(r);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

struct Pending {
    ops: Vec<Op>,
    slot: Rc<Slot>,
    /// Sequence number of this batch (for the read barrier).
    seq: u64,
}

struct Inner {
    name: String,
    durability: Durability,
    /// Random id of this storage instance, written into log entries.
    writer: String,
    conn: RefCell<Option<IdbDatabase>>,
    /// Set when another context deleted or upgraded the database.
    gone: RefCell<Option<String>>,
    queue: RefCell<VecDeque<Pending>>,
    flushing: Cell<bool>,
    /// Batches queued so far / finished so far (in queue order).
    issued: Cell<u64>,
    finished: Cell<u64>,
    /// Readers waiting for `finished` to reach a value.
    waiters: RefCell<Vec<(u64, Waker)>>,
    /// Last log key this instance has read (0: none).
    seen: Cell<f64>,
    stats: RefCell<Stats>,
}

fn js_message(e: &JsValue) -> String {
    let name = Reflect::get(e, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    let msg = Reflect::get(e, &"message".into()).ok().and_then(|v| v.as_string()).or_else(|| e.as_string());
    match msg {
        Some(m) if !name.is_empty() => format!("{name}: {m}"),
        Some(m) => m,
        None => format!("{e:?}"),
    }
}

/// A failure, classified: a lost connection is worth one reopen and retry.
enum Fail {
    Lost(String),
    Fatal(Error),
}

impl Fail {
    fn into_error(self) -> Error {
        match self {
            Fail::Lost(m) => Error::Storage(format!("IndexedDB connection lost: {m}")),
            Fail::Fatal(e) => e,
        }
    }
}

/// Maps a JS error (DOMException or anything else) to a [`Fail`].
fn classify(context: &str, e: &JsValue) -> Fail {
    let name = Reflect::get(e, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    let text = js_message(e);
    if name == "QuotaExceededError" || text.contains("QuotaExceededError") {
        return Fail::Fatal(Error::QuotaExceeded(format!(
            "The browser's storage quota is exhausted ({context}): {text}. Nothing of this write was stored; free space or delete data and retry."
        )));
    }
    if name == "InvalidStateError" || text.contains("InvalidStateError") || text.contains("connection is closing") {
        return Fail::Lost(format!("{context}: {text}"));
    }
    Fail::Fatal(Error::Storage(format!("IndexedDB {context} failed: {text}")))
}

fn idb_fail(context: &str, e: idb::Error) -> Fail {
    use idb::Error as E;
    match e {
        E::DomException(d) => classify(context, &d.into()),
        E::AddFailed(v)
        | E::DeleteFailed(v)
        | E::GetFailed(v)
        | E::GetAllFailed(v)
        | E::GetAllKeysFailed(v)
        | E::TransactionOpenFailed(v)
        | E::OpenCursorFailed(v)
        | E::UpdateFailed(v)
        | E::IndexedDbOpenFailed(v) => classify(context, &v),
        other => {
            let text = other.to_string();
            if text.contains("InvalidStateError") {
                Fail::Lost(format!("{context}: {text}"))
            } else {
                Fail::Fatal(Error::Storage(format!("IndexedDB {context} failed: {text}")))
            }
        }
    }
}

use crate::wasm::adapter::{key_to_js, parse_js_key};

fn key_from_js(v: &JsValue) -> Result<Key> {
    parse_js_key(v).ok_or_else(|| Error::Corrupt("IndexedDB key is not an array of strings and integers".into()))
}

/// `IDBKeyRange.bound(prefix, [...prefix, []])`: the prefix and every key
/// extending it (an array sorts after every number and string).
fn prefix_range(prefix: &[Part]) -> std::result::Result<KeyRange, idb::Error> {
    let lower = key_to_js(prefix);
    let upper = key_to_js(prefix);
    upper.push(&Array::new());
    KeyRange::bound(&lower, &upper, Some(false), Some(false))
}

fn bytes_of(v: &JsValue) -> Result<Vec<u8>> {
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Ok(a.to_vec());
    }
    if v.is_instance_of::<js_sys::ArrayBuffer>() {
        return Ok(Uint8Array::new(v).to_vec());
    }
    Err(Error::Corrupt("IndexedDB value is not bytes".into()))
}

/// Resolves on the transaction's `complete`; rejects with the abort cause:
/// `transaction.error` (e.g. `QuotaExceededError`), else the first failed
/// request's error, else a plain `AbortError`.
fn completion(tx: &IdbTransaction) -> JsFuture {
    let tx_abort = tx.clone();
    let first_error: Rc<RefCell<Option<JsValue>>> = Rc::new(RefCell::new(None));
    let first_error2 = first_error.clone();
    let p = Promise::new(&mut |resolve: Function, reject: Function| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let first = first_error2.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
            if first.borrow().is_some() {
                return;
            }
            if let Some(t) = ev.target() {
                if let Ok(e) = Reflect::get(&t, &"error".into()) {
                    if !e.is_null() && !e.is_undefined() {
                        *first.borrow_mut() = Some(e);
                    }
                }
            }
        })
        .into_js_value();
        let first = first_error2.clone();
        let tx3 = tx_abort.clone();
        let on_abort = Closure::once_into_js(move || {
            let cause = tx3
                .error()
                .map(JsValue::from)
                .or_else(|| first.borrow_mut().take())
                .unwrap_or_else(|| js_sys::Error::new("AbortError: the transaction was aborted").into());
            let _ = reject.call1(&JsValue::NULL, &cause);
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_error.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    let _ = first_error;
    JsFuture::from(p)
}

fn random_id() -> String {
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{:016x}", (a << 32) | b)
}

impl IdbStorage {
    /// Opens (creating if needed) the IndexedDB database `name`.
    pub async fn open(name: &str, durability: Durability) -> Result<IdbStorage> {
        let inner = Rc::new(Inner {
            name: name.to_string(),
            durability,
            writer: random_id(),
            conn: RefCell::new(None),
            gone: RefCell::new(None),
            queue: RefCell::new(VecDeque::new()),
            flushing: Cell::new(false),
            issued: Cell::new(0),
            finished: Cell::new(0),
            waiters: RefCell::new(Vec::new()),
            seen: Cell::new(0.0),
            stats: RefCell::new(Stats::default()),
        });
        let s = IdbStorage { inner };
        s.connect().await.map_err(Fail::into_error)?;
        // Everything logged so far is reflected in what the caller reads
        // next (the catalog); start catching up after it.
        let last = s.last_log_key().await?;
        s.inner.seen.set(last);
        Ok(s)
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn writer_id(&self) -> &str {
        &self.inner.writer
    }

    pub fn stats(&self) -> Stats {
        self.inner.stats.borrow().clone()
    }

    /// Closes the connection; later operations fail. (`Pinecone.close()`.)
    pub fn close(&self) {
        if let Some(db) = self.inner.conn.borrow_mut().take() {
            db.close();
        }
        *self.inner.gone.borrow_mut() = Some(format!("The IndexedDB database '{}' was closed.", self.inner.name));
    }

    /// Test hook: closes the underlying connection as a browser may (Safari
    /// drops connections), without telling this storage. The next
    /// operation must reopen and retry.
    pub fn drop_connection_for_testing(&self) {
        if let Some(db) = self.inner.conn.borrow().as_ref() {
            db.close();
        }
    }

    async fn connect(&self) -> std::result::Result<IdbDatabase, Fail> {
        if let Some(reason) = self.inner.gone.borrow().clone() {
            return Err(Fail::Fatal(Error::Storage(reason)));
        }
        if let Some(db) = self.inner.conn.borrow().clone() {
            return Ok(db);
        }
        let factory = Factory::new().map_err(|e| idb_fail("open", e))?;
        let mut req = factory.open(&self.inner.name, Some(VERSION)).map_err(|e| idb_fail("open", e))?;
        req.on_upgrade_needed(|ev| {
            use idb::DatabaseEvent;
            if let Ok(db) = ev.database() {
                let names = db.store_names();
                if !names.iter().any(|n| n == KV) {
                    let _ = db.create_object_store(KV, ObjectStoreParams::new());
                }
                if !names.iter().any(|n| n == LOG) {
                    let mut p = ObjectStoreParams::new();
                    p.auto_increment(true);
                    let _ = db.create_object_store(LOG, p);
                }
            }
        });
        let name = self.inner.name.clone();
        req.on_blocked(move |_| {
            web_sys_warn(&format!(
                "conifer-db: opening IndexedDB '{name}' is blocked by a connection in another tab that does not close; waiting for it"
            ));
        });
        let mut db = req.await.map_err(|e| idb_fail("open", e))?;
        // Another context wants to delete or upgrade the database: close so
        // it is not blocked, and fail later operations with a clear error.
        let weak = Rc::downgrade(&self.inner);
        db.on_version_change(move |_| {
            if let Some(inner) = weak.upgrade() {
                if let Some(c) = inner.conn.borrow_mut().take() {
                    c.close();
                }
                *inner.gone.borrow_mut() = Some(format!(
                    "The IndexedDB database '{}' was deleted or upgraded by another tab; open it again (reload the page).",
                    inner.name
                ));
            }
        });
        // An abnormal close (storage cleared, browser dropped the
        // connection): forget it so the next operation reopens.
        let weak = Rc::downgrade(&self.inner);
        db.on_close(move |_| {
            if let Some(inner) = weak.upgrade() {
                inner.conn.borrow_mut().take();
            }
        });
        db.forget_callbacks();
        let raw: IdbDatabase = db.into();
        *self.inner.conn.borrow_mut() = Some(raw.clone());
        Ok(raw)
    }

    /// Runs `f` against an open connection; on a lost connection reopens
    /// and runs it once more.
    async fn with_retry<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: Fn(IdbDatabase) -> Fut,
        Fut: Future<Output = std::result::Result<T, Fail>>,
    {
        let db = self.connect().await.map_err(Fail::into_error)?;
        match f(db).await {
            Ok(v) => Ok(v),
            Err(Fail::Fatal(e)) => Err(e),
            Err(Fail::Lost(_)) => {
                if let Some(c) = self.inner.conn.borrow_mut().take() {
                    c.close();
                }
                self.inner.stats.borrow_mut().reopens += 1;
                let db = self.connect().await.map_err(Fail::into_error)?;
                f(db).await.map_err(Fail::into_error)
            }
        }
    }

    /// Waits until every batch queued before now has finished.
    fn barrier(&self) -> Barrier {
        Barrier { inner: self.inner.clone(), target: self.inner.issued.get() }
    }

    async fn last_log_key(&self) -> Result<f64> {
        self.with_retry(|db| async move {
            let tx = idb::Database::from(db)
                .transaction(&[LOG], TransactionMode::ReadOnly)
                .map_err(|e| idb_fail("read", e))?;
            let store = tx.object_store(LOG).map_err(|e| idb_fail("read", e))?;
            let keys = store
                .open_key_cursor(None, Some(CursorDirection::Prev))
                .map_err(|e| idb_fail("read", e))?
                .await
                .map_err(|e| idb_fail("read", e))?;
            Ok(match keys {
                Some(c) => c.key().ok().and_then(|k| k.as_f64()).unwrap_or(0.0),
                None => 0.0,
            })
        })
        .await
    }

    /// What other writers changed since the last call (or since open).
    pub async fn changes(&self) -> Result<Changes> {
        self.barrier().await;
        let seen = self.inner.seen.get();
        let me = self.inner.writer.clone();
        let (last, out) = self
            .with_retry(|db| {
                let me = me.clone();
                async move {
                    let tx = idb::Database::from(db)
                        .transaction(&[LOG], TransactionMode::ReadOnly)
                        .map_err(|e| idb_fail("read log", e))?;
                    let store = tx.object_store(LOG).map_err(|e| idb_fail("read log", e))?;
                    let still_there = if seen > 0.0 {
                        Some(
                            store
                                .get_key(Query::Key(JsValue::from_f64(seen)))
                                .map_err(|e| idb_fail("read log", e))?
                                .into_future(),
                        )
                    } else {
                        None
                    };
                    let range = KeyRange::lower_bound(&JsValue::from_f64(seen), Some(true))
                        .map_err(|e| idb_fail("read log", e))?;
                    let keys_f = store
                        .get_all_keys(Some(Query::KeyRange(range.clone())), None)
                        .map_err(|e| idb_fail("read log", e))?
                        .into_future();
                    let vals_f = store
                        .get_all(Some(Query::KeyRange(range)), None)
                        .map_err(|e| idb_fail("read log", e))?
                        .into_future();
                    let present = match still_there {
                        Some(f) => f.await.map_err(|e| idb_fail("read log", e))?.is_some(),
                        None => true,
                    };
                    let keys = keys_f.await.map_err(|e| idb_fail("read log", e))?;
                    let vals = vals_f.await.map_err(|e| idb_fail("read log", e))?;
                    let last = keys.last().and_then(|k| k.as_f64()).unwrap_or(seen);
                    if !present {
                        return Ok((last, Changes::Unknown));
                    }
                    let mut touched = BTreeSet::new();
                    for v in vals {
                        let w = Reflect::get(&v, &"w".into()).ok().and_then(|w| w.as_string()).unwrap_or_default();
                        if w == me {
                            continue;
                        }
                        let Ok(k) = Reflect::get(&v, &"k".into()) else { continue };
                        let Some(arr) = k.dyn_ref::<Array>() else { continue };
                        for key in arr.iter() {
                            match key_from_js(&key) {
                                Ok(k) => {
                                    touched.insert(k);
                                }
                                Err(_) => return Ok((last, Changes::Unknown)),
                            }
                        }
                    }
                    Ok((last, Changes::Keys(touched.into_iter().collect())))
                }
            })
            .await?;
        self.inner.seen.set(last);
        Ok(out)
    }

    /// Flushes the queue: one transaction at a time, each holding every
    /// batch queued when it starts (up to [`MAX_TXN_BYTES`]).
    async fn flush(inner: Rc<Inner>) {
        let s = IdbStorage { inner };
        loop {
            let group: Vec<Pending> = {
                let mut q = s.inner.queue.borrow_mut();
                let mut bytes = 0usize;
                let mut out = Vec::new();
                while let Some(b) = q
                    .front()
                    .map(|p| p.ops.iter().map(|o| if let Op::Put(_, v) = o { v.len() } else { 0 }).sum::<usize>())
                {
                    if !out.is_empty() && bytes + b > MAX_TXN_BYTES {
                        break;
                    }
                    bytes += b;
                    out.extend(q.pop_front());
                }
                out
            };
            if group.is_empty() {
                s.inner.flushing.set(false);
                return;
            }
            let ops: Vec<&Op> = group.iter().flat_map(|p| p.ops.iter()).collect();
            let result = s.with_retry(|db| s.write_txn(db, &ops)).await;
            let last_seq = group.last().map(|p| p.seq).unwrap_or(0);
            match &result {
                Ok(()) => {
                    let mut st = s.inner.stats.borrow_mut();
                    st.transactions += 1;
                    st.batches += group.len() as u64;
                    for o in &ops {
                        match o {
                            Op::Put(_, v) => {
                                st.puts += 1;
                                st.put_bytes += v.len() as u64;
                            }
                            Op::Delete(_) => st.deletes += 1,
                            Op::DeletePrefix(_) => st.range_deletes += 1,
                        }
                    }
                    drop(st);
                    for p in &group {
                        p.slot.fill(Ok(()));
                    }
                    s.finish(last_seq);
                }
                Err(e) => {
                    s.inner.stats.borrow_mut().failed_transactions += 1;
                    // Batches queued behind the failed ones were built on
                    // their in-memory effects: they fail too.
                    let behind: Vec<Pending> = s.inner.queue.borrow_mut().drain(..).collect();
                    let last_seq = behind.last().map(|p| p.seq).unwrap_or(last_seq);
                    for p in group.iter().chain(behind.iter()) {
                        p.slot.fill(Err(e.clone()));
                    }
                    s.finish(last_seq);
                }
            }
        }
    }

    fn finish(&self, seq: u64) {
        self.inner.finished.set(seq);
        let ready: Vec<Waker> = {
            let mut w = self.inner.waiters.borrow_mut();
            let (done, wait): (Vec<_>, Vec<_>) = w.drain(..).partition(|(t, _)| *t <= seq);
            *w = wait;
            done.into_iter().map(|(_, w)| w).collect()
        };
        for w in ready {
            w.wake();
        }
    }

    /// One readwrite transaction: every op, then the log entry; resolves on
    /// `complete`. Nothing but this transaction's own requests is awaited
    /// while it is open.
    async fn write_txn(&self, db: IdbDatabase, ops: &[&Op]) -> std::result::Result<(), Fail> {
        let tx = readwrite(&db, self.inner.durability).map_err(|e| classify("write", &e))?;
        let done = completion(&tx);
        let t = idb::Transaction::from(tx.clone());
        let issue = || -> std::result::Result<(), idb::Error> {
            let kv = t.object_store(KV)?;
            let mut touched: BTreeSet<Key> = BTreeSet::new();
            for op in ops {
                match op {
                    Op::Put(k, v) => {
                        kv.put(&Uint8Array::from(v.as_slice()).into(), Some(&key_to_js(k).into()))?;
                        touched.insert(k.iter().take(3).cloned().collect());
                    }
                    Op::Delete(k) => {
                        kv.delete(Query::Key(key_to_js(k).into()))?;
                        touched.insert(k.iter().take(3).cloned().collect());
                    }
                    Op::DeletePrefix(p) => {
                        kv.delete(Query::KeyRange(prefix_range(p)?))?;
                        touched.insert(p.iter().take(3).cloned().collect());
                    }
                }
            }
            let log = t.object_store(LOG)?;
            let entry = Object::new();
            let _ = Reflect::set(&entry, &"w".into(), &JsValue::from_str(&self.inner.writer));
            let keys: Array = touched.iter().map(|k| JsValue::from(key_to_js(k))).collect();
            let _ = Reflect::set(&entry, &"k".into(), &keys);
            log.add(&entry, None)?;
            // Prune entries every tab has had ample time to read.
            let seen = self.inner.seen.get();
            if seen > LOG_KEEP as f64 && (seen as u64) % 64 == 0 {
                let old = KeyRange::upper_bound(&JsValue::from_f64(seen - LOG_KEEP as f64), Some(false))?;
                log.delete(Query::KeyRange(old))?;
            }
            Ok(())
        };
        if let Err(e) = issue() {
            let _ = tx.abort();
            let _ = done.await;
            return Err(idb_fail("write", e));
        }
        done.await.map(|_| ()).map_err(|e| classify("write", &e))
    }
}

/// `db.transaction([kv, log], "readwrite", { durability })`. (The options
/// argument is not in `idb`'s API.)
fn readwrite(db: &IdbDatabase, durability: Durability) -> std::result::Result<IdbTransaction, JsValue> {
    let stores = Array::of2(&KV.into(), &LOG.into());
    let opts = Object::new();
    Reflect::set(&opts, &"durability".into(), &durability.as_str().into())?;
    let f: Function = Reflect::get(db, &"transaction".into())?.dyn_into()?;
    f.call3(db, &stores, &"readwrite".into(), &opts)?.dyn_into()
}

fn web_sys_warn(msg: &str) {
    let console = Reflect::get(&js_sys::global(), &"console".into()).unwrap_or(JsValue::UNDEFINED);
    if let Ok(warn) = Reflect::get(&console, &"warn".into()) {
        if let Some(f) = warn.dyn_ref::<Function>() {
            let _ = f.call1(&console, &msg.into());
        }
    }
}

/// Resolves when every batch up to `target` has finished.
struct Barrier {
    inner: Rc<Inner>,
    target: u64,
}

impl Future for Barrier {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.inner.finished.get() >= self.target {
            Poll::Ready(())
        } else {
            self.inner.waiters.borrow_mut().push((self.target, cx.waker().clone()));
            Poll::Pending
        }
    }
}

/// The caller's side of a queued batch.
struct Waiting(Rc<Slot>);

impl Future for Waiting {
    type Output = Result<()>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if let Some(r) = self.0.result.borrow_mut().take() {
            return Poll::Ready(r);
        }
        *self.0.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Storage for IdbStorage {
    async fn get(&self, key: &[Part]) -> Result<Option<Vec<u8>>> {
        self.barrier().await;
        self.inner.stats.borrow_mut().reads += 1;
        let k: JsValue = key_to_js(key).into();
        let v = self
            .with_retry(|db| {
                let k = k.clone();
                async move {
                    let tx = idb::Database::from(db)
                        .transaction(&[KV], TransactionMode::ReadOnly)
                        .map_err(|e| idb_fail("read", e))?;
                    let store = tx.object_store(KV).map_err(|e| idb_fail("read", e))?;
                    store.get(Query::Key(k)).map_err(|e| idb_fail("read", e))?.await.map_err(|e| idb_fail("read", e))
                }
            })
            .await?;
        v.map(|v| bytes_of(&v)).transpose()
    }

    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Vec<u8>>>> {
        self.barrier().await;
        self.inner.stats.borrow_mut().reads += 1;
        let ks: Vec<JsValue> = keys.iter().map(|k| key_to_js(k).into()).collect();
        let vals = self
            .with_retry(|db| {
                let ks = ks.clone();
                async move {
                    let tx = idb::Database::from(db)
                        .transaction(&[KV], TransactionMode::ReadOnly)
                        .map_err(|e| idb_fail("read", e))?;
                    let store = tx.object_store(KV).map_err(|e| idb_fail("read", e))?;
                    // Every request issued before awaiting any: one
                    // transaction, answered together.
                    let mut pending = Vec::with_capacity(ks.len());
                    for k in ks {
                        pending.push(store.get(Query::Key(k)).map_err(|e| idb_fail("read", e))?.into_future());
                    }
                    let mut out = Vec::with_capacity(pending.len());
                    for f in pending {
                        out.push(f.await.map_err(|e| idb_fail("read", e))?);
                    }
                    Ok(out)
                }
            })
            .await?;
        vals.into_iter().map(|v| v.map(|v| bytes_of(&v)).transpose()).collect()
    }

    async fn scan(&self, prefix: &[Part]) -> Result<Vec<(Key, Vec<u8>)>> {
        self.barrier().await;
        self.inner.stats.borrow_mut().reads += 1;
        let prefix = prefix.to_vec();
        let (keys, vals) = self
            .with_retry(|db| {
                let prefix = prefix.clone();
                async move {
                    let tx = idb::Database::from(db)
                        .transaction(&[KV], TransactionMode::ReadOnly)
                        .map_err(|e| idb_fail("scan", e))?;
                    let store = tx.object_store(KV).map_err(|e| idb_fail("scan", e))?;
                    let range = prefix_range(&prefix).map_err(|e| idb_fail("scan", e))?;
                    // Both requests in one transaction: one consistent view.
                    let keys_f = store
                        .get_all_keys(Some(Query::KeyRange(range.clone())), None)
                        .map_err(|e| idb_fail("scan", e))?
                        .into_future();
                    let vals_f = store
                        .get_all(Some(Query::KeyRange(range)), None)
                        .map_err(|e| idb_fail("scan", e))?
                        .into_future();
                    let keys = keys_f.await.map_err(|e| idb_fail("scan", e))?;
                    let vals = vals_f.await.map_err(|e| idb_fail("scan", e))?;
                    Ok((keys, vals))
                }
            })
            .await?;
        if keys.len() != vals.len() {
            return Err(Error::Storage("IndexedDB scan returned mismatched keys and values".into()));
        }
        let mut out = Vec::with_capacity(keys.len());
        for (k, v) in keys.iter().zip(vals.iter()) {
            out.push((key_from_js(k)?, bytes_of(v)?));
        }
        Ok(out)
    }

    async fn commit(&self, ops: Vec<Op>) -> Result<()> {
        if let Some(reason) = self.inner.gone.borrow().clone() {
            return Err(Error::Storage(reason));
        }
        let slot = Rc::new(Slot { result: RefCell::new(None), waker: RefCell::new(None) });
        let seq = self.inner.issued.get() + 1;
        self.inner.issued.set(seq);
        self.inner.queue.borrow_mut().push_back(Pending { ops, slot: slot.clone(), seq });
        if !self.inner.flushing.get() {
            self.inner.flushing.set(true);
            wasm_bindgen_futures::spawn_local(IdbStorage::flush(self.inner.clone()));
        }
        Waiting(slot).await
    }
}

/// Deletes the IndexedDB database `name` (tests, `Pinecone.destroy`).
pub async fn delete_database(name: &str) -> Result<()> {
    let factory = Factory::new().map_err(|e| idb_fail("delete", e).into_error())?;
    factory
        .delete(name)
        .map_err(|e| idb_fail("delete", e).into_error())?
        .await
        .map_err(|e| idb_fail("delete", e).into_error())?;
    Ok(())
}
