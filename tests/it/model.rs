//! Model-based test: random sequences of upsert / update / delete /
//! deleteAll / query / fetch against a naive model (a BTreeMap and a brute
//! force scan), asserting equal results. Runs through the flat scan and
//! through the HNSW graph (with ef large enough to be exhaustive).

use std::collections::BTreeMap;

use conifer::db::DataOp::*;
use conifer::store::memory::MemoryStorage;
use serde_json::{json, Value as Json};

use super::*;

/// splitmix64: a tiny deterministic PRNG (no dependency).
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rec {
    pub values: Vec<f32>,
    pub meta: Option<BTreeMap<String, Json>>,
}

pub type Model = BTreeMap<String, BTreeMap<String, Rec>>;

const DIM: usize = 4;

thread_local! {
    /// Small integers (many exact ties) for the flat scan; continuous values
    /// for graph runs, where exact duplicates would make a correct but
    /// approximate graph legitimately miss tied neighbours.
    static CONTINUOUS: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn rand_vec(r: &mut Rng) -> Vec<f32> {
    loop {
        let v: Vec<f32> = if CONTINUOUS.with(|c| c.get()) {
            (0..DIM).map(|_| (r.below(1_000_000) as f32 / 125_000.0) - 4.0).collect()
        } else {
            (0..DIM).map(|_| r.below(9) as f32 - 4.0).collect()
        };
        if v.iter().any(|x| *x != 0.0) {
            return v;
        }
    }
}

fn sim(metric: &str, q: &[f32], v: &[f32]) -> f32 {
    let dot: f32 = q.iter().zip(v).map(|(a, b)| a * b).sum();
    match metric {
        "dotproduct" => dot,
        "euclidean" => -q.iter().zip(v).map(|(a, b)| (a - b) * (a - b)).sum::<f32>(),
        _ => {
            let nq = q.iter().map(|x| x * x).sum::<f32>().sqrt();
            let nv = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            dot / (nq * nv)
        }
    }
}

/// Applies one random operation to both the database and the model; returns
/// false when the operation's write failed (then the model is unchanged).
pub fn step<S: conifer::store::Storage>(db: &Db<S>, model: &mut Model, r: &mut Rng, metric: &str, check: bool) -> bool {
    let ns = format!("t{}", r.below(3));
    let id = |r: &mut Rng| format!("id{}", r.below(40));
    match r.below(10) {
        0..=3 => {
            let n = 1 + r.below(8) as usize;
            let mut batch = Vec::new();
            let mut recs = Vec::new();
            for _ in 0..n {
                let i = id(r);
                let v = rand_vec(r);
                let meta = if r.below(2) == 0 {
                    Some(BTreeMap::from([("g".to_string(), json!(r.below(3) as i64))]))
                } else {
                    None
                };
                batch.push(json!({"id": i, "values": v, "metadata": meta}));
                recs.push((i, Rec { values: v, meta }));
            }
            if db.upsert("m", &ns, json!(batch)).is_err() {
                return false;
            }
            let m = model.entry(ns).or_default();
            for (i, rec) in recs {
                m.insert(i, rec);
            }
        }
        4 => {
            let i = id(r);
            let set = json!({"h": r.below(5) as i64});
            if db.call(Update, "m", json!({"id": i, "setMetadata": set, "namespace": ns})).is_err() {
                return false;
            }
            if let Some(rec) = model.get_mut(&ns).and_then(|m| m.get_mut(&i)) {
                rec.meta.get_or_insert_with(BTreeMap::new).insert("h".into(), set["h"].clone());
            }
        }
        5 => {
            let ids: Vec<String> = (0..3).map(|_| id(r)).collect();
            let res = db.call(Delete, "m", json!({"ids": ids, "namespace": ns}));
            match (res, model.contains_key(&ns)) {
                (Ok(_), true) => {
                    let m = model.get_mut(&ns).unwrap();
                    for i in &ids {
                        m.remove(i);
                    }
                }
                (Err(e), false) => assert_eq!(e.presentation().http_status, 404),
                (Ok(_), false) => panic!("delete in a missing namespace succeeded"),
                (Err(_), true) => return false,
            }
        }
        6 => {
            if r.below(4) == 0 && model.contains_key(&ns) {
                if db.call(Delete, "m", json!({"deleteAll": true, "namespace": ns})).is_err() {
                    return false;
                }
                model.remove(&ns);
            }
        }
        _ => {
            if check {
                check_query(db, model, r, metric, &ns);
            }
        }
    }
    true
}

pub fn check_query<S: conifer::store::Storage>(db: &Db<S>, model: &Model, r: &mut Rng, metric: &str, ns: &str) {
    let q = rand_vec(r);
    let k = 1 + r.below(12) as usize;
    let g = r.below(3) as i64;
    let use_filter = r.below(2) == 0;
    let mut body = json!({"topK": k, "vector": q, "namespace": ns, "includeMetadata": true});
    if use_filter {
        body["filter"] = json!({"g": g});
    }
    let res = db.query("m", body).unwrap();
    let empty = BTreeMap::new();
    let recs = model.get(ns).unwrap_or(&empty);
    let mut want: Vec<f32> = recs
        .values()
        .filter(|rec| !use_filter || rec.meta.as_ref().and_then(|m| m.get("g")) == Some(&json!(g)))
        .map(|rec| sim(metric, &q, &rec.values))
        .collect();
    want.sort_by(|a, b| b.total_cmp(a));
    want.truncate(k);
    let got = res["matches"].as_array().unwrap();
    assert_eq!(got.len(), want.len(), "result count for {ns} k={k} filter={use_filter}");
    for (m, w) in got.iter().zip(&want) {
        let id = m["id"].as_str().unwrap();
        let rec = &recs[id];
        let s = sim(metric, &q, &rec.values);
        let reported = m["score"].as_f64().unwrap() as f32;
        let reported_sim = if metric == "euclidean" { -reported } else { reported };
        assert!((reported_sim - s).abs() <= 1e-4, "score of {id}: {reported_sim} vs {s}");
        assert!((s - w).abs() <= 1e-4, "rank order: {s} vs {w}");
        let md = m.get("metadata").cloned().unwrap_or(Json::Null);
        let want_md = rec.meta.as_ref().map(|m| json!(m)).unwrap_or(Json::Null);
        assert_eq!(md, want_md, "metadata of {id}");
    }
}

pub fn check_all<S: conifer::store::Storage>(db: &Db<S>, model: &Model) {
    let stats = db.call(DescribeIndexStats, "m", json!({})).unwrap();
    let total: usize = model.values().map(|m| m.len()).sum();
    assert_eq!(stats["totalVectorCount"], json!(total));
    for ns in ["t0", "t1", "t2"] {
        let ids: Vec<String> = (0..40).map(|i| format!("id{i}")).collect();
        let f = db.call(Fetch, "m", json!({"ids": ids, "namespace": ns})).unwrap();
        let got = f["vectors"].as_object().unwrap();
        let empty = BTreeMap::new();
        let want = model.get(ns).unwrap_or(&empty);
        assert_eq!(got.len(), want.len(), "record count of {ns}");
        for (id, rec) in want {
            let g = &got[id];
            let vals: Vec<f32> = g["values"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
            assert_eq!(vals, rec.values, "{ns}/{id}");
            let md = g.get("metadata").cloned().unwrap_or(Json::Null);
            assert_eq!(md, rec.meta.as_ref().map(|m| json!(m)).unwrap_or(Json::Null), "{ns}/{id}");
        }
    }
}

fn run(metric: &str, index_type: &str, seed: u64, steps: usize) {
    run_with(metric, json!({"index_type": index_type, "ef_search": 400}), seed, steps)
}

fn run_with(metric: &str, conifer: serde_json::Value, seed: u64, steps: usize) {
    run_with_options(metric, conifer, seed, steps, conifer::db::Options::default())
}

fn run_with_options(metric: &str, conifer: serde_json::Value, seed: u64, steps: usize, options: conifer::db::Options) {
    CONTINUOUS.with(|c| c.set(conifer["index_type"] == "hnsw"));
    let int8 = conifer["quantization"] == "int8";
    let db = Db::open_with(MemoryStorage::new(), options.clone()).unwrap();
    let mut body = serverless("m", DIM as u32, metric);
    body["conifer"] = conifer;
    db.create(body).unwrap();
    let mut model = Model::new();
    let mut r = Rng(seed);
    let released = |db: &Db<MemoryStorage>| {
        db.0.engine().indexes["m"].namespaces.values().any(|st| {
            matches!(&st.entry, conifer::engine::NsEntry::Loaded(n) if !n.is_resident())
        })
    };
    let mut steps_released = 0;
    for _ in 0..steps {
        assert!(step(&db, &mut model, &mut r, metric, true));
        steps_released += released(&db) as usize;
    }
    check_all(&db, &model);
    if int8 && options.resident_below < 40 {
        assert!(steps_released > steps / 2, "only {steps_released} of {steps} steps ran on released namespaces");
    }
}

#[test]
fn model_flat_all_metrics() {
    for (i, metric) in ["cosine", "euclidean", "dotproduct"].iter().enumerate() {
        run(metric, "flat", 1 + i as u64, 1500);
    }
}

/// Through the graph with ef larger than any namespace here, so the search
/// is exhaustive (the graph keeps every node reachable, see `Hnsw`) and must
/// equal the model exactly, for every metric.
#[test]
fn model_through_the_graph() {
    for (i, metric) in ["cosine", "euclidean", "dotproduct"].iter().enumerate() {
        run(metric, "hnsw", 100 + i as u64, 1500);
    }
}

/// The int8 graph (pod type s1's configuration) rescored with float32 must
/// give the exact answers when the search is exhaustive.
#[test]
fn model_through_the_int8_graph() {
    for (i, metric) in ["cosine", "euclidean"].iter().enumerate() {
        run_with(metric, json!({"index_type": "hnsw", "ef_search": 400, "quantization": "int8"}), 200 + i as u64, 1500);
    }
}

/// The same with the f32 values in storage only (released from 8 records
/// on, so namespaces here are released, retrained through reloads as they
/// double, and read every value back): answers must still be exact.
#[test]
fn model_through_the_int8_graph_with_values_in_storage() {
    let options = conifer::db::Options { resident_below: 8, ..conifer::db::Options::default() };
    for (i, metric) in ["cosine", "euclidean", "dotproduct"].iter().enumerate() {
        let conifer = json!({"index_type": "hnsw", "ef_search": 400, "quantization": "int8"});
        run_with_options(metric, conifer, 300 + i as u64, 1500, options.clone());
    }
    let flat = json!({"index_type": "flat", "ef_search": 400, "quantization": "int8"});
    run_with_options("cosine", flat, 310, 1500, options);
}
