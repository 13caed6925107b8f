//! wasm-bindgen tests in Node (no `run_in_browser`).
#![cfg(target_arch = "wasm32")]

mod wasm_common;
