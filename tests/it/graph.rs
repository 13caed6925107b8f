//! The graph inside namespaces: snapshot and reinstall without rebuilding,
//! and the completeness fallback.

use conifer::distance::Metric;
use conifer::index::hnsw::HnswParams;
use conifer::namespace::{IndexMode, Namespace, SearchRequest};
use conifer::record::Record;

use super::model::Rng;

fn rec(id: String, r: &mut Rng, dim: usize) -> Record {
    Record { id, values: (0..dim).map(|_| r.below(10_000) as f32 / 5_000.0 - 1.0).collect(), ..Record::default() }
}

fn search(ns: &Namespace, q: &[f32], k: usize) -> Vec<(String, f32)> {
    ns.search(&SearchRequest { vector: q, sparse: None, top_k: k, filter: None, visible: None, ef: None })
        .into_iter()
        .map(|h| (ns.record(h.slot).unwrap().id, h.score))
        .collect()
}

#[test]
fn graph_snapshot_reinstalls_without_rebuild() {
    let dim = 16;
    let mut r = Rng(5);
    let mut ns = Namespace::new(dim, Metric::Cosine, IndexMode::Hnsw, HnswParams::default());
    ns.upsert((0..600).map(|i| rec(format!("r{i}"), &mut r, dim)).collect());
    // Churn so live slots are not contiguous.
    let gone: Vec<String> = (0..600).step_by(7).map(|i| format!("r{i}")).collect();
    ns.delete(&gone);
    ns.upsert((600..650).map(|i| rec(format!("r{i}"), &mut r, dim)).collect());
    assert!(ns.has_graph());
    let bytes = ns.graph_snapshot().unwrap();

    let mut loaded = Namespace::new(dim, Metric::Cosine, IndexMode::Hnsw, HnswParams::default());
    loaded.begin_load();
    loaded.upsert(ns.records().collect());
    assert!(!loaded.has_graph(), "no graph is built while loading");
    assert!(loaded.install_graph(&bytes));
    loaded.finish_load();
    for _ in 0..20 {
        let q: Vec<f32> = (0..dim).map(|_| r.below(10_000) as f32 / 5_000.0 - 1.0).collect();
        assert_eq!(search(&ns, &q, 10), search(&loaded, &q, 10));
    }
    // The reinstalled graph keeps working under further writes.
    loaded.delete(&["r1".to_string(), "r2".to_string()]);
    loaded.upsert(vec![rec("new".into(), &mut r, dim)]);
    let q = loaded.get("new").unwrap().values;
    assert_eq!(search(&loaded, &q, 1)[0].0, "new");

    // A graph that does not match the records is refused.
    let mut other = Namespace::new(dim, Metric::Cosine, IndexMode::Hnsw, HnswParams::default());
    other.begin_load();
    other.upsert((0..10).map(|i| rec(format!("x{i}"), &mut r, dim)).collect());
    assert!(!other.install_graph(&bytes));
    assert!(!other.install_graph(b"garbage"));
    other.finish_load();
    assert!(other.has_graph(), "built instead");
}

#[test]
fn graph_results_come_back_full_under_dotproduct() {
    // Dotproduct graphs can leave nodes unreachable; the namespace must still
    // return topK whenever that many records exist or match.
    let dim = 4;
    let mut r = Rng(9);
    let mut ns = Namespace::new(dim, Metric::DotProduct, IndexMode::Hnsw, HnswParams::default());
    ns.upsert((0..2000).map(|i| rec(format!("r{i}"), &mut r, dim)).collect());
    for _ in 0..50 {
        let q: Vec<f32> = (0..dim).map(|_| r.below(10_000) as f32 / 5_000.0 - 1.0).collect();
        assert_eq!(search(&ns, &q, 2000).len(), 2000);
    }
}

/// `efSearch` per query: a wider candidate list finds what a flat scan
/// finds; a narrow one still returns topK; bad values are typed errors.
#[test]
fn ef_search_per_query() {
    use super::{ids, serverless, Db};
    use conifer::store::memory::MemoryStorage;
    use serde_json::json;
    let db = Db::open(MemoryStorage::new());
    let mut r = Rng(21);
    let dim = 12;
    let recs: Vec<_> = (0..800)
        .map(|i| json!({"id": format!("r{i}"), "values": (0..dim).map(|_| r.below(10_000) as f32 / 5_000.0 - 1.0).collect::<Vec<_>>()}))
        .collect();
    for (name, kind) in [("g", "hnsw"), ("f", "flat")] {
        let mut body = serverless(name, dim as u32, "euclidean");
        body["conifer"] = json!({"index_type": kind, "m": 4, "ef_construction": 8, "ef_search": 10});
        db.create(body).unwrap();
        db.upsert(name, "t", json!(recs)).unwrap();
    }
    let mut narrow_misses = 0;
    for _ in 0..30 {
        let v: Vec<f32> = (0..dim).map(|_| r.below(10_000) as f32 / 5_000.0 - 1.0).collect();
        let exact = ids(&db.query("f", json!({"topK": 10, "vector": v, "namespace": "t"})).unwrap());
        let wide = ids(&db.query("g", json!({"topK": 10, "vector": v, "namespace": "t", "efSearch": 800})).unwrap());
        assert_eq!(wide, exact, "efSearch = n searches the whole (connected) graph");
        let narrow = ids(&db.query("g", json!({"topK": 10, "vector": v, "namespace": "t", "efSearch": 1})).unwrap());
        assert_eq!(narrow.len(), 10, "the walk keeps at least topK candidates");
        narrow_misses += narrow.iter().filter(|i| !exact.contains(i)).count();
    }
    // The index was built sparse (M 4, efConstruction 8) so a topK-wide walk
    // misses some neighbours: the option really reaches the search.
    assert!(narrow_misses > 0, "efSearch 1 should be approximate on this graph");
    for bad in [json!(0), json!(-3), json!(1u64 << 21)] {
        let e = db.query("g", json!({"topK": 3, "vector": vec![0.0; dim], "namespace": "t", "efSearch": bad})).unwrap_err();
        assert!(e.to_string().contains("`efSearch` must be between 1 and"), "{e}");
    }
    let e = db.query("g", json!({"topK": 3, "vector": vec![0.0; dim], "namespace": "t", "efSearch": "wide"})).unwrap_err();
    assert!(matches!(e, conifer::Error::InvalidArgument(_)), "{e:?}");
}

/// Vectors passed beside the body (the JS package's path for queries and
/// upserts) give exactly what the same vectors inside the JSON body give;
/// giving one both ways, mismatched lengths, or vectors for another
/// operation are refused.
#[test]
fn vectors_beside_the_body() {
    use super::{clock, seed, Db};
    use conifer::db::{DataOp, SideVectors};
    use conifer::store::memory::MemoryStorage;
    use serde_json::json;
    let db = Db::open(MemoryStorage::new());
    seed(&db, "cosine");
    let run = |op: DataOp, body: serde_json::Value, values: &[f64], lens: &[u32]| {
        pollster::block_on(db.0.call_with_vectors(
            op,
            "multitenant-app",
            &body.to_string(),
            Some(SideVectors { values, lens }),
            &clock,
        ))
    };
    let v: Vec<f64> = vec![0.1, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.812345678901];
    let q = json!({"topK": 3, "namespace": "tenant1", "includeValues": true});
    let in_body = db.query("multitenant-app", json!({"topK": 3, "vector": v, "namespace": "tenant1", "includeValues": true})).unwrap();
    let beside = run(DataOp::Query, q.clone(), &v, &[8]).unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&beside).unwrap(), in_body);

    // Upsert: records 0 and 2 beside, record 1 in the body (values from
    // the side are narrowed to f32 exactly as JSON numbers are).
    let w: Vec<f64> = (0..16).map(|i| 0.1 + i as f64 / 7.0).collect();
    let body = json!({"namespace": "side", "vectors": [
        {"id": "a", "metadata": {"k": 1}},
        {"id": "b", "values": vec![0.5; 8]},
        {"id": "c"},
    ]});
    run(DataOp::Upsert, body, &w, &[8, SideVectors::NONE, 8]).unwrap();
    db.upsert("multitenant-app", "json", json!([{"id": "a", "values": &w[..8], "metadata": {"k": 1}}, {"id": "c", "values": &w[8..]}]))
        .unwrap();
    let fetch = |ns: &str| db.call(DataOp::Fetch, "multitenant-app", json!({"ids": ["a", "b", "c"], "namespace": ns})).unwrap();
    let (side, json_path) = (fetch("side"), fetch("json"));
    for id in ["a", "c"] {
        assert_eq!(side["vectors"][id]["values"], json_path["vectors"][id]["values"], "{id}");
    }
    assert_eq!(side["vectors"]["a"]["metadata"], json!({"k": 1}));
    assert_eq!(side["vectors"]["b"]["values"], json!(vec![0.5; 8]));

    // Refusals, each storing nothing.
    let both = run(DataOp::Query, json!({"topK": 1, "vector": v, "namespace": "tenant1"}), &v, &[8]);
    assert!(both.unwrap_err().to_string().contains("both in the body and separately"));
    let both = run(DataOp::Upsert, json!({"namespace": "x", "vectors": [{"id": "z", "values": v}]}), &v, &[8]);
    assert!(both.unwrap_err().to_string().contains("both in the body and separately"));
    let count = run(DataOp::Upsert, json!({"namespace": "x", "vectors": [{"id": "z"}]}), &w, &[8, 8]);
    assert!(matches!(count, Err(conifer::Error::Argument(_))));
    let sum = run(DataOp::Upsert, json!({"namespace": "x", "vectors": [{"id": "z"}]}), &w, &[8]);
    assert!(matches!(sum, Err(conifer::Error::Argument(_))), "8 declared, 16 passed");
    let wrong_op = run(DataOp::Fetch, json!({"ids": ["A"]}), &v, &[8]);
    assert!(matches!(wrong_op, Err(conifer::Error::Argument(_))));
    let short = run(DataOp::Upsert, json!({"namespace": "x", "vectors": [{"id": "z"}]}), &[1.0, 2.0], &[2]);
    assert!(short.unwrap_err().to_string().contains("dimension"), "Pinecone's dimension error");
    let stats = db.call(DataOp::DescribeIndexStats, "multitenant-app", json!({})).unwrap();
    assert!(stats["namespaces"].get("x").is_none(), "nothing stored by a refused upsert");
}
