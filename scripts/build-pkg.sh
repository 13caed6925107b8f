#!/usr/bin/env bash
# Builds the npm package conifer-db into pkg/: the wasm (release, SIMD128),
# wasm-bindgen's ES module glue, the hand-written API and types.
# Usage: scripts/build-pkg.sh [--scalar]   (--scalar: no SIMD128, for benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
out=pkg
features=""
rustflags="-C target-feature=+simd128"
target_dir=target
if [[ "${1:-}" == "--scalar" ]]; then
  out=target/pkg-scalar
  rustflags="-C target-feature=-simd128"
  target_dir=target/scalar   # separate cache: different flags
fi
RUSTFLAGS="$rustflags" CARGO_TARGET_DIR="$target_dir" cargo build --lib --release --target wasm32-unknown-unknown $features
rm -rf "$out/wasm"
mkdir -p "$out/wasm"
wasm-bindgen --target web --out-dir "$out/wasm" --out-name conifer \
  "$target_dir/wasm32-unknown-unknown/release/conifer.wasm"
if [[ -x node_modules/.bin/wasm-opt ]]; then
  node_modules/.bin/wasm-opt -O3 --enable-simd --enable-reference-types --enable-bulk-memory \
    --enable-nontrapping-float-to-int --enable-sign-ext --enable-multivalue --enable-mutable-globals \
    "$out/wasm/conifer_bg.wasm" -o "$out/wasm/conifer_bg.opt.wasm"
  mv "$out/wasm/conifer_bg.opt.wasm" "$out/wasm/conifer_bg.wasm"
fi
cp src/js/*.js src/js/conifer.d.ts src/js/package.json "$out/"
cp README.md "$out/README.md"
echo "built $out ($(wc -c < "$out/wasm/conifer_bg.wasm") bytes of wasm)"
