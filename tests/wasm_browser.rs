//! Browser tests of the IndexedDB storage, in headless Chromium
//! (`CHROMEDRIVER=/usr/bin/chromedriver cargo test --target
//! wasm32-unknown-unknown --test wasm_browser`): the shared storage
//! conformance suite, group commit, reopen, a dropped connection, a
//! `versionchange`, the change log other tabs read, and the database over
//! IndexedDB (concurrent writes to one namespace, reopen, offboarding).
#![cfg(target_arch = "wasm32")]

use conifer::db::{DataOp, Database, Options};
use conifer::key;
use conifer::store::idb::{delete_database, Changes, Durability, IdbStorage};
use conifer::store::{conformance, Op, Storage};
use serde_json::{json, Value as Json};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_name(tag: &str) -> String {
    format!("conifer-test-{tag}-{}", (js_sys::Math::random() * 1e12) as u64)
}

async fn open(name: &str) -> IdbStorage {
    IdbStorage::open(name, Durability::Relaxed).await.expect("open IndexedDB")
}

#[wasm_bindgen_test]
async fn indexeddb_conforms() {
    let name = fresh_name("conf");
    let s = open(&name).await;
    conformance(&s).await.unwrap();
    s.close();
    let s = IdbStorage::open(&name, Durability::Strict).await.unwrap();
    conformance(&s).await.unwrap();
    s.close();
    delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn concurrent_commits_share_transactions() {
    let name = fresh_name("group");
    let s = open(&name).await;
    let futs: Vec<_> =
        (0..100u64).map(|i| s.commit(vec![Op::Put(key!["g", i], vec![i as u8; 1000])])).collect();
    for r in futures::future::join_all(futs).await {
        r.unwrap();
    }
    let st = s.stats();
    assert_eq!(st.batches, 100);
    assert!(st.transactions <= 3, "100 concurrent commits took {} transactions", st.transactions);
    assert_eq!(s.scan(&key!["g"]).await.unwrap().len(), 100);
    s.close();
    delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn reopen_and_dropped_connection() {
    let name = fresh_name("reopen");
    let s = open(&name).await;
    s.commit(vec![Op::Put(key!["a", 1u64], vec![1, 2, 3])]).await.unwrap();
    s.close();
    let s = open(&name).await;
    assert_eq!(s.get(&key!["a", 1u64]).await.unwrap(), Some(vec![1, 2, 3]));
    // The browser closes the connection: the next write and read reopen.
    s.drop_connection_for_testing();
    s.commit(vec![Op::Put(key!["a", 2u64], vec![4])]).await.unwrap();
    s.drop_connection_for_testing();
    assert_eq!(s.get(&key!["a", 2u64]).await.unwrap(), Some(vec![4]));
    assert_eq!(s.stats().reopens, 2);
    s.close();
    delete_database(&name).await.unwrap();
}

#[wasm_bindgen_test]
async fn versionchange_closes_and_reports() {
    let name = fresh_name("vc");
    let s = open(&name).await;
    s.commit(vec![Op::Put(key!["x"], vec![1])]).await.unwrap();
    // Another tab deletes the database: not blocked by our connection.
    delete_database(&name).await.unwrap();
    let e = s.commit(vec![Op::Put(key!["x"], vec![2])]).await.unwrap_err();
    assert!(e.to_string().contains("deleted or upgraded"), "{e}");
}

#[wasm_bindgen_test]
async fn change_log_reports_other_writers_only() {
    let name = fresh_name("log");
    let a = open(&name).await;
    let b = open(&name).await;
    a.commit(vec![
        Op::Put(key!["seg", "i", "n", 0u64], vec![1]),
        Op::Put(key!["manifest", "i", "n"], vec![2]),
    ])
    .await
    .unwrap();
    assert_eq!(a.changes().await.unwrap(), Changes::Keys(vec![]));
    assert_eq!(
        b.changes().await.unwrap(),
        Changes::Keys(vec![key!["manifest", "i", "n"], key!["seg", "i", "n"]])
    );
    assert_eq!(b.changes().await.unwrap(), Changes::Keys(vec![]), "seen entries come back");
    a.close();
    b.close();
    delete_database(&name).await.unwrap();
}

fn now() -> f64 {
    js_sys::Date::now()
}

async fn call<S: Storage>(db: &Database<S>, op: DataOp, index: &str, body: Json) -> Json {
    let out = db.call(op, index, &body.to_string(), &now).await.expect("call");
    serde_json::from_str(&out).unwrap()
}

#[wasm_bindgen_test]
async fn database_over_indexeddb() {
    let name = fresh_name("db");
    let db = Database::open(open(&name).await, Options::default()).await.unwrap();
    db.create_index(&json!({"name": "m", "dimension": 4, "metric": "cosine",
        "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}}))
        .await
        .unwrap();
    // 100 concurrent upserts to one namespace: each needs its own segment
    // number although they are all in flight at once.
    let bodies: Vec<String> = (0..100)
        .map(|i| json!({"namespace": "t", "vectors": [{"id": format!("r{i}"), "values": [1, 2, 3, i + 1]}]}).to_string())
        .collect();
    let futs: Vec<_> = bodies.iter().map(|b| db.call(DataOp::Upsert, "m", b, &now)).collect();
    for r in futures::future::join_all(futs).await {
        r.unwrap();
    }
    let tx = db.storage().stats().transactions;
    assert!(tx <= 5, "100 concurrent upserts took {tx} transactions");
    for t in 0..5 {
        call(&db, DataOp::Upsert, "m", json!({"namespace": format!("o{t}"), "vectors": [{"id": "a", "values": [1, 1, 1, 1]}]})).await;
    }
    db.storage().close();
    drop(db);

    let db = Database::open(open(&name).await, Options::default()).await.unwrap();
    // Counts come from manifests, nothing loaded.
    let stats = call(&db, DataOp::DescribeIndexStats, "m", json!({})).await;
    assert_eq!(stats["namespaces"]["t"]["vectorCount"], 100);
    assert_eq!(stats["totalVectorCount"], 105);
    assert!(db.engine().needs_load("m", "t"));
    let ids: Vec<String> = (0..100).map(|i| format!("r{i}")).collect();
    let f = call(&db, DataOp::Fetch, "m", json!({"namespace": "t", "ids": ids})).await;
    assert_eq!(f["vectors"].as_object().unwrap().len(), 100, "lost concurrent upserts");
    assert_eq!(f["vectors"]["r41"]["values"], json!([1.0, 2.0, 3.0, 42.0]));

    // Offboarding removes every key of the tenant, then of the index.
    call(&db, DataOp::Delete, "m", json!({"namespace": "t", "deleteAll": true})).await;
    let left = db.storage().scan(&[]).await.unwrap();
    assert!(left.iter().all(|(k, _)| !k.contains(&conifer::store::Part::Str("t".into()))), "{left:?}");
    db.delete_index("m").await.unwrap();
    assert!(db.storage().scan(&[]).await.unwrap().is_empty());
    db.storage().close();
    delete_database(&name).await.unwrap();
}

/// An s1 (int8) namespace over IndexedDB keeps its f32 values there only:
/// queries rescore, and fetches return, values read back with one
/// `get_many` per round; concurrent queries and writes, and a reopen, give
/// the stored values exactly.
#[wasm_bindgen_test]
async fn s1_values_read_back_from_indexeddb() {
    let name = fresh_name("s1");
    let db = Database::open(open(&name).await, Options { resident_below: 200, ..Options::default() }).await.unwrap();
    db.create_index(&json!({"name": "s", "dimension": 8, "metric": "euclidean",
        "spec": {"pod": {"environment": "e", "pod_type": "s1.x1"}}}))
        .await
        .unwrap();
    // Distinct, and exact in binary (so JSON prints them alike). Spread
    // over the whole range from the first batch on (37 is prime to 300):
    // growing values would drift from the quantiser's ranges and unload the
    // namespace for retraining (tested natively in `tests/it/offload.rs`).
    let v = |i: usize| -> Vec<f32> {
        (0..8).map(|d| ((i * 37) % 300) as f32 + ((i * 7 + d * 13) % 8) as f32 / 4.0).collect()
    };
    for b in 0..3 {
        let recs: Vec<Json> = (b * 100..b * 100 + 100).map(|i| json!({"id": format!("r{i}"), "values": v(i)})).collect();
        call(&db, DataOp::Upsert, "s", json!({"namespace": "t", "vectors": recs})).await;
    }
    let released = |db: &Database<IdbStorage>| match &db.engine().indexes["s"].namespaces["t"].entry {
        conifer::engine::NsEntry::Loaded(n) => !n.is_resident(),
        _ => false,
    };
    assert!(released(&db), "300 records over a threshold of 200: values in IndexedDB only");
    // Queries and an update in flight together.
    let q = |i: usize| json!({"namespace": "t", "topK": 1, "vector": v(i), "includeValues": true}).to_string();
    let bodies: Vec<String> = (0..20).map(|i| q(i * 11)).collect();
    let upd = json!({"namespace": "t", "id": "r5", "setMetadata": {"k": 1}}).to_string();
    let mut futs: Vec<_> = bodies.iter().map(|b| db.call(DataOp::Query, "s", b, &now)).collect();
    futs.push(db.call(DataOp::Update, "s", &upd, &now));
    for (i, r) in futures::future::join_all(futs).await.into_iter().enumerate() {
        let out: Json = serde_json::from_str(&r.unwrap()).unwrap();
        if i < 20 {
            assert_eq!(out["matches"][0]["id"], format!("r{}", i * 11));
            assert_eq!(out["matches"][0]["values"], json!(v(i * 11)));
        }
    }
    db.storage().close();
    drop(db);
    let db = Database::open(open(&name).await, Options { resident_below: 200, ..Options::default() }).await.unwrap();
    let f = call(&db, DataOp::Fetch, "s", json!({"namespace": "t", "ids": ["r5", "r299"]})).await;
    assert_eq!(f["vectors"]["r5"]["values"], json!(v(5)));
    assert_eq!(f["vectors"]["r5"]["metadata"]["k"], 1);
    assert_eq!(f["vectors"]["r299"]["values"], json!(v(299)));
    assert!(released(&db));
    db.delete_index("s").await.unwrap();
    assert!(db.storage().scan(&[]).await.unwrap().is_empty(), "no values left behind");
    db.storage().close();
    delete_database(&name).await.unwrap();
}
