//! Search structures over a namespace's [`Vectors`](crate::vectors::Vectors):
//! the HNSW graph, the [`Space`](space::Space) trait it traverses, and the
//! int8 quantised store it can traverse instead of the f32 arena. (Exact
//! search is the namespace's own flat scan, and is the oracle the graph is
//! tested against.)

pub mod hnsw;
pub mod quant;
pub mod space;
