//! Persistence through the storage trait: reopen, lazy loading, eviction,
//! compaction, offboarding and injected write failures.

use conifer::db::{DataOp::*, Options};
use conifer::key;
use conifer::store::memory::MemoryStorage;
use conifer::store::Storage;
use serde_json::json;

use super::model::{check_all, step, Model, Rng};
use super::*;

#[test]
fn reopen_sees_everything() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    db.create(serverless("m", 4, "cosine")).unwrap();
    let mut model = Model::new();
    let mut r = Rng(7);
    for _ in 0..600 {
        step(&db, &mut model, &mut r, "cosine", false);
    }
    drop(db);
    let db2 = Db::open(store.clone());
    // Nothing loaded yet: stats come from manifests.
    assert!(db2.0.engine().needs_load("m", "t0") || !model.contains_key("t0"));
    check_all(&db2, &model);
    let cfg = db2.0.describe_index("m").unwrap();
    assert_eq!(cfg.dimension, Some(4));
}

#[test]
fn many_segments_are_compacted_on_load() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    db.create(serverless("m", 2, "cosine")).unwrap();
    for i in 0..100 {
        db.upsert("m", "t", json!([{"id": format!("r{}", i % 10), "values": [1, i + 1]}])).unwrap();
    }
    let before = pollster::block_on(store.scan(&key!["seg", "m", "t"])).unwrap().len();
    assert_eq!(before, 100);
    drop(db);
    let db = Db::open(store.clone());
    let f = db.call(Fetch, "m", json!({"ids": ["r3"], "namespace": "t"})).unwrap();
    assert_eq!(f["vectors"]["r3"]["values"], json!([1.0, 94.0]));
    let after = pollster::block_on(store.scan(&key!["seg", "m", "t"])).unwrap().len();
    assert_eq!(after, 1, "compaction should fold 100 segments into one");
    drop(db);
    let db = Db::open(store);
    let f = db.call(Fetch, "m", json!({"ids": ["r3", "r9"], "namespace": "t"})).unwrap();
    assert_eq!(f["vectors"]["r9"]["values"], json!([1.0, 100.0]));
}

#[test]
fn offboarding_leaves_nothing() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    seed(&db, "cosine");
    db.call(Delete, "multitenant-app", json!({"deleteAll": true, "namespace": "tenant1"})).unwrap();
    let left = pollster::block_on(store.scan(&[])).unwrap();
    assert!(left.iter().all(|(k, _)| !k.contains(&conifer::store::Part::Str("tenant1".into()))), "{left:?}");
    pollster::block_on(db.0.delete_index("multitenant-app")).unwrap();
    assert!(pollster::block_on(store.scan(&[])).unwrap().is_empty());
}

#[test]
fn eviction_keeps_data_and_bounds_memory() {
    let store = MemoryStorage::new();
    let db = Db::open_with(store.clone(), Options { memory_budget: 64 * 1024, ..Options::default() }).unwrap();
    db.create(serverless("m", 16, "cosine")).unwrap();
    for t in 0..20 {
        let recs: Vec<_> = (0..100).map(|i| json!({"id": format!("r{i}"), "values": vec![1.0 + i as f32; 16]})).collect();
        db.upsert("m", &format!("t{t}"), json!(recs)).unwrap();
    }
    let loaded = db.0.engine().indexes["m"].namespaces.values().filter(|s| matches!(s.entry, conifer::engine::NsEntry::Loaded(_))).count();
    assert!(loaded < 20, "idle namespaces should have been evicted ({loaded} loaded)");
    for t in 0..20 {
        let f = db.call(Fetch, "m", json!({"ids": ["r5"], "namespace": format!("t{t}")})).unwrap();
        assert!(f["vectors"].get("r5").is_some(), "t{t} lost data after eviction");
    }
    let s = db.call(DescribeIndexStats, "m", json!({})).unwrap();
    assert_eq!(s["totalVectorCount"], 2000);
}

#[test]
fn failed_writes_lose_nothing_acknowledged() {
    // Fail commits at many points; after each failure the database must
    // hold exactly the acknowledged writes, in memory and after a reopen.
    for fail_at in [0usize, 1, 3, 10, 25, 60] {
        let store = MemoryStorage::new();
        let db = Db::open(store.clone());
        db.create(serverless("m", 4, "cosine")).unwrap();
        let mut model = Model::new();
        let mut r = Rng(fail_at as u64 + 11);
        store.fail_after(fail_at);
        let mut failures = 0;
        for _ in 0..200 {
            if !step(&db, &mut model, &mut r, "cosine", false) {
                failures += 1;
                check_all(&db, &model);
                store.heal();
                store.fail_after(r.below(20) as usize);
            }
        }
        store.heal();
        assert!(failures > 0, "fault injection never triggered");
        check_all(&db, &model);
        drop(db);
        check_all(&Db::open(store), &model);
    }
}

#[test]
fn corrupt_segment_is_a_typed_error_for_that_namespace_only() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    seed(&db, "cosine");
    drop(db);
    {
        let mut raw = store.raw();
        let k = key!["seg", "multitenant-app", "tenant1", 0u64];
        let bytes = raw.get_mut(&k).expect("segment 0 of tenant1");
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x40;
    }
    let db = Db::open(store);
    let e = db.query("multitenant-app", json!({"topK": 1, "vector": vec![1; 8], "namespace": "tenant1"})).unwrap_err();
    assert!(matches!(e, conifer::Error::Corrupt(_)), "{e:?}");
    let ok = db.query("multitenant-app", json!({"topK": 1, "vector": vec![1; 8], "namespace": "tenant2"})).unwrap();
    assert_eq!(ids(&ok).len(), 1);
}

#[test]
fn graph_is_stored_and_reinstalled_not_rebuilt() {
    use conifer::engine::NsEntry;
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    let mut body = serverless("g", 8, "cosine");
    body["conifer"] = json!({"index_type": "hnsw"});
    db.create(body).unwrap();
    let mut r = Rng(3);
    for batch in 0..30 {
        let recs: Vec<_> = (0..20)
            .map(|i| json!({"id": format!("r{}", batch * 20 + i), "values": (0..8).map(|_| r.below(1000) as f32 / 500.0 - 1.0).collect::<Vec<_>>()}))
            .collect();
        db.upsert("g", "t", json!(recs)).unwrap();
    }
    db.call(Delete, "g", json!({"ids": ["r1", "r2", "r3"], "namespace": "t"})).unwrap();
    let q = json!({"topK": 10, "vector": vec![0.3; 8], "namespace": "t"});
    let want = db.query("g", q.clone()).unwrap();
    drop(db);
    let builds = |db: &Db<MemoryStorage>| match &db.0.engine().indexes["g"].namespaces["t"].entry {
        NsEntry::Loaded(n) => (n.graph_builds(), n.has_graph()),
        NsEntry::Unloaded { .. } => panic!("not loaded"),
    };
    // First reopen: no graph stored yet, so it is built once and then
    // written by the compaction that follows.
    let db = Db::open(store.clone());
    assert_eq!(db.query("g", q.clone()).unwrap()["matches"], want["matches"]);
    assert_eq!(builds(&db), (1, true));
    assert!(pollster::block_on(store.get(&key!["graph", "g", "t"])).unwrap().is_some());
    db.upsert("g", "t", json!([{"id": "late", "values": vec![0.3; 8]}])).unwrap();
    drop(db);
    // Second reopen: the stored graph is installed, later segments applied.
    let db = Db::open(store.clone());
    let got = db.query("g", q.clone()).unwrap();
    assert_eq!(builds(&db), (0, true), "the graph must not be rebuilt");
    assert_eq!(got["matches"][0]["id"], "late");
    // Offboarding removes the graph too.
    db.call(Delete, "g", json!({"deleteAll": true, "namespace": "t"})).unwrap();
    assert!(pollster::block_on(store.get(&key!["graph", "g", "t"])).unwrap().is_none());
}
