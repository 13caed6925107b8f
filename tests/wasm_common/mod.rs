//! wasm-bindgen tests shared by the Node and headless-Chromium runs: the
//! binding layer (`conifer::wasm::Engine`) end to end with the SIMD128
//! kernels, bad inputs that must not trap, and the storage conformance suite.

use conifer::store::memory::MemoryStorage;
use conifer::wasm::Engine;
use js_sys::{Promise, Reflect};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

async fn ok(p: Promise) -> JsValue {
    JsFuture::from(p).await.expect("promise resolved")
}

async fn err(p: Promise) -> (String, String) {
    let e = JsFuture::from(p).await.expect_err("promise rejected");
    let name = Reflect::get(&e, &"name".into()).unwrap().as_string().unwrap();
    let msg = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap();
    (name, msg)
}

fn parse(v: JsValue) -> Value {
    serde_json::from_str(&v.as_string().expect("JSON string")).unwrap()
}

async fn engine() -> Engine {
    let e = ok(Engine::open("memory".into(), JsValue::UNDEFINED, 0.0, String::new(), None, None)).await;
    // `Engine` is returned as a JS object wrapping the Rust value.
    match wasm_bindgen::convert::TryFromJsValue::try_from_js_value(e) {
        Ok(engine) => engine,
        Err(_) => panic!("Engine::open did not resolve to an Engine"),
    }
}

async fn seeded(metric: &str) -> Engine {
    let e = engine().await;
    let body = json!({"name": "multitenant-app", "dimension": 8, "metric": metric,
                      "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}});
    ok(e.create_index(body.to_string(), "{name}.test".into())).await;
    for (ns, recs) in [("tenant1", [("A", 0.1), ("B", 0.2), ("C", 0.3), ("D", 0.4)]), ("tenant2", [("E", 0.5), ("F", 0.6), ("G", 0.7), ("H", 0.8)])] {
        let vectors: Vec<Value> = recs.iter().map(|(id, x)| json!({"id": id, "values": vec![*x; 8]})).collect();
        ok(e.call("upsert".into(), "multitenant-app".into(), json!({"vectors": vectors, "namespace": ns}).to_string())).await;
    }
    e
}

#[wasm_bindgen_test]
async fn seed_walkthrough_through_the_binding() {
    let e = seeded("dotproduct").await;
    let q = json!({"topK": 3, "vector": vec![0.7; 8], "namespace": "tenant2", "includeValues": true});
    let r = parse(ok(e.call("query".into(), "multitenant-app".into(), q.to_string())).await);
    let ids: Vec<&str> = r["matches"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["H", "G", "F"]);
    let s0 = r["matches"][0]["score"].as_f64().unwrap();
    assert!((s0 - 4.48).abs() < 1e-5, "{s0}");
    assert_eq!(r["matches"][0]["values"], json!(vec![0.8; 8]));
    let stats = parse(ok(e.call("describe_index_stats".into(), "multitenant-app".into(), "{}".into())).await);
    assert_eq!(stats["totalVectorCount"], 8);
    let d = parse(e.describe_index("multitenant-app", "{name}.test").unwrap());
    assert_eq!(d["host"], "multitenant-app.test");
}

#[wasm_bindgen_test]
async fn bad_input_never_traps_and_keeps_data() {
    let e = seeded("cosine").await;
    let idx = || "multitenant-app".to_string();
    let bad_calls = [
        ("upsert", "not json".to_string()),
        ("upsert", json!({"vectors": [{"id": "x", "values": [1, 2]}], "namespace": "tenant1"}).to_string()),
        ("upsert", json!({"vectors": [{"id": "x", "values": ["a"]}]}).to_string()),
        ("upsert", json!({"vectors": [{"id": "z", "values": vec![0; 8]}]}).to_string()),
        ("query", json!({"topK": 1_000_000_000u64, "vector": vec![1; 8]}).to_string()),
        ("query", json!({"topK": -1, "vector": vec![1; 8]}).to_string()),
        ("query", json!({"topK": 1, "vector": vec![1; 8], "filter": {"$nope": 1}}).to_string()),
        ("fetch", json!({"ids": []}).to_string()),
        ("list", json!({"paginationToken": "\u{0}\u{1}"}).to_string()),
        ("nonsense", "{}".to_string()),
    ];
    for (op, body) in bad_calls {
        let (name, msg) = err(e.call(op.into(), idx(), body.clone())).await;
        assert!(name.starts_with("Pinecone"), "{op} {body}: {name} {msg}");
    }
    let (name, _) = err(e.call("query".into(), "no-such-index".into(), "{}".into())).await;
    assert_eq!(name, "PineconeNotFoundError");
    let mut deep = json!({"a": 1});
    for _ in 0..200 {
        deep = json!({"$or": [deep]});
    }
    let (name, _) = err(e.call("query".into(), idx(), json!({"topK": 1, "vector": vec![1; 8], "filter": deep}).to_string())).await;
    assert_eq!(name, "PineconeBadRequestError");
    // Still alive, data intact.
    let r = parse(ok(e.call("fetch".into(), idx(), json!({"ids": ["A", "E"], "namespace": "tenant1"}).to_string())).await);
    assert_eq!(r["vectors"].as_object().unwrap().len(), 1);
    let stats = parse(ok(e.call("describe_index_stats".into(), idx(), "{}".into())).await);
    assert_eq!(stats["totalVectorCount"], 8);
}

#[wasm_bindgen_test]
async fn memory_storage_conformance_in_wasm() {
    conifer::store::conformance(&MemoryStorage::new()).await.unwrap();
}

#[wasm_bindgen_test]
async fn simd_kernels_agree_with_scalar_here() {
    // The distance module's own tests compare kernels in depth; this checks
    // the build under test really uses a kernel that matches the reference.
    let a: Vec<f32> = (0..384).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
    let b: Vec<f32> = (0..384).map(|i| ((i * 53 % 97) as f32 - 48.0) / 24.0).collect();
    let fast = conifer::distance::dot(&a, &b);
    let slow = conifer::distance::scalar::dot(&a, &b);
    let mag: f32 = a.iter().zip(&b).map(|(x, y)| (x * y).abs()).sum();
    assert!((fast - slow).abs() <= 1e-5 * mag, "{fast} vs {slow}");
    // The build under test must be the SIMD128 one (.cargo/config.toml).
    #[cfg(not(target_feature = "simd128"))]
    compile_error!("wasm tests must build with +simd128");
}
