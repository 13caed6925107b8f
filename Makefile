# Conifer — the two commands of the quickstart are `make demo` and `make test`.
# Every target installs what it needs first (scripts/setup.sh, idempotent).

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CHROMEDRIVER ?= /usr/bin/chromedriver
NODE_TEST := node --test --test-reporter=spec

.PHONY: all setup pkg demo worker test test-native test-release test-wasm-node test-wasm-browser test-js test-browser test-worker test-demo test-packaging bench bench-crossover bench-idb bench-peers bench-hnsw bench-s1 clean

all: pkg

setup:
	@scripts/setup.sh

pkg: setup
	@scripts/build-pkg.sh

# The main job: builds the package, runs the multitenancy walkthrough, then
# serves the demo (http://127.0.0.1:8080/) and the local edge endpoint
# (http://127.0.0.1:8787, Pinecone's REST API) until Ctrl-C.
demo: pkg
	node www/walkthrough.mjs
	node www/build-data.mjs
	node www/serve.mjs --worker

# Every test layer. Large-data checks run on release builds.
test: setup test-native test-release test-wasm-node test-wasm-browser pkg test-js test-browser test-worker test-demo test-packaging
	@echo "make test: all layers passed"

test-native:
	cargo test --quiet

# Recall of the graph against exact search on wordnet-minilm (20k subset)
# when ../shared is present, else on generated data; release build.
test-release:
	cargo test --release --test hnsw_recall

test-wasm-node:
	cargo test --target wasm32-unknown-unknown --lib --test wasm_node

# No --quiet: cargo passes it on to wasm-bindgen-test-runner 0.2.130, which rejects it.
test-wasm-browser:
	CHROMEDRIVER=$(CHROMEDRIVER) cargo test --target wasm32-unknown-unknown --test wasm_chromium --test wasm_browser

test-js:
	$(NODE_TEST) tests/js/

# The edge worker on workerd (miniflare): REST API, auth, persistence,
# metrics, the official TS SDKs 8.x and 9.x, a bounded load test; then the
# Python SDK 10.x walkthrough.
test-worker:
	$(NODE_TEST) tests/worker/
	PYTHONDONTWRITEBYTECODE=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/python

# The demo driven by Playwright (headless Chromium), and the npm-pack tarball
# used from a Vite app, a plain module page, a Node script and workerd.
test-demo:
	$(NODE_TEST) tests/demo/

test-packaging:
	$(NODE_TEST) tests/packaging/

# The local edge endpoint (Pinecone REST API) on 127.0.0.1:$${PORT:-8787}.
worker: pkg
	node worker/dev.mjs

# Benchmarks are commands, not tests (figures in docs/benchmarks.md).
bench: pkg
	node benches/exact.mjs

bench-crossover: pkg
	node benches/crossover.mjs

# Playwright (playwright-core + /usr/bin/chromium): reload, two tabs, quota,
# corruption, and the crash test (50 renderer kills, about a minute).
test-browser: pkg
	$(NODE_TEST) tests/browser/

# Conifer against edgevec, hnswlib-wasm, voy, orama, vectra,
# client-vector-search, pglite+pgvector and native hnswlib-node (Node and
# headless Chromium) -> bench-results/peers.json and docs/benchmarks.md.
bench-peers: pkg
	cd benches/peers && npm ci --no-audit --no-fund --loglevel=error
	node benches/peers/run.mjs

# HNSW (issue #4): Conifer wasm in Node and native, hnswlib-node (from
# benches/peers) and hora 0.1.1 in wasm (benches/hora) on wordnet-minilm
# -> bench-results/hnsw.json and docs/bench-hnsw.md. HNSW_BENCH_N=10000 for a
# quick run; needs ../shared/data (says so and measures nothing without it).
bench-hnsw: pkg
	cd benches/peers && npm ci --no-audit --no-fund --loglevel=error
	node benches/hnsw.mjs

# s1 (int8, f32 values in storage only) against p1, side by side: on
# wordnet-minilm natively (memory, recall, speed -> bench-results/s1.json,
# docs/bench-s1.md), then in Chromium over IndexedDB (query latency ->
# bench-results/s1-idb.json, docs/bench-s1-idb.md; S1_N=5000 for a short run).
bench-s1: pkg
	cargo run --release --example bench_s1
	node benches/s1-idb.mjs

# IndexedDB figures in headless Chromium -> bench-results/idb.json, docs/bench-idb.md
bench-idb: pkg
	node benches/idb.mjs

clean:
	cargo clean
	rm -rf pkg/wasm pkg/*.js pkg/*.d.ts pkg/package.json pkg/README.md
