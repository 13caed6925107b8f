//! The test vectors of pinecone-api.md §8 that apply in process, and the
//! bad inputs of the core issue, through `Database::call`.

use conifer::db::DataOp::*;
use conifer::store::memory::MemoryStorage;
use conifer::Error;
use serde_json::json;

use super::*;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn v1_v2_seed_cosine_and_isolation() {
    let db = Db::open(MemoryStorage::new());
    seed(&db, "cosine");
    let q = json!({"topK": 3, "vector": vec![0.7; 8], "includeValues": true, "namespace": "tenant2"});
    let r = db.query("multitenant-app", q).unwrap();
    assert_eq!(r["namespace"], "tenant2");
    assert_eq!(ids(&r).len(), 3);
    for m in r["matches"].as_array().unwrap() {
        assert!(["E", "F", "G", "H"].contains(&m["id"].as_str().unwrap()));
        assert!(close(m["score"].as_f64().unwrap(), 1.0, 1e-6));
        assert_eq!(m["values"].as_array().unwrap().len(), 8);
    }
    let r1 = db.query("multitenant-app", json!({"topK": 3, "vector": vec![0.7; 8], "namespace": "tenant1"})).unwrap();
    assert!(ids(&r1).iter().all(|i| ["A", "B", "C", "D"].contains(&i.as_str())));
    let r3 = db.query("multitenant-app", json!({"topK": 3, "vector": vec![0.7; 8], "namespace": "tenant3"})).unwrap();
    assert_eq!(r3["matches"], json!([]));
}

#[test]
fn v3_euclidean_is_squared_and_ascending() {
    let db = Db::open(MemoryStorage::new());
    seed(&db, "euclidean");
    let r = db.query("multitenant-app", json!({"topK": 3, "vector": vec![0.7; 8], "namespace": "tenant2"})).unwrap();
    let (i, s) = (ids(&r), scores(&r));
    assert_eq!(i[0], "G");
    assert!(close(s[0], 0.0, 1e-6));
    let mut rest = i[1..].to_vec();
    rest.sort();
    assert_eq!(rest, vec!["F", "H"]);
    assert!(close(s[1], 0.08, 1e-5) && close(s[2], 0.08, 1e-5), "{s:?}");
}

#[test]
fn v4_dotproduct_order() {
    let db = Db::open(MemoryStorage::new());
    seed(&db, "dotproduct");
    let r = db.query("multitenant-app", json!({"topK": 3, "vector": vec![0.7; 8], "namespace": "tenant2"})).unwrap();
    assert_eq!(ids(&r), vec!["H", "G", "F"]);
    let s = scores(&r);
    for (got, want) in s.iter().zip([4.48, 3.92, 3.36]) {
        assert!(close(*got, want, 1e-5), "{s:?}");
    }
}

#[test]
fn v5_cosine_signs_v6_topk_over_count() {
    let db = Db::open(MemoryStorage::new());
    db.create(serverless("signs", 2, "cosine")).unwrap();
    db.upsert(
        "signs",
        "",
        json!([{"id":"a","values":[1,0]},{"id":"b","values":[0,1]},{"id":"c","values":[-1,0]},{"id":"d","values":[1,1]}]),
    )
    .unwrap();
    let r = db.query("signs", json!({"topK": 10, "vector": [1, 0]})).unwrap();
    assert_eq!(ids(&r), vec!["a", "d", "b", "c"]);
    for (got, want) in scores(&r).iter().zip([1.0, 0.70710677, 0.0, -1.0]) {
        assert!(close(*got, want, 1e-6));
    }
}

#[test]
fn v7_query_by_id_v8_no_values_by_default() {
    let db = Db::open(MemoryStorage::new());
    seed(&db, "cosine");
    let r = db.query("multitenant-app", json!({"topK": 1, "id": "G", "namespace": "tenant2"})).unwrap();
    assert_eq!(ids(&r).len(), 1);
    assert!(close(scores(&r)[0], 1.0, 1e-6));
    assert_eq!(r["matches"][0]["values"], json!([]));
    assert!(r["matches"][0].get("metadata").is_none());
    let r = db.query("multitenant-app", json!({"topK": 2, "id": "nope", "namespace": "tenant2"})).unwrap();
    assert_eq!(r["matches"], json!([]));
}

#[test]
fn v9_upsert_overwrites_v10_update_merges_v11_fetch_missing() {
    let db = Db::open(MemoryStorage::new());
    db.create(serverless("x", 2, "cosine")).unwrap();
    db.upsert("x", "n", json!([{"id":"X","values":[1,2],"metadata":{"a":1}}])).unwrap();
    db.upsert("x", "n", json!([{"id":"X","values":[3,4]}])).unwrap();
    let f = db.call(Fetch, "x", json!({"ids": ["X", "nope"], "namespace": "n"})).unwrap();
    assert_eq!(f["vectors"]["X"]["values"], json!([3.0, 4.0]));
    assert!(f["vectors"]["X"].get("metadata").is_none());
    assert!(f["vectors"].get("nope").is_none());
    assert_eq!(f["namespace"], "n");

    db.upsert("x", "n", json!([{"id":"X","values":[1,2],"metadata":{"genre":"drama","year":2020}}])).unwrap();
    db.call(Update, "x", json!({"id": "X", "setMetadata": {"year": 2021, "rating": 5}, "namespace": "n"})).unwrap();
    let f = db.call(Fetch, "x", json!({"ids": ["X"], "namespace": "n"})).unwrap();
    assert_eq!(f["vectors"]["X"]["metadata"], json!({"genre": "drama", "year": 2021, "rating": 5}));
    assert_eq!(f["vectors"]["X"]["values"], json!([1.0, 2.0]));
    db.call(Update, "x", json!({"id": "missing", "setMetadata": {"a": 1}, "namespace": "n"})).unwrap();
    let f = db.call(Fetch, "x", json!({"ids": ["missing"], "namespace": "n"})).unwrap();
    assert_eq!(f["vectors"], json!({}));
    // Update by filter changes metadata of every match; dryRun only counts.
    let r = db.call(Update, "x", json!({"filter": {"genre": "drama"}, "setMetadata": {"seen": true}, "dryRun": true, "namespace": "n"})).unwrap();
    assert_eq!(r["matchedRecords"], 1);
    let f = db.call(Fetch, "x", json!({"ids": ["X"], "namespace": "n"})).unwrap();
    assert!(f["vectors"]["X"]["metadata"].get("seen").is_none());
    db.call(Update, "x", json!({"filter": {"genre": "drama"}, "setMetadata": {"seen": true}, "namespace": "n"})).unwrap();
    let f = db.call(Fetch, "x", json!({"ids": ["X"], "namespace": "n"})).unwrap();
    assert_eq!(f["vectors"]["X"]["metadata"]["seen"], true);
}

#[test]
fn v12_to_v14_dimension_and_zero_errors() {
    let db = Db::open(MemoryStorage::new());
    seed(&db, "cosine");
    let e = db.upsert("multitenant-app", "tenant1", json!([{"id":"x","values":[1,2,3]}])).unwrap_err();
    assert_eq!(e.to_string(), "Vector dimension 3 does not match the dimension of the index 8");
    assert_eq!(e.presentation().http_status, 400);
    let e = db.query("multitenant-app", json!({"topK": 1, "vector": [1, 2, 3]})).unwrap_err();
    assert_eq!(e.to_string(), "Query vector dimension 3 does not match the dimension of the index 8");
    let e = db.upsert("multitenant-app", "tenant1", json!([{"id":"z","values":vec![0; 8]}])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Dense vectors must contain at least one non-zero value. Vector ID 'z' contains only zeros"
    );
}

fn genre_fixture() -> Db<MemoryStorage> {
    let db = Db::open(MemoryStorage::new());
    db.create(serverless("m", 2, "cosine")).unwrap();
    db.upsert(
        "m",
        "",
        json!([
            {"id":"R","values":[1,0],"metadata":{"genre":["comedy","documentary"],"year":2019}},
            {"id":"S","values":[1,1],"metadata":{"genre":"drama","year":2020}},
            {"id":"T","values":[0,1],"metadata":{"year":2021}},
        ]),
    )
    .unwrap();
    db
}

fn filtered(db: &Db<MemoryStorage>, f: serde_json::Value) -> Result<Vec<String>, Error> {
    let mut v = ids(&db.query("m", json!({"topK": 10, "vector": [1, 1], "filter": f}))?);
    v.sort();
    Ok(v)
}

#[test]
fn v15_to_v18_filters() {
    let db = genre_fixture();
    assert_eq!(filtered(&db, json!({"genre": "comedy"})).unwrap(), vec!["R"]);
    assert_eq!(filtered(&db, json!({"genre": {"$in": ["documentary", "action"]}})).unwrap(), vec!["R"]);
    assert_eq!(filtered(&db, json!({"$and": [{"genre": "comedy"}, {"genre": "documentary"}]})).unwrap(), vec!["R"]);
    assert!(filtered(&db, json!({"$and": [{"genre": "comedy"}, {"genre": "drama"}]})).unwrap().is_empty());
    assert!(matches!(filtered(&db, json!({"genre": ["comedy", "documentary"]})), Err(Error::InvalidArgument(_))));
    assert_eq!(filtered(&db, json!({"year": {"$gte": 2020}})).unwrap(), vec!["S", "T"]);
    assert_eq!(filtered(&db, json!({"year": {"$lt": 2020.5}})).unwrap(), vec!["R", "S"]);
    assert_eq!(filtered(&db, json!({"year": {"$in": [2019, 2021]}})).unwrap(), vec!["R", "T"]);
    // Missing fields: T has no genre.
    assert_eq!(filtered(&db, json!({"genre": {"$ne": "drama"}})).unwrap(), vec!["R"]);
    assert_eq!(filtered(&db, json!({"genre": {"$exists": true}})).unwrap(), vec!["R", "S"]);
    let many: Vec<i32> = (0..10_001).collect();
    assert!(filtered(&db, json!({"year": {"$in": many}})).is_err());
    assert!(filtered(&db, json!({})).is_err());
    assert!(filtered(&db, json!({"year": {"$regex": "x"}})).is_err());
}

#[test]
fn filtered_query_returns_top_k_when_enough_match() {
    // 2,000 records, a 1% filter: the answer must still hold topK records.
    let db = Db::open(MemoryStorage::new());
    db.create(serverless("f", 4, "cosine")).unwrap();
    let recs: Vec<serde_json::Value> = (0..2000)
        .map(|i| json!({"id": format!("r{i}"), "values": [1.0 + i as f32, 2.0, (i % 7) as f32, 1.0], "metadata": {"rare": i % 100 == 0}}))
        .collect();
    for chunk in recs.chunks(1000) {
        db.upsert("f", "", json!(chunk)).unwrap();
    }
    let r = db.query("f", json!({"topK": 15, "vector": [1, 1, 1, 1], "filter": {"rare": true}})).unwrap();
    assert_eq!(ids(&r).len(), 15);
}

#[test]
fn v19_v20_limits() {
    let db = Db::open(MemoryStorage::new());
    db.create(serverless("l", 2, "cosine")).unwrap();
    let big = "x".repeat(41_000);
    let e = db.upsert("l", "", json!([{"id":"a","values":[1,1],"metadata":{"t": big}}])).unwrap_err();
    assert!(e.to_string().contains("which exceeds the limit of 40960 bytes per vector"), "{e}");
    for md in [json!({"a": null}), json!({"a": {"b": 1}}), json!({"__proto__": 1}), json!({"constructor": "x"}), json!({"prototype": 1}), json!({"l": [1, 2]})] {
        assert!(db.upsert("l", "", json!([{"id":"a","values":[1,1],"metadata": md}])).is_err());
    }
    let recs: Vec<serde_json::Value> = (0..1001).map(|i| json!({"id": format!("{i}"), "values": [1, 1]})).collect();
    assert!(db.upsert("l", "", json!(recs)).is_err());
    let ids1001: Vec<String> = (0..1001).map(|i| format!("{i}")).collect();
    db.upsert("l", "", json!([{"id":"a","values":[1,1]}])).unwrap();
    assert!(db.call(Fetch, "l", json!({"ids": ids1001})).is_err());
    assert!(db.call(Delete, "l", json!({"ids": ids1001})).is_err());
    assert!(db.query("l", json!({"topK": 10_001, "vector": [1, 1]})).is_err());
    assert!(db.query("l", json!({"topK": 0, "vector": [1, 1]})).is_err());
    assert!(db.query("l", json!({"vector": [1, 1]})).is_err());
    assert!(db.upsert("l", "", json!([{"id": "i".repeat(513), "values":[1,1]}])).is_err());
    assert!(db.upsert("l", "", json!([{"id": "", "values":[1,1]}])).is_err());
    assert!(db.upsert("l", "", json!([{"id": "a", "values":["1", 1]}])).is_err());
    assert!(db.upsert("l", "", json!([{"values":[1, 1]}])).is_err());
    assert!(db.upsert("l", &"n".repeat(513), json!([{"id": "a", "values":[1, 1]}])).is_err());
    // More than 2 MB of record payload is refused (900 x 2.5 KB metadata).
    let huge: Vec<serde_json::Value> = (0..900).map(|i| json!({"id": format!("{i}"), "values": [1, 1], "metadata": {"t": "y".repeat(2500)}})).collect();
    let e = db.upsert("l", "", json!(huge)).unwrap_err();
    assert!(e.to_string().contains("2MB"), "{e}");
    // ...while 1,000 records of 384 float32 values (1.5 MB) are accepted
    // although their JSON text is larger than 2 MB.
    db.create(serverless("wide", 384, "cosine")).unwrap();
    let wide: Vec<serde_json::Value> = (0..1000).map(|i| json!({"id": format!("{i}"), "values": vec![0.123_456_79f32 + i as f32; 384]})).collect();
    let body = json!(wide);
    assert!(body.to_string().len() > 2 * 1024 * 1024);
    db.upsert("wide", "", body).unwrap();
    // Deep filters are rejected, not overflowing the stack.
    let mut f = json!({"a": 1});
    for _ in 0..40 {
        f = json!({"$and": [f]});
    }
    assert!(db.query("l", json!({"topK": 1, "vector": [1, 1], "filter": f})).is_err());
    // After all of that the index still works and kept its data.
    let r = db.call(Fetch, "l", json!({"ids": ["a"]})).unwrap();
    assert_eq!(r["vectors"]["a"]["values"], json!([1.0, 1.0]));
}

#[test]
fn v21_delete_paths() {
    let db = genre_fixture();
    db.call(Delete, "m", json!({"filter": {"genre": "drama"}})).unwrap();
    let f = db.call(Fetch, "m", json!({"ids": ["S", "R"]})).unwrap();
    assert!(f["vectors"].get("S").is_none() && f["vectors"].get("R").is_some());
    db.call(Delete, "m", json!({"ids": ["nope"]})).unwrap();
    db.call(Delete, "m", json!({"deleteAll": true})).unwrap();
    let s = db.call(DescribeIndexStats, "m", json!({})).unwrap();
    assert_eq!(s["totalVectorCount"], 0);
    assert!(s["namespaces"].get("").is_none());
    // Deleting in a namespace that does not exist is a 404, as on serverless.
    let e = db.call(Delete, "m", json!({"ids": ["a"], "namespace": "ghost"})).unwrap_err();
    assert_eq!(e.presentation().http_status, 404);
    assert!(db.call(Delete, "m", json!({"ids": ["a"], "deleteAll": true})).is_err());
}

#[test]
fn v22_list_pagination() {
    let db = Db::open(MemoryStorage::new());
    db.create(serverless("l", 2, "cosine")).unwrap();
    db.upsert(
        "l",
        "",
        json!([{"id":"doc1#1","values":[1,1]},{"id":"doc1#3","values":[1,1]},{"id":"doc1#2","values":[1,1]},{"id":"doc2#1","values":[1,1]}]),
    )
    .unwrap();
    let r = db.call(List, "l", json!({"prefix": "doc1#"})).unwrap();
    assert_eq!(r["vectors"], json!([{"id":"doc1#1"},{"id":"doc1#2"},{"id":"doc1#3"}]));
    assert!(r.get("pagination").is_none());
    let p1 = db.call(List, "l", json!({"prefix": "doc1#", "limit": 2})).unwrap();
    assert_eq!(p1["vectors"], json!([{"id":"doc1#1"},{"id":"doc1#2"}]));
    let next = p1["pagination"]["next"].as_str().unwrap();
    let p2 = db.call(List, "l", json!({"prefix": "doc1#", "limit": 2, "paginationToken": next})).unwrap();
    assert_eq!(p2["vectors"], json!([{"id":"doc1#3"}]));
    assert!(p2.get("pagination").is_none());
    assert!(db.call(List, "l", json!({"paginationToken": "zz"})).is_err());
    assert!(db.call(List, "l", json!({"limit": 0})).is_err());
}

#[test]
fn v23_v24_stats_and_default_namespace() {
    let db = Db::open(MemoryStorage::new());
    seed(&db, "cosine");
    let s = db.call(DescribeIndexStats, "multitenant-app", json!({})).unwrap();
    assert_eq!(s["namespaces"], json!({"tenant1": {"vectorCount": 4}, "tenant2": {"vectorCount": 4}}));
    assert_eq!((s["dimension"].clone(), s["indexFullness"].clone(), s["totalVectorCount"].clone()), (json!(8), json!(0.0), json!(8)));
    db.call(Upsert, "multitenant-app", json!({"vectors": [{"id": "d", "values": vec![1; 8]}]})).unwrap();
    for ns in ["", "__default__"] {
        let f = db.call(Fetch, "multitenant-app", json!({"ids": ["d"], "namespace": ns})).unwrap();
        assert!(f["vectors"].get("d").is_some(), "namespace {ns:?}");
    }
    let s = db.call(DescribeIndexStats, "multitenant-app", json!({})).unwrap();
    assert_eq!(s["namespaces"][""]["vectorCount"], 1);
    // Namespace operations.
    let l = db.call(ListNamespaces, "multitenant-app", json!({"limit": 2})).unwrap();
    assert_eq!(l["namespaces"].as_array().unwrap().len(), 2);
    assert_eq!(l["namespaces"][0]["name"], "__default__");
    assert_eq!(l["total_count"], 3);
    let tok = l["pagination"]["next"].as_str().unwrap();
    let l2 = db.call(ListNamespaces, "multitenant-app", json!({"limit": 2, "paginationToken": tok})).unwrap();
    assert_eq!(l2["namespaces"][0]["name"], "tenant2");
    assert!(l2.get("pagination").is_none());
    assert_eq!(db.0.describe_namespace("multitenant-app", "tenant1").unwrap()["record_count"], "4");
    pollster::block_on(db.0.delete_namespace("multitenant-app", "tenant1")).unwrap();
    assert!(db.0.describe_namespace("multitenant-app", "tenant1").is_err());
    assert!(pollster::block_on(db.0.delete_namespace("multitenant-app", "tenant1")).is_err());
    db.call(CreateNamespace, "multitenant-app", json!({"name": "fresh"})).unwrap();
    assert!(db.call(CreateNamespace, "multitenant-app", json!({"name": "fresh"})).is_err());
    assert_eq!(db.0.describe_namespace("multitenant-app", "fresh").unwrap()["record_count"], "0");
}

#[test]
fn v25_control_plane() {
    let db = Db::open(MemoryStorage::new());
    let mut body = serverless("prot", 4, "cosine");
    body["deletion_protection"] = json!("enabled");
    db.create(body.clone()).unwrap();
    let e = db.create(body).unwrap_err();
    assert_eq!(e.presentation().http_status, 409);
    let e = pollster::block_on(db.0.delete_index("prot")).unwrap_err();
    assert_eq!(e.presentation().http_status, 403);
    assert!(e.to_string().contains("Deletion protection is enabled for this index"));
    for name in ["My_Index", &"a".repeat(46)] {
        assert_eq!(db.create(serverless(name, 4, "cosine")).unwrap_err().presentation().http_status, 400);
    }
    let e = db.0.describe_index("unknown").unwrap_err();
    assert_eq!(e.to_string(), "Index unknown not found.");
    assert_eq!(e.presentation().http_status, 404);
    pollster::block_on(db.0.configure_index("prot", &json!({"deletion_protection": "disabled"}))).unwrap();
    pollster::block_on(db.0.delete_index("prot")).unwrap();
    assert!(db.0.list_indexes().is_empty());
}

#[test]
fn sparse_and_hybrid() {
    let db = Db::open(MemoryStorage::new());
    db.create(json!({"name": "sp", "vector_type": "sparse", "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}})).unwrap();
    db.upsert(
        "sp",
        "",
        json!([
            {"id": "a", "sparseValues": {"indices": [1, 5], "values": [1.0, 2.0]}},
            {"id": "b", "sparseValues": {"indices": [5, 9], "values": [3.0, 1.0]}},
        ]),
    )
    .unwrap();
    let r = db.query("sp", json!({"topK": 2, "sparseVector": {"indices": [5], "values": [1.0]}})).unwrap();
    assert_eq!(ids(&r), vec!["b", "a"]);
    assert_eq!(scores(&r), vec![3.0, 2.0]);
    assert!(db.upsert("sp", "", json!([{"id": "c", "values": [1.0]}])).is_err());
    let s = db.call(DescribeIndexStats, "sp", json!({})).unwrap();
    assert!(s.get("dimension").is_none());

    // Hybrid: dense + sparse on a dotproduct index.
    db.create(serverless("hy", 2, "dotproduct")).unwrap();
    db.upsert(
        "hy",
        "",
        json!([
            {"id": "x", "values": [1, 0], "sparseValues": {"indices": [3], "values": [10.0]}},
            {"id": "y", "values": [2, 0]},
        ]),
    )
    .unwrap();
    let r = db.query("hy", json!({"topK": 2, "vector": [1, 0], "sparseVector": {"indices": [3], "values": [1.0]}})).unwrap();
    assert_eq!(ids(&r), vec!["x", "y"]);
    assert_eq!(scores(&r), vec![11.0, 2.0]);
    // A sparse query on a cosine index is refused.
    db.create(serverless("co", 2, "cosine")).unwrap();
    db.upsert("co", "", json!([{"id": "x", "values": [1, 0]}])).unwrap();
    assert!(db.query("co", json!({"topK": 1, "vector": [1, 0], "sparseVector": {"indices": [3], "values": [1.0]}})).is_err());
}

#[test]
fn pod_capacity_and_selective_indexing() {
    let db = Db::open(MemoryStorage::new());
    db.create(json!({"name": "pod", "dimension": 2, "metric": "cosine",
        "spec": {"pod": {"environment": "us-east1-gcp", "pod_type": "p1.x1", "metadata_config": {"indexed": ["genre"]}}}}))
        .unwrap();
    db.upsert("pod", "", json!([{"id": "a", "values": [1, 0], "metadata": {"genre": "drama", "year": 2020}}])).unwrap();
    let r = db.query("pod", json!({"topK": 5, "vector": [1, 0], "filter": {"genre": "drama"}})).unwrap();
    assert_eq!(ids(&r), vec!["a"]);
    // `year` is not indexed: filters behave as though it does not exist.
    let r = db.query("pod", json!({"topK": 5, "vector": [1, 0], "filter": {"year": 2020}})).unwrap();
    assert!(ids(&r).is_empty());
    let r = db.query("pod", json!({"topK": 5, "vector": [1, 0], "filter": {"year": {"$exists": false}}})).unwrap();
    assert_eq!(ids(&r), vec!["a"]);
    let s = db.call(DescribeIndexStats, "pod", json!({})).unwrap();
    let full = s["indexFullness"].as_f64().unwrap();
    assert!(full > 0.0 && full < 1e-5, "{full}");
}
