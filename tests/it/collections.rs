//! Collections: create, describe, list, restore into another metric and
//! spec, export/import bytes, corruption, capacity, deletion protection.

use conifer::db::DataOp::*;
use conifer::store::memory::MemoryStorage;
use conifer::store::{Ephemeral, Storage};
use serde_json::json;

use super::*;

fn create_coll<S: Storage>(db: &Db<S>, name: &str, source: &str) -> Result<serde_json::Value, conifer::Error> {
    pollster::block_on(db.0.create_collection(&json!({"name": name, "source": source})))
}

fn restore_and_compare<S: Storage>(db: &Db<S>) {
    let mut md = serverless("restored", 8, "euclidean");
    md["spec"] = json!({"pod": {"environment": "us-east1-gcp", "pod_type": "p1.x1", "source_collection": "snap"}});
    db.create(md).unwrap();
    for ns in ["tenant1", "tenant2"] {
        let ids = ["A", "B", "C", "D", "E", "F", "G", "H"];
        let a = db.call(Fetch, "multitenant-app", json!({"ids": ids, "namespace": ns})).unwrap();
        let b = db.call(Fetch, "restored", json!({"ids": ids, "namespace": ns})).unwrap();
        assert_eq!(a["vectors"], b["vectors"], "{ns}");
    }
    let r = db.query("restored", json!({"topK": 1, "vector": vec![0.7; 8], "namespace": "tenant2"})).unwrap();
    assert_eq!(ids(&r), vec!["G"]);
    assert_eq!(db.0.describe_index("restored").unwrap().metric.as_str(), "euclidean");
}

#[test]
fn create_describe_restore_persistent_and_memory() {
    fn run<S: Storage>(db: Db<S>) {
        seed(&db, "cosine");
        db.call(Update, "multitenant-app", json!({"id": "A", "setMetadata": {"k": "v"}, "namespace": "tenant1"})).unwrap();
        let c = create_coll(&db, "snap", "multitenant-app").unwrap();
        assert_eq!(c["name"], "snap");
        assert_eq!(c["status"], "Ready");
        assert_eq!(c["dimension"], 8);
        assert_eq!(c["vector_count"], 8);
        assert_eq!(c["environment"], "us-east-1-aws");
        assert!(c["size"].as_u64().unwrap() > 8 * 8 * 4);
        assert_eq!(db.0.describe_collection("snap").unwrap(), c);
        assert_eq!(db.0.list_collections()["collections"].as_array().unwrap().len(), 1);
        assert_eq!(create_coll(&db, "snap", "multitenant-app").unwrap_err().presentation().http_status, 409);
        assert_eq!(create_coll(&db, "other", "nope").unwrap_err().presentation().http_status, 404);
        assert_eq!(create_coll(&db, "Bad_Name", "multitenant-app").unwrap_err().presentation().http_status, 400);
        restore_and_compare(&db);
        // A different dimension cannot restore.
        let mut bad = serverless("bad", 4, "cosine");
        bad["spec"]["serverless"]["source_collection"] = json!("snap");
        assert!(db.create(bad).is_err());
        assert!(db.0.describe_index("bad").is_err());
        let mut missing = serverless("bad", 8, "cosine");
        missing["spec"]["serverless"]["source_collection"] = json!("nope");
        assert_eq!(db.create(missing).unwrap_err().presentation().http_status, 404);
        pollster::block_on(db.0.delete_collection("snap")).unwrap();
        assert!(db.0.describe_collection("snap").is_err());
        assert!(pollster::block_on(db.0.delete_collection("snap")).is_err());
    }
    run(Db::open(MemoryStorage::new()));
    run(Db::open(Ephemeral));
}

#[test]
fn collections_survive_reopen_and_export_import_round_trip() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    seed(&db, "cosine");
    create_coll(&db, "snap", "multitenant-app").unwrap();
    drop(db);
    let db = Db::open(store);
    assert_eq!(db.0.describe_collection("snap").unwrap()["vector_count"], 8);
    let bytes = pollster::block_on(db.0.export_collection("snap")).unwrap();

    // Import elsewhere (a memory-only database) and restore there.
    let other = Db::open(Ephemeral);
    seed(&other, "dotproduct");
    pollster::block_on(other.0.import_collection("snap", bytes.clone())).unwrap();
    restore_and_compare(&other);

    // Corrupted or truncated bytes are rejected and change nothing.
    let third = Db::open(MemoryStorage::new());
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    for bad in [flipped, bytes[..bytes.len() - 7].to_vec(), b"hello".to_vec(), Vec::new()] {
        let e = pollster::block_on(third.0.import_collection("x", bad)).unwrap_err();
        assert!(matches!(e, conifer::Error::Corrupt(_)), "{e:?}");
    }
    assert_eq!(third.0.list_collections()["collections"], json!([]));
}

#[test]
fn fullness_is_records_over_capacity() {
    let db = Db::open(MemoryStorage::new());
    // 20,000 dimensions: a p1.x1 pod holds 675,000 * 1024 / 20000 = 34,560 records.
    db.create(json!({"name": "tiny", "dimension": 20000, "metric": "dotproduct",
        "spec": {"pod": {"environment": "e", "pod_type": "p1.x1"}}})).unwrap();
    let one = |id: usize| json!({"id": format!("r{id}"), "values": vec![1.0f32; 20000]});
    db.upsert("tiny", "", json!([one(0)])).unwrap();
    let stats = db.call(DescribeIndexStats, "tiny", json!({})).unwrap();
    let full = stats["indexFullness"].as_f64().unwrap();
    assert!((full - 1.0 / 34_560.0).abs() < 1e-9, "{full}");
}

#[test]
fn pod_index_full_error_loses_nothing() {
    // Filling a pod index for real takes gigabytes (the smallest capacity,
    // p1.x1 at 20,000 dimensions, is 34,560 records). Instead the catalog is
    // told another namespace already holds capacity - 1 records (exactly the
    // state of a persisted, unloaded namespace), and the real upsert path must
    // then accept one new record and refuse the next.
    use conifer::engine::{Engine, NsEntry, NsState};
    let mut e = Engine::new();
    e.create_index(&json!({"name": "p", "dimension": 2, "metric": "cosine",
        "spec": {"pod": {"environment": "e", "pod_type": "s1.x1"}}})).unwrap();
    let cap = e.index("p").unwrap().config.capacity().unwrap() as usize;
    assert_eq!(cap, 32_000_000);
    e.indexes.get_mut("p").unwrap().namespaces.insert(
        "big".into(),
        NsState { entry: NsEntry::Unloaded { count: cap - 2, bytes: 0 }, schema: None },
    );
    let up = |e: &mut Engine, ids: &[&str]| {
        let vectors: Vec<_> = ids.iter().map(|i| json!({"id": i, "values": [1, 2]})).collect();
        let req = serde_json::from_value(json!({"vectors": vectors, "namespace": "t"})).unwrap();
        e.upsert("p", req)
    };
    up(&mut e, &["a"]).unwrap();
    up(&mut e, &["a"]).unwrap(); // overwriting an existing id needs no room
    let err = up(&mut e, &["b", "c"]).unwrap_err();
    assert_eq!(err.presentation().http_status, 403);
    assert!(err.to_string().contains("is full"), "{err}");
    up(&mut e, &["b"]).unwrap();
    assert!(up(&mut e, &["c"]).is_err());
    let fetched = e.fetch("p", serde_json::from_value(json!({"ids": ["a", "b", "c"], "namespace": "t"})).unwrap()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&fetched).unwrap();
    assert_eq!(v["vectors"].as_object().unwrap().len(), 2, "a and b kept, c refused");
    let stats = e.describe_index_stats("p", Default::default()).unwrap();
    assert_eq!(stats["indexFullness"], 1.0);
}

#[test]
fn protected_index_with_collections_is_not_deleted() {
    let db = Db::open(MemoryStorage::new());
    let mut body = serverless("prot", 2, "cosine");
    body["deletion_protection"] = json!("enabled");
    db.create(body).unwrap();
    db.upsert("prot", "", json!([{"id": "a", "values": [1, 2]}])).unwrap();
    create_coll(&db, "c1", "prot").unwrap();
    let e = pollster::block_on(db.0.delete_index("prot")).unwrap_err();
    assert_eq!(e.presentation().http_status, 403);
    assert!(db.0.describe_collection("c1").is_ok());
    assert_eq!(db.call(Fetch, "prot", json!({"ids": ["a"]})).unwrap()["vectors"]["a"]["values"], json!([1.0, 2.0]));
}
