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

/// A query vector passed beside the body (the JS package's path) answers
/// exactly as the same vector inside the JSON body; mixing both, or passing
/// a vector to another operation, is refused.
#[test]
fn query_vector_beside_the_body() {
    use super::{clock, seed, Db};
    use conifer::db::DataOp;
    use conifer::store::memory::MemoryStorage;
    use serde_json::json;
    let db = Db::open(MemoryStorage::new());
    seed(&db, "cosine");
    let v: Vec<f64> = vec![0.1, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.812345678901];
    let in_body = db
        .query("multitenant-app", json!({"topK": 3, "vector": v, "namespace": "tenant1", "includeValues": true}))
        .unwrap();
    let beside = pollster::block_on(db.0.call_with_vector(
        DataOp::Query,
        "multitenant-app",
        &json!({"topK": 3, "namespace": "tenant1", "includeValues": true}).to_string(),
        Some(&v),
        &clock,
    ))
    .unwrap();
    assert_eq!(serde_json::from_str::<serde_json::Value>(&beside).unwrap(), in_body);
    let both = pollster::block_on(db.0.call_with_vector(
        DataOp::Query,
        "multitenant-app",
        &json!({"topK": 3, "vector": v, "namespace": "tenant1"}).to_string(),
        Some(&v),
        &clock,
    ));
    assert!(both.unwrap_err().to_string().contains("both in the body and separately"));
    let wrong_op =
        pollster::block_on(db.0.call_with_vector(DataOp::Fetch, "multitenant-app", r#"{"ids":["A"]}"#, Some(&v), &clock));
    assert!(matches!(wrong_op, Err(conifer::Error::Argument(_))));
    // Validation is the same: a wrong dimension is Pinecone's error.
    let short = pollster::block_on(db.0.call_with_vector(
        DataOp::Query,
        "multitenant-app",
        r#"{"topK":1,"namespace":"tenant1"}"#,
        Some(&[1.0, 2.0]),
        &clock,
    ));
    assert!(short.unwrap_err().to_string().contains("dimension"), "dimension error expected");
}
