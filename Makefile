# Conifer — the two commands of the quickstart are `make demo` and `make test`.
# Every target installs what it needs first (scripts/setup.sh, idempotent).

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CHROMEDRIVER ?= /usr/bin/chromedriver
NODE_TEST := node --test --test-reporter=spec

.PHONY: all setup pkg demo worker test test-native test-release test-wasm-node test-wasm-browser test-js test-browser bench bench-idb clean

all: pkg

setup:
	@scripts/setup.sh

pkg: setup
	@scripts/build-pkg.sh

# The main job: builds the package and runs the multitenancy walkthrough.
demo: pkg
	node www/walkthrough.mjs

# Every test layer. Large-data checks run on release builds.
test: setup test-native test-release test-wasm-node test-wasm-browser pkg test-js test-browser
	@echo "make test: all layers passed"

test-native:
	cargo test --quiet

test-release:
	cargo test --release --quiet --test '*'

test-wasm-node:
	cargo test --quiet --target wasm32-unknown-unknown --test wasm_node

# No --quiet: cargo passes it on to wasm-bindgen-test-runner 0.2.130, which rejects it.
test-wasm-browser:
	CHROMEDRIVER=$(CHROMEDRIVER) cargo test --target wasm32-unknown-unknown --test wasm_browser

test-js:
	$(NODE_TEST) tests/js/

# Playwright (playwright-core + /usr/bin/chromium): reload, two tabs, quota,
# corruption, and the crash test (50 renderer kills, about a minute).
test-browser: pkg
	$(NODE_TEST) tests/browser/

bench: pkg
	node benches/exact.mjs

# IndexedDB figures in headless Chromium -> bench-results/idb.json, docs/bench-idb.md
bench-idb: pkg
	node benches/idb.mjs

clean:
	cargo clean
	rm -rf pkg/wasm pkg/*.js pkg/*.d.ts pkg/package.json pkg/README.md
