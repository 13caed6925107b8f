//! Search structures over a namespace's [`Vectors`](crate::vectors::Vectors):
//! the HNSW graph. (Exact search is the namespace's own flat scan, and is the
//! oracle the graph is tested against.)

pub mod hnsw;
