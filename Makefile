# Conifer — the two commands of the quickstart are `make demo` and `make test`.
# Every target installs what it needs first (scripts/setup.sh, idempotent).

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CHROMEDRIVER ?= /usr/bin/chromedriver
NODE_TEST := node --test --test-reporter=spec

.PHONY: all setup pkg demo worker test test-native test-release test-wasm-node test-wasm-browser test-js test-worker bench bench-crossover clean

all: pkg

setup:
	@scripts/setup.sh

pkg: setup
	@scripts/build-pkg.sh

# The main job: builds the package and runs the multitenancy walkthrough.
demo: pkg
	node www/walkthrough.mjs

# Every test layer. Large-data checks run on release builds.
test: setup test-native test-release test-wasm-node test-wasm-browser pkg test-js test-worker
	@echo "make test: all layers passed"

test-native:
	cargo test --quiet

# Recall of the graph against exact search on wordnet-minilm (20k subset)
# when ../shared is present, else on generated data; release build.
test-release:
	cargo test --release --test hnsw_recall

test-wasm-node:
	cargo test --target wasm32-unknown-unknown --lib --test wasm_node

test-wasm-browser:
	CHROMEDRIVER=$(CHROMEDRIVER) cargo test --target wasm32-unknown-unknown --test wasm_chromium

test-js:
	$(NODE_TEST) tests/js/

# The edge worker on workerd (miniflare): REST API, auth, persistence,
# metrics, the official TS SDKs 8.x and 9.x, a bounded load test; then the
# Python SDK 10.x walkthrough.
test-worker:
	$(NODE_TEST) tests/worker/
	PYTHONDONTWRITEBYTECODE=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/python

# The local edge endpoint (Pinecone REST API) on 127.0.0.1:$${PORT:-8787}.
worker: pkg
	node worker/dev.mjs

# Benchmarks are commands, not tests (figures in docs/benchmarks.md).
bench: pkg
	node benches/exact.mjs

bench-crossover: pkg
	node benches/crossover.mjs

clean:
	cargo clean
	rm -rf pkg/wasm pkg/*.js pkg/*.d.ts pkg/package.json pkg/README.md
