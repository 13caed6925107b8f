//! An in-memory [`Storage`]: a `BTreeMap` of tuple keys. Used by native
//! tests, by Node, and as the reference the other implementations are
//! compared with. It can be told to fail after N commits to test recovery.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::{has_prefix, Key, Op, Part, Storage};
use crate::error::{Error, Result};

#[derive(Debug, Default, Clone)]
pub struct MemoryStorage {
    map: Rc<RefCell<BTreeMap<Key, Vec<u8>>>>,
    /// Commits left before every further commit fails (fault injection).
    fail_after: Rc<Cell<Option<usize>>>,
}

impl MemoryStorage {
    pub fn new() -> MemoryStorage {
        MemoryStorage::default()
    }

    /// After `n` more successful commits, every commit fails (atomically,
    /// writing nothing) until `heal` is called.
    pub fn fail_after(&self, n: usize) {
        self.fail_after.set(Some(n));
    }

    pub fn heal(&self) {
        self.fail_after.set(None);
    }

    /// Bytes stored (keys not counted).
    pub fn stored_bytes(&self) -> usize {
        self.map.borrow().values().map(Vec::len).sum()
    }

    pub fn len(&self) -> usize {
        self.map.borrow().len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.borrow().is_empty()
    }

    /// Direct access for corruption tests.
    pub fn raw(&self) -> std::cell::RefMut<'_, BTreeMap<Key, Vec<u8>>> {
        self.map.borrow_mut()
    }
}

impl Storage for MemoryStorage {
    async fn get(&self, key: &[Part]) -> Result<Option<Vec<u8>>> {
        Ok(self.map.borrow().get(key).cloned())
    }

    async fn scan(&self, prefix: &[Part]) -> Result<Vec<(Key, Vec<u8>)>> {
        let map = self.map.borrow();
        Ok(map
            .range(prefix.to_vec()..)
            .take_while(|(k, _)| has_prefix(k, prefix))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }

    async fn commit(&self, ops: Vec<Op>) -> Result<()> {
        if let Some(n) = self.fail_after.get() {
            if n == 0 {
                return Err(Error::Storage("injected failure".into()));
            }
            self.fail_after.set(Some(n - 1));
        }
        let mut map = self.map.borrow_mut();
        for op in ops {
            match op {
                Op::Put(k, v) => {
                    map.insert(k, v);
                }
                Op::Delete(k) => {
                    map.remove(&k);
                }
                Op::DeletePrefix(p) => {
                    let doomed: Vec<Key> =
                        map.range(p.clone()..).take_while(|(k, _)| has_prefix(k, &p)).map(|(k, _)| k.clone()).collect();
                    for k in doomed {
                        map.remove(&k);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_storage_conforms() {
        let s = MemoryStorage::new();
        pollster::block_on(crate::store::conformance(&s)).unwrap();
    }

    #[test]
    fn injected_failure_writes_nothing() {
        let s = MemoryStorage::new();
        s.fail_after(0);
        assert!(pollster::block_on(s.commit(vec![Op::Put(crate::key!["a"], vec![1])])).is_err());
        assert!(s.is_empty());
    }
}
