//! int8 (s1) namespaces keep their f32 values in storage only: memory holds
//! the int8 codes, and every read of values (rescoring, fetch, includeValues,
//! query by id, updates, compaction, collections) goes back to storage.
//! Checked against a float32 index holding the same records.

use conifer::db::{DataOp::*, Options};
use conifer::engine::NsEntry;
use conifer::key;
use conifer::store::memory::MemoryStorage;
use conifer::store::{Ephemeral, Op, Storage};
use serde_json::{json, Value as Json};

use super::model::Rng;
use super::*;

const DIM: usize = 64;
const N: usize = 3_000;

fn pod(name: &str, pod_type: &str) -> Json {
    json!({"name": name, "dimension": DIM, "metric": "cosine",
           "spec": {"pod": {"environment": "e", "pod_type": pod_type}}})
}

/// Clustered vectors: 30 centres, each record a centre plus noise.
fn records(r: &mut Rng, from: usize, to: usize) -> Vec<Json> {
    let centre = |c: usize| -> Vec<f32> { (0..DIM).map(|d| (((c * 31 + d * 7) % 17) as f32 - 8.0) / 8.0).collect() };
    (from..to)
        .map(|i| {
            let c = centre(i % 30);
            let v: Vec<f32> = c.iter().map(|x| x + (r.below(1000) as f32 / 1000.0 - 0.5) * 0.6).collect();
            json!({"id": format!("r{i}"), "values": v, "metadata": {"g": format!("g{}", i % 10), "i": i}})
        })
        .collect()
}

fn upsert_all<S: Storage>(db: &Db<S>, index: &str, recs: &[Json]) {
    for chunk in recs.chunks(500) {
        db.upsert(index, "t", json!(chunk)).unwrap();
    }
}

fn resident<S: Storage>(db: &Db<S>, index: &str) -> Option<(bool, usize)> {
    match &db.0.engine().indexes[index].namespaces["t"].entry {
        NsEntry::Loaded(n) => Some((n.is_resident(), n.vector_heap_bytes())),
        NsEntry::Unloaded { .. } => None,
    }
}

fn vec_keys(store: &MemoryStorage, index: &str) -> usize {
    pollster::block_on(store.scan(&key!["vec", index])).unwrap().len()
}

/// A JSON array of numbers as the f32 values it denotes.
fn f32s(v: &Json) -> Vec<f32> {
    v.as_array().expect("values").iter().map(|x| x.as_f64().unwrap() as f32).collect()
}

fn query_vec(r: &mut Rng) -> Vec<f32> {
    (0..DIM).map(|_| r.below(1000) as f32 / 500.0 - 1.0).collect()
}

/// Fraction of `exact`'s ids that `got` has (recall@k).
fn recall(got: &Json, exact: &Json) -> f64 {
    let want = ids(exact);
    let have = ids(got);
    want.iter().filter(|id| have.contains(id)).count() as f64 / want.len().max(1) as f64
}

#[test]
fn s1_keeps_values_in_storage_and_answers_like_float32() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    db.create(pod("s", "s1.x1")).unwrap();
    // The float32 reference: the same records in a p1 index (memory only).
    let reference = Db::open(Ephemeral);
    let mut body = pod("p", "p1.x1");
    body["conifer"] = json!({"index_type": "flat"});
    reference.create(body).unwrap();
    let mut r = Rng(5);
    let recs = records(&mut r, 0, N);
    upsert_all(&db, "s", &recs);
    upsert_all(&reference, "p", &recs);

    // Memory: the f32 arena is released; the codes are ≥ 3.5× smaller.
    let (res, s1_bytes) = resident(&db, "s").unwrap();
    assert!(!res, "an s1 namespace of {N} records keeps its f32 values in storage only");
    let (_, f32_bytes) = resident(&reference, "p").unwrap();
    let ratio = f32_bytes as f64 / s1_bytes as f64;
    eprintln!("vector memory: p1 {f32_bytes} B, s1 {s1_bytes} B ({ratio:.2}x)");
    assert!(ratio >= 3.5, "vector memory p1 / s1 = {ratio:.2}");
    assert_eq!(vec_keys(&store, "s"), N);

    // Queries: recall@10 against the exact float32 answer, values exact.
    let mut total = 0.0;
    for i in 0..40 {
        let v = query_vec(&mut r);
        let filter = (i % 2 == 1).then(|| json!({"g": {"$in": ["g1", "g2"]}}));
        let mut q = json!({"topK": 10, "vector": v, "namespace": "t", "includeValues": true, "includeMetadata": true});
        if let Some(f) = &filter {
            q["filter"] = f.clone();
        }
        let got = db.query("s", q.clone()).unwrap();
        let want = reference.query("p", q).unwrap();
        assert_eq!(got["matches"].as_array().unwrap().len(), 10);
        total += recall(&got, &want);
        for m in got["matches"].as_array().unwrap() {
            let id = m["id"].as_str().unwrap();
            let k: usize = id[1..].parse().unwrap();
            assert_eq!(f32s(&m["values"]), f32s(&recs[k]["values"]), "includeValues returns the stored values of {id}");
            assert_eq!(m["metadata"], recs[k]["metadata"]);
            if filter.is_some() {
                assert!(["g1", "g2"].contains(&m["metadata"]["g"].as_str().unwrap()));
            }
        }
        // Rescored with f32: the scores are the exact ones of those records.
        for (a, b) in got["matches"].as_array().unwrap().iter().zip(want["matches"].as_array().unwrap()) {
            if a["id"] == b["id"] {
                assert_eq!(a["score"], b["score"]);
            }
        }
    }
    assert!(total / 40.0 >= 0.95, "recall@10 {:.3}", total / 40.0);

    // Fetch and query by id read values back from storage.
    let f = db.call(Fetch, "s", json!({"ids": ["r7", "r2999", "nope"], "namespace": "t"})).unwrap();
    assert_eq!(f32s(&f["vectors"]["r7"]["values"]), f32s(&recs[7]["values"]));
    assert_eq!(f32s(&f["vectors"]["r2999"]["values"]), f32s(&recs[2999]["values"]));
    assert!(f["vectors"].get("nope").is_none());
    let by_id = db.query("s", json!({"topK": 3, "id": "r42", "namespace": "t"})).unwrap();
    assert_eq!(by_id["matches"][0]["id"], "r42");
    let fm = db.call(FetchByMetadata, "s", json!({"filter": {"i": {"$lt": 3}}, "namespace": "t"})).unwrap();
    assert_eq!(f32s(&fm["vectors"]["r2"]["values"]), f32s(&recs[2]["values"]));

    // Metadata-only update keeps the values; a values update replaces them.
    db.call(Update, "s", json!({"id": "r7", "setMetadata": {"g": "moved"}, "namespace": "t"})).unwrap();
    let f = db.call(Fetch, "s", json!({"ids": ["r7"], "namespace": "t"})).unwrap();
    assert_eq!(f32s(&f["vectors"]["r7"]["values"]), f32s(&recs[7]["values"]));
    assert_eq!(f["vectors"]["r7"]["metadata"]["g"], "moved");
    let new_v = query_vec(&mut r);
    db.call(Update, "s", json!({"id": "r8", "values": new_v, "namespace": "t"})).unwrap();
    let top = db.query("s", json!({"topK": 1, "vector": new_v, "namespace": "t", "includeValues": true})).unwrap();
    assert_eq!(top["matches"][0]["id"], "r8");
    assert_eq!(f32s(&top["matches"][0]["values"]), new_v);
    let u = db.call(Update, "s", json!({"filter": {"g": "g3"}, "setMetadata": {"flag": true}, "namespace": "t"})).unwrap();
    assert_eq!(u["matchedRecords"], 300);
    let f = db.call(Fetch, "s", json!({"ids": ["r3"], "namespace": "t"})).unwrap();
    assert_eq!(f32s(&f["vectors"]["r3"]["values"]), f32s(&recs[3]["values"]));
    assert_eq!(f["vectors"]["r3"]["metadata"]["flag"], true);

    // Deletes remove the stored values with the record.
    db.call(Delete, "s", json!({"ids": ["r9"], "namespace": "t"})).unwrap();
    assert!(pollster::block_on(store.get(&key!["vec", "s", "t", "r9"])).unwrap().is_none());
    assert_eq!(vec_keys(&store, "s"), N - 1);

    // Compaction reads every value back; after a reopen the namespace is
    // released again and answers the same.
    let q = json!({"topK": 10, "vector": query_vec(&mut r), "namespace": "t", "includeValues": true});
    let before = db.query("s", q.clone()).unwrap();
    pollster::block_on(db.0.compact("s", "t")).unwrap();
    drop(db);
    let db = Db::open(store.clone());
    assert_eq!(db.query("s", q.clone()).unwrap()["matches"], before["matches"]);
    assert!(!resident(&db, "s").unwrap().0);
    let f = db.call(Fetch, "s", json!({"ids": ["r7", "r8"], "namespace": "t"})).unwrap();
    assert_eq!(f32s(&f["vectors"]["r7"]["values"]), f32s(&recs[7]["values"]));
    assert_eq!(f32s(&f["vectors"]["r8"]["values"]), new_v);

    // A collection of the s1 index carries the values; restored as p1 they
    // are in memory again and identical.
    pollster::block_on(db.0.create_collection(&json!({"name": "c", "source": "s"}))).unwrap();
    let mut restored = pod("back", "p1.x1");
    restored["spec"]["pod"]["source_collection"] = json!("c");
    db.create(restored).unwrap();
    let ids_all: Vec<String> = (0..N).step_by(7).map(|i| format!("r{i}")).collect();
    let a = db.call(Fetch, "s", json!({"ids": ids_all, "namespace": "t"})).unwrap();
    let b = db.call(Fetch, "back", json!({"ids": ids_all, "namespace": "t"})).unwrap();
    assert_eq!(a["vectors"], b["vectors"]);
    assert!(resident(&db, "back").unwrap().0);
    assert_eq!(vec_keys(&store, "back"), 0, "float32 indexes keep no separate values");

    // Offboarding leaves no values behind.
    db.call(Delete, "s", json!({"deleteAll": true, "namespace": "t"})).unwrap();
    assert_eq!(vec_keys(&store, "s"), 0);
}

/// The same records moved far outside the ranges the quantiser learnt.
fn drifted(recs: &[Json], by: f32) -> Vec<Json> {
    recs.iter()
        .map(|r| {
            let mut r = r.clone();
            let v: Vec<f32> = f32s(&r["values"]).iter().map(|x| x + by).collect();
            r["values"] = json!(v);
            r
        })
        .collect()
}

/// The quantiser is trained on every value when the arena is released.
/// Growth from the same distribution keeps it (no reload); data that
/// drifts far outside its ranges makes the next use reload the namespace
/// from storage, training on every value. Answers stay right throughout.
#[test]
fn growth_keeps_the_quantiser_drift_retrains_it_through_a_reload() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    db.create(pod("s", "s1.x1")).unwrap();
    let mut r = Rng(9);
    let recs = records(&mut r, 0, 3_000);
    upsert_all(&db, "s", &recs[..1_000]);
    assert_eq!(resident(&db, "s").map(|x| x.0), Some(false));
    upsert_all(&db, "s", &recs[1_000..]);
    assert_eq!(resident(&db, "s").map(|x| x.0), Some(false), "tripled from one distribution: no reload");
    let far = drifted(&records(&mut r, 3_000, 3_200), 4.0);
    db.upsert("s", "t", json!(far)).unwrap();
    assert!(resident(&db, "s").is_none(), "drifted: unloaded to retrain on reload");
    let q = json!({"topK": 1, "vector": far[7]["values"], "namespace": "t", "includeValues": true});
    let top = db.query("s", q).unwrap();
    assert_eq!(top["matches"][0]["id"], "r3007");
    assert_eq!(f32s(&top["matches"][0]["values"]), f32s(&far[7]["values"]));
    assert_eq!(resident(&db, "s").map(|x| x.0), Some(false));
    let stats = db.call(DescribeIndexStats, "s", json!({})).unwrap();
    assert_eq!(stats["namespaces"]["t"]["vectorCount"], 3_200);
}

#[test]
fn missing_stored_values_are_a_typed_error() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    db.create(pod("s", "s1.x1")).unwrap();
    let mut r = Rng(2);
    let recs = records(&mut r, 0, 1_200);
    upsert_all(&db, "s", &recs);
    pollster::block_on(store.commit(vec![Op::Delete(key!["vec", "s", "t", "r5"])])).unwrap();
    let e = db.call(Fetch, "s", json!({"ids": ["r5"], "namespace": "t"})).unwrap_err();
    assert!(matches!(e, Error::Corrupt(_)), "{e:?}");
    let e = db.query("s", json!({"topK": 1, "vector": recs[5]["values"], "namespace": "t"})).unwrap_err();
    assert!(matches!(e, Error::Corrupt(_)), "{e:?}");
    // A damaged value is a typed error too, never a panic.
    pollster::block_on(store.commit(vec![Op::Put(key!["vec", "s", "t", "r6"], vec![1, 2, 3])])).unwrap();
    let e = db.call(Fetch, "s", json!({"ids": ["r6"], "namespace": "t"})).unwrap_err();
    assert!(matches!(e, Error::Corrupt(_)), "{e:?}");
    // Other records are unaffected.
    let f = db.call(Fetch, "s", json!({"ids": ["r7"], "namespace": "t"})).unwrap();
    assert_eq!(f32s(&f["vectors"]["r7"]["values"]), f32s(&recs[7]["values"]));
}

/// A namespace written before values had keys of their own (its manifest
/// lacks `values`) gets them on its next load, then releases its arena.
#[test]
fn older_namespace_gets_value_keys_on_load() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    db.create(pod("s", "s1.x1")).unwrap();
    let mut r = Rng(4);
    let recs = records(&mut r, 0, 1_500);
    upsert_all(&db, "s", &recs);
    drop(db);
    // Make it look like an older database: no value keys, no flag.
    let mkey = key!["manifest", "s", "t"];
    let bytes = pollster::block_on(store.get(&mkey)).unwrap().unwrap();
    let mut m: Json = serde_json::from_slice(conifer::codec::decode_blob(*b"CNFM", &bytes).unwrap()).unwrap();
    assert_eq!(m["values"], true);
    m.as_object_mut().unwrap().remove("values");
    let old = conifer::codec::encode_blob(*b"CNFM", &serde_json::to_vec(&m).unwrap());
    pollster::block_on(store.commit(vec![Op::DeletePrefix(key!["vec", "s"]), Op::Put(mkey, old)])).unwrap();
    assert_eq!(vec_keys(&store, "s"), 0);
    let db = Db::open(store.clone());
    let f = db.call(Fetch, "s", json!({"ids": ["r11"], "namespace": "t"})).unwrap();
    assert_eq!(f32s(&f["vectors"]["r11"]["values"]), f32s(&recs[11]["values"]));
    assert_eq!(vec_keys(&store, "s"), 1_500);
    assert!(!resident(&db, "s").unwrap().0);
}

/// Memory-only databases have nowhere else to keep values: s1 stays
/// resident there, and the threshold is an option.
#[test]
fn memory_only_and_small_namespaces_stay_resident() {
    let db = Db::open(Ephemeral);
    db.create(pod("s", "s1.x1")).unwrap();
    let mut r = Rng(8);
    upsert_all(&db, "s", &records(&mut r, 0, 1_500));
    assert!(resident(&db, "s").unwrap().0);
    let store = MemoryStorage::new();
    let db = Db::open_with(store.clone(), Options { resident_below: 2_000, ..Options::default() }).unwrap();
    db.create(pod("s", "s1.x1")).unwrap();
    upsert_all(&db, "s", &records(&mut r, 0, 1_500));
    assert!(resident(&db, "s").unwrap().0);
    assert_eq!(vec_keys(&store, "s"), 1_500, "values are stored from the first write");
    upsert_all(&db, "s", &records(&mut r, 1_500, 2_000));
    assert!(!resident(&db, "s").unwrap().0);
}

/// A reload that installs a stored graph of fewer records and applies the
/// rest retrains on every value, so the next write does not find the
/// namespace drifted again (no reload on every write).
#[test]
fn reload_after_drift_retrains_once() {
    let store = MemoryStorage::new();
    let db = Db::open(store.clone());
    let mut body = pod("s", "s1.x1");
    body["conifer"] = json!({"index_type": "hnsw"});
    db.create(body).unwrap();
    let mut r = Rng(12);
    let recs = records(&mut r, 0, 1_000);
    upsert_all(&db, "s", &recs);
    pollster::block_on(db.0.compact("s", "t")).unwrap();
    assert!(pollster::block_on(store.get(&key!["graph", "s", "t"])).unwrap().is_some());
    let far = drifted(&records(&mut r, 1_000, 1_600), 4.0);
    upsert_all(&db, "s", &far[..500]);
    assert!(resident(&db, "s").is_none(), "drifted: unloaded");
    let q = json!({"topK": 1, "vector": far[100]["values"], "namespace": "t"});
    assert_eq!(db.query("s", q).unwrap()["matches"][0]["id"], "r1100");
    db.upsert("s", "t", json!(far[500..])).unwrap();
    assert_eq!(resident(&db, "s").map(|x| x.0), Some(false), "still loaded and released after the next write");
}

/// Another tab's s1 write (IndexedDB's change log cuts keys to `[kind,
/// index, ns]`, so it lists `["vec", index, ns]` beside the manifest)
/// unloads only the namespace it wrote: this tab keeps its other loaded
/// namespaces instead of re-reading the whole catalog.
#[test]
fn another_writers_s1_write_unloads_only_its_namespace() {
    let store = MemoryStorage::new();
    let opts = || Options { resident_below: 200, ..Options::default() };
    let a = Db::open_with(store.clone(), opts()).unwrap();
    a.create(pod("s", "s1.x1")).unwrap();
    let mut r = Rng(11);
    let recs = records(&mut r, 0, 300);
    upsert_all(&a, "s", &recs);
    a.upsert("s", "other", json!(recs[..5])).unwrap();

    let b = Db::open_with(store.clone(), opts()).unwrap();
    let q = json!({"namespace": "other", "topK": 1, "id": "r0"});
    assert_eq!(ids(&b.query("s", q.clone()).unwrap()), vec!["r0"]);
    let loaded = |db: &Db<MemoryStorage>, ns: &str| {
        matches!(db.0.engine().indexes["s"].namespaces[ns].entry, NsEntry::Loaded(_))
    };
    assert!(loaded(&b, "other"));
    let before = b.query("s", json!({"namespace": "t", "topK": 3, "id": "r7", "includeValues": true})).unwrap();
    assert_eq!(resident(&b, "s").map(|(res, _)| res), Some(false), "300 records over 200: released");

    // Tab a overwrites r7 and adds records; b learns of it from the log.
    let moved: Vec<f32> = (0..DIM).map(|d| if d == 0 { 1.0 } else { 0.0 }).collect();
    a.upsert("s", "t", json!([{"id": "r7", "values": moved}])).unwrap();
    a.upsert("s", "t", json!(records(&mut r, 300, 320))).unwrap();
    let touched = [key!["manifest", "s", "t"], key!["seg", "s", "t"], key!["vec", "s", "t"], key!["graph", "s", "t"]];
    pollster::block_on(b.0.apply_external_changes(Some(&touched))).unwrap();
    assert!(loaded(&b, "other"), "an s1 write elsewhere re-read the whole catalog");
    assert!(!loaded(&b, "t"), "the written namespace must be re-read");
    let stats = b.call(DescribeIndexStats, "s", json!({})).unwrap();
    assert_eq!(stats["namespaces"]["t"]["vectorCount"], 320);
    let f = b.call(Fetch, "s", json!({"namespace": "t", "ids": ["r7"]})).unwrap();
    assert_eq!(f32s(&f["vectors"]["r7"]["values"]), moved);
    assert_ne!(before["matches"][0]["values"], f["vectors"]["r7"]["values"]);
}
