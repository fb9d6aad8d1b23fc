#!/usr/bin/env bash
# Builds the SPA into dist/ (release: size-optimised WASM, wasm-opt -Oz, hashed assets).
# Installs Trunk, wasm-bindgen and wasm-opt first when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
# Trunk finds the npm wasm-opt on PATH (offline mode never downloads one).
export PATH="$PWD/.tools/node_modules/.bin:$PATH"
trunk build --release=true "$@"
