//! Persistence through the storage trait: reopen, lazy loading, eviction,
//! compaction, offboarding and injected write failures.

use conifer::db::{DataOp::*, Options};
use conifer::key;
use conifer::store::memory::MemoryStorage;
use conifer::store::Storage;
use serde_json::{json, Value as Json};

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

fn random_records(r: &mut Rng, from: usize, to: usize, dim: usize) -> Json {
    let recs: Vec<Json> = (from..to)
        .map(|i| json!({"id": format!("r{i}"), "values": (0..dim).map(|_| r.below(1000) as f32 / 500.0 - 1.0).collect::<Vec<_>>()}))
        .collect();
    json!(recs)
}

fn graph_state<S: Storage>(db: &Db<S>, index: &str, ns: &str) -> (u32, bool) {
    use conifer::engine::NsEntry;
    match &db.0.engine().indexes[index].namespaces[ns].entry {
        NsEntry::Loaded(n) => (n.graph_builds(), n.has_graph()),
        NsEntry::Unloaded { .. } => panic!("not loaded"),
    }
}

/// The graph built during an ingest is stored by the compaction the writes
/// queue (the host runs it when writes pause), so the first reopen after a
/// bulk ingest installs it instead of rebuilding it; a stored graph that
/// lags far behind is queued for storing again, a nearly current one not.
#[test]
fn graph_built_by_writes_is_stored_without_a_reopen() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    let mut body = serverless("g", 8, "euclidean");
    body["conifer"] = json!({"index_type": "hnsw"});
    db.create(body).unwrap();
    let mut r = Rng(11);
    for b in 0..10 {
        db.upsert("g", "t", random_records(&mut r, b * 100, b * 100 + 100, 8)).unwrap();
    }
    assert_eq!(db.0.compactions_due(), 1, "the unstored graph queues one compaction");
    assert!(pollster::block_on(store.get(&key!["graph", "g", "t"])).unwrap().is_none());
    pollster::block_on(db.0.compact_due()).unwrap();
    assert_eq!(db.0.compactions_due(), 0);
    assert!(pollster::block_on(store.get(&key!["graph", "g", "t"])).unwrap().is_some());
    // A few writes after the snapshot: the stored graph is still current
    // enough (a reopen inserts them into it).
    db.upsert("g", "t", random_records(&mut r, 1000, 1100, 8)).unwrap();
    assert_eq!(db.0.compactions_due(), 0);
    drop(db);

    let db = Db::open(store.clone());
    let top = |db: &Db<MemoryStorage>, id: &str| {
        db.query("g", json!({"topK": 1, "id": id, "namespace": "t"})).unwrap()["matches"][0]["id"].clone()
    };
    assert_eq!(top(&db, "r17"), "r17");
    assert_eq!(top(&db, "r1050"), "r1050", "records after the snapshot are in the graph");
    assert_eq!(graph_state(&db, "g", "t"), (0, true), "reopen installs the stored graph");
    assert_eq!(db.0.compactions_due(), 0);
    // Past GRAPH_STALE_MIN (2,000) records written after the snapshot the
    // graph is queued for storing again.
    db.upsert("g", "t", random_records(&mut r, 1100, 2100, 8)).unwrap();
    assert_eq!(db.0.compactions_due(), 0, "1,100 records behind: not yet");
    db.upsert("g", "t", random_records(&mut r, 2100, 3100, 8)).unwrap();
    assert_eq!(db.0.compactions_due(), 1, "2,100 records behind: store the graph again");
    pollster::block_on(db.0.compact_due()).unwrap();
    drop(db);
    let db = Db::open(store.clone());
    assert_eq!(top(&db, "r3000"), "r3000");
    assert_eq!(graph_state(&db, "g", "t"), (0, true));
    assert_eq!(db.call(DescribeIndexStats, "g", json!({})).unwrap()["totalVectorCount"], 3100);
}

/// Restoring an index from a collection builds its graph; the restore
/// queues the compaction that stores it.
#[test]
fn graph_built_by_a_collection_restore_is_stored() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    let mut body = serverless("src", 8, "cosine");
    body["conifer"] = json!({"index_type": "hnsw"});
    db.create(body).unwrap();
    let mut r = Rng(12);
    db.upsert("src", "t", random_records(&mut r, 0, 300, 8)).unwrap();
    pollster::block_on(db.0.compact_due()).unwrap();
    pollster::block_on(db.0.create_collection(&json!({"name": "snap", "source": "src"}))).unwrap();
    let mut body = serverless("dst", 8, "cosine");
    body["conifer"] = json!({"index_type": "hnsw"});
    body["spec"]["serverless"]["source_collection"] = json!("snap");
    db.create(body).unwrap();
    assert_eq!(db.0.compactions_due(), 1);
    pollster::block_on(db.0.compact_due()).unwrap();
    assert!(pollster::block_on(store.get(&key!["graph", "dst", "t"])).unwrap().is_some());
    drop(db);
    let db = Db::open(store);
    let q = json!({"topK": 3, "id": "r7", "namespace": "t"});
    assert_eq!(db.query("dst", q).unwrap()["matches"][0]["id"], "r7");
    assert_eq!(graph_state(&db, "dst", "t"), (0, true));
}
