//! The storage trait: an ordered key-value store with tuple keys and atomic
//! batches. Implementations: [`memory::MemoryStorage`] (native and wasm),
//! IndexedDB and a JS-supplied adapter (wasm only, in `crate::wasm`).
//!
//! **Invariant**: keys are tuples of [`Part`]s compared element by element
//! (numbers before strings, as in IndexedDB), never concatenated strings, so
//! no index or namespace name can collide with or reach into another's keys.
//! [`Storage::commit`] applies a batch atomically: all of it or none of it.

pub mod memory;
#[cfg(target_arch = "wasm32")]
pub mod idb;

use crate::error::Result;

/// One element of a tuple key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    Int(u64),
    Str(String),
}

impl From<&str> for Part {
    fn from(s: &str) -> Part {
        Part::Str(s.to_string())
    }
}

impl From<u64> for Part {
    fn from(n: u64) -> Part {
        Part::Int(n)
    }
}

pub type Key = Vec<Part>;

/// Builds a key from parts: `key!["seg", index, ns, 3u64]`.
#[macro_export]
macro_rules! key {
    ($($p:expr),* $(,)?) => {{
        let k: $crate::store::Key = ::std::vec::Vec::from([$($crate::store::Part::from($p)),*]);
        k
    }};
}

/// One write in an atomic batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Put(Key, Vec<u8>),
    Delete(Key),
    /// Deletes every key that starts with this prefix (the prefix itself
    /// included).
    DeletePrefix(Key),
}

/// An ordered key-value store.
#[allow(async_fn_in_trait)]
pub trait Storage {
    async fn get(&self, key: &[Part]) -> Result<Option<Vec<u8>>>;
    /// The values of several keys, in the order given (one read, so a
    /// store can answer them together; the default asks one by one).
    async fn get_many(&self, keys: &[Key]) -> Result<Vec<Option<Vec<u8>>>> {
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            out.push(self.get(k).await?);
        }
        Ok(out)
    }
    /// Every entry whose key starts with `prefix`, in key order.
    async fn scan(&self, prefix: &[Part]) -> Result<Vec<(Key, Vec<u8>)>>;
    /// Applies the batch atomically, resolving once it is durable.
    async fn commit(&self, ops: Vec<Op>) -> Result<()>;
    /// False for a store that keeps nothing (memory-only databases): the
    /// database then skips encoding and never evicts.
    fn persistent(&self) -> bool {
        true
    }
}

/// A store that keeps nothing: the engine's memory is the database.
#[derive(Debug, Default, Clone, Copy)]
pub struct Ephemeral;

impl Storage for Ephemeral {
    async fn get(&self, _key: &[Part]) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
    async fn scan(&self, _prefix: &[Part]) -> Result<Vec<(Key, Vec<u8>)>> {
        Ok(Vec::new())
    }
    async fn commit(&self, _ops: Vec<Op>) -> Result<()> {
        Ok(())
    }
    fn persistent(&self) -> bool {
        false
    }
}

/// True when `key` starts with `prefix`.
pub fn has_prefix(key: &[Part], prefix: &[Part]) -> bool {
    key.len() >= prefix.len() && key[..prefix.len()] == *prefix
}

/// The conformance suite every [`Storage`] implementation must pass. Call it
/// from each implementation's tests (native for memory, headless Chromium for
/// IndexedDB, Node for the JS adapter).
pub async fn conformance<S: Storage>(s: &S) -> std::result::Result<(), String> {
    macro_rules! check {
        ($cond:expr, $($msg:tt)*) => { if !$cond { return Err(format!($($msg)*)); } };
    }
    let e = |e: crate::Error| e.to_string();
    check!(s.get(&key!["t", "a"]).await.map_err(e)?.is_none(), "empty store returned a value");
    s.commit(vec![
        Op::Put(key!["t", "a"], vec![1]),
        Op::Put(key!["t", "a", 2u64], vec![2]),
        Op::Put(key!["t", "a", 10u64], vec![3]),
        Op::Put(key!["t", "ab"], vec![4]),
        Op::Put(key!["t", "b", "x"], vec![5]),
        Op::Put(key!["u"], vec![]),
    ])
    .await
    .map_err(e)?;
    check!(s.get(&key!["t", "a"]).await.map_err(e)? == Some(vec![1]), "get after put");
    check!(
        s.get_many(&[key!["t", "ab"], key!["t", "zz"], key!["t", "a"]]).await.map_err(e)?
            == vec![Some(vec![4]), None, Some(vec![1])],
        "get_many must answer each key in the order given"
    );
    check!(s.get(&key!["u"]).await.map_err(e)? == Some(vec![]), "empty value round trip");
    let scan = s.scan(&key!["t", "a"]).await.map_err(e)?;
    let keys: Vec<Key> = scan.iter().map(|(k, _)| k.clone()).collect();
    check!(
        keys == vec![key!["t", "a"], key!["t", "a", 2u64], key!["t", "a", 10u64]],
        "scan must return the prefix and its extensions in tuple order, not 'ab': {keys:?}"
    );
    s.commit(vec![Op::Put(key!["t", "a", 2u64], vec![9]), Op::Delete(key!["t", "ab"])]).await.map_err(e)?;
    check!(s.get(&key!["t", "a", 2u64]).await.map_err(e)? == Some(vec![9]), "overwrite");
    check!(s.get(&key!["t", "ab"]).await.map_err(e)?.is_none(), "delete");
    s.commit(vec![Op::DeletePrefix(key!["t", "a"])]).await.map_err(e)?;
    check!(s.scan(&key!["t", "a"]).await.map_err(e)?.is_empty(), "delete prefix left keys");
    check!(s.get(&key!["t", "b", "x"]).await.map_err(e)? == Some(vec![5]), "delete prefix removed a sibling");
    let big = vec![7u8; 1 << 20];
    s.commit(vec![Op::Put(key!["big"], big.clone())]).await.map_err(e)?;
    check!(s.get(&key!["big"]).await.map_err(e)? == Some(big), "1 MiB value");
    // A name that looks like a key separator stays inside its own tuple slot.
    s.commit(vec![Op::Put(key!["n", "x\u{0}y"], vec![1]), Op::Put(key!["n", "x"], vec![2])]).await.map_err(e)?;
    check!(s.scan(&key!["n", "x"]).await.map_err(e)?.len() == 1, "NUL in a name leaked into a prefix scan");
    s.commit(vec![
        Op::DeletePrefix(key!["t"]),
        Op::DeletePrefix(key!["u"]),
        Op::DeletePrefix(key!["big"]),
        Op::DeletePrefix(key!["n"]),
    ])
    .await
    .map_err(e)?;
    check!(s.scan(&[]).await.map_err(e)?.is_empty(), "store not empty after cleanup");
    Ok(())
}
