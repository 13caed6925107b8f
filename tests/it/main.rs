//! Native integration tests of the whole database (engine + persistence)
//! through the same `Database::call` entry point the JS package and the
//! edge worker use.

mod collections;
mod graph;
mod model;
mod offload;
mod persistence;
mod vectors;

use conifer::db::{DataOp, Database, Options};
use conifer::store::Storage;
use conifer::Error;
use serde_json::{json, Value as Json};

pub fn clock() -> f64 {
    0.0
}

pub struct Db<S: Storage>(pub Database<S>);

impl<S: Storage> Db<S> {
    pub fn open(s: S) -> Db<S> {
        Db(pollster::block_on(Database::open(s, Options::default())).expect("open"))
    }

    pub fn open_with(s: S, o: Options) -> Result<Db<S>, Error> {
        pollster::block_on(Database::open(s, o)).map(Db)
    }

    pub fn create(&self, body: Json) -> Result<(), Error> {
        pollster::block_on(self.0.create_index(&body)).map(|_| ())
    }

    pub fn call(&self, op: DataOp, index: &str, body: Json) -> Result<Json, Error> {
        let out = pollster::block_on(self.0.call(op, index, &body.to_string(), &clock))?;
        Ok(serde_json::from_str(&out).expect("engine output is JSON"))
    }

    pub fn upsert(&self, index: &str, ns: &str, vectors: Json) -> Result<Json, Error> {
        self.call(DataOp::Upsert, index, json!({"vectors": vectors, "namespace": ns}))
    }

    pub fn query(&self, index: &str, body: Json) -> Result<Json, Error> {
        self.call(DataOp::Query, index, body)
    }
}

pub fn serverless(name: &str, dim: u32, metric: &str) -> Json {
    json!({"name": name, "dimension": dim, "metric": metric,
           "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}}})
}

/// The seed fixture S of pinecone-api.md §8.
pub fn seed<S: Storage>(db: &Db<S>, metric: &str) {
    db.create(serverless("multitenant-app", 8, metric)).unwrap();
    let v = |x: f32| json!(vec![x; 8]);
    db.upsert(
        "multitenant-app",
        "tenant1",
        json!([{"id":"A","values":v(0.1)},{"id":"B","values":v(0.2)},{"id":"C","values":v(0.3)},{"id":"D","values":v(0.4)}]),
    )
    .unwrap();
    db.upsert(
        "multitenant-app",
        "tenant2",
        json!([{"id":"E","values":v(0.5)},{"id":"F","values":v(0.6)},{"id":"G","values":v(0.7)},{"id":"H","values":v(0.8)}]),
    )
    .unwrap();
}

pub fn ids(res: &Json) -> Vec<String> {
    res["matches"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
}

pub fn scores(res: &Json) -> Vec<f64> {
    res["matches"].as_array().unwrap().iter().map(|m| m["score"].as_f64().unwrap()).collect()
}
