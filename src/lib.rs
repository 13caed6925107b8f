//! Conifer: a vector database for the browser and the edge, with Pinecone's
//! API and multitenancy model (an index of namespaces, one per tenant).
//!
//! The engine (everything but `store` implementations and `wasm`) is plain
//! synchronous Rust: no I/O, no JS types, no panics on input. See
//! ARCHITECTURE.md for the code map.

pub mod api;
pub mod codec;
pub mod collection;
pub mod config;
pub mod db;
pub mod distance;
pub mod engine;
pub mod error;
pub mod filter;
pub mod index;
pub mod metadata;
pub mod metrics;
pub mod namespace;
pub mod record;
pub mod store;
pub mod vectors;

pub use error::{Error, Result};

#[cfg(target_arch = "wasm32")]
pub mod wasm;
