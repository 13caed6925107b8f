//! hora 0.1.1's HNSW behind a small wasm-bindgen API, for `make bench-hnsw`
//! (`benches/hnsw.mjs`): the HNSW baseline the original design named.
//!
//! Built by `benches/hnsw.mjs` with `cargo build --release --target
//! wasm32-unknown-unknown` inside this directory (so the repository's
//! `.cargo/config.toml` applies: `-C target-feature=+simd128`), then
//! `wasm-bindgen --target nodejs` into `target/hora-wasm/` at the repository
//! root. hora's default features are used: its optional `simd` feature
//! needs `packed_simd_2` (a nightly compiler), so its distances are plain
//! loops and whatever SIMD128 the module has comes from LLVM's
//! auto-vectoriser. Without threads on wasm32, rayon (which hora's `build`
//! uses) runs everything on the calling thread.
//!
//! What this wrapper does beyond forwarding, and why:
//! - **Metric.** `metric` picks hora's `Metric`: `"cosine"`
//!   (`CosineSimilarity`), `"angular"`, `"dot"` (`DotProduct`),
//!   `"euclidean"`, or `"cosine-via-l2"`: vectors (stored and query) are
//!   scaled to unit length here and hora ranks them by `Euclidean` (squared
//!   L2), which on unit vectors is the cosine ranking; this is also what
//!   hnswlib's `cosine` space does (normalise, then inner product). The
//!   benchmark checks each metric on real data and uses the one that returns
//!   correct neighbours (see `benches/hnsw.mjs`, `horaMetricCheck`).
//! - **efSearch.** hora's `ef_search` is a private field set once from
//!   `HNSWParams` at construction, with no setter; `search(q, k)` searches
//!   layer 0 with `max(ef_search, k)` candidates and keeps the best `k`
//!   (`HNSWIndex::search_knn`). So an index constructed with `ef_search =
//!   10` and asked for `k = ef` returns, as its first 10, exactly the
//!   top-10 an index with `ef_search = ef` returns for `k = 10`. The cost
//!   of the trick: hora clones every returned `Node` (its vector, 1.5 KB
//!   at 384-d), so `k = ef` clones `ef` nodes instead of 10.
//! - **Panics.** hora panics (unwrap) on bad input or a NaN distance; on
//!   wasm32 that is a trap. The hook below keeps the panic message so the
//!   caller can read it with `lastPanic()` after the trap.

use std::sync::Mutex;

use hora::core::ann_index::ANNIndex;
use hora::core::metrics::Metric;
use hora::index::hnsw_idx::HNSWIndex;
use hora::index::hnsw_params::HNSWParams;
use wasm_bindgen::prelude::*;

static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

/// Installs a panic hook that records the message for `lastPanic()`.
#[wasm_bindgen(js_name = installPanicHook)]
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut s) = LAST_PANIC.lock() {
            *s = info.to_string();
        }
    }));
}

/// The message of the last panic ("" if none).
#[wasm_bindgen(js_name = lastPanic)]
pub fn last_panic() -> String {
    LAST_PANIC.lock().map(|s| s.clone()).unwrap_or_default()
}

/// Whether this module was compiled with wasm SIMD128 enabled.
#[wasm_bindgen]
pub fn simd128() -> bool {
    cfg!(target_feature = "simd128")
}

#[wasm_bindgen]
pub struct HoraHnsw {
    index: HNSWIndex<f32, u32>,
    dim: usize,
    metric: Metric,
    normalize: bool,
    scratch: Vec<f32>,
}

fn parse_metric(name: &str) -> Option<(Metric, bool)> {
    Some(match name {
        "cosine" => (Metric::CosineSimilarity, false),
        "angular" => (Metric::Angular, false),
        "dot" => (Metric::DotProduct, false),
        "euclidean" => (Metric::Euclidean, false),
        "cosine-via-l2" => (Metric::Euclidean, true),
        _ => return None,
    })
}

fn unit(v: &[f32], out: &mut Vec<f32>) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    let s = if norm > 0.0 { 1.0 / norm } else { 1.0 };
    out.clear();
    out.extend(v.iter().map(|x| x * s));
}

#[wasm_bindgen]
impl HoraHnsw {
    /// An empty index. Layer 0 gets `2 * m` links (as in hnswlib and
    /// Conifer); `max_items` bounds the node count (hora's `max_item`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        dim: usize,
        m: usize,
        ef_construction: usize,
        ef_search: usize,
        max_items: usize,
        metric: &str,
    ) -> Result<HoraHnsw, JsError> {
        let (metric, normalize) =
            parse_metric(metric).ok_or_else(|| JsError::new(&format!("unknown metric {metric}")))?;
        let params = HNSWParams::<f32>::default()
            .max_item(max_items)
            .n_neighbor(m)
            .n_neighbor0(2 * m)
            .ef_build(ef_construction)
            .ef_search(ef_search);
        Ok(HoraHnsw {
            index: HNSWIndex::new(dim, &params),
            dim,
            metric,
            normalize,
            scratch: Vec::with_capacity(dim),
        })
    }

    /// Adds `vectors.len() / dim` vectors (row-major) with ids
    /// `first_id, first_id + 1, ...`. They are searchable after `build()`.
    pub fn add(&mut self, vectors: &[f32], first_id: u32) -> Result<(), JsError> {
        if self.dim == 0 || !vectors.len().is_multiple_of(self.dim) {
            return Err(JsError::new("length is not a multiple of dim"));
        }
        for (i, row) in vectors.chunks_exact(self.dim).enumerate() {
            let row = if self.normalize {
                unit(row, &mut self.scratch);
                &self.scratch[..]
            } else {
                row
            };
            self.index.add(row, first_id + i as u32).map_err(JsError::new)?;
        }
        Ok(())
    }

    /// Builds the graph over every vector added so far.
    pub fn build(&mut self) -> Result<(), JsError> {
        self.index.build(self.metric).map_err(JsError::new)
    }

    /// The ids of the `k` nearest vectors, nearest first.
    pub fn search(&mut self, query: &[f32], k: usize) -> Vec<u32> {
        if self.normalize {
            unit(query, &mut self.scratch);
            self.index.search(&self.scratch, k)
        } else {
            self.index.search(query, k)
        }
    }
}
