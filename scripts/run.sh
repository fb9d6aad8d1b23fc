#!/usr/bin/env bash
# The one command to start bms on its embedded defaults: builds the SPA (installing Trunk,
# wasm-bindgen and wasm-opt when missing) and the server, then runs `bms serve`, which
# serves the SPA from dist/ and the API on http://127.0.0.1:5000 (data in ./data).
# Arguments go to `bms`, e.g. `scripts/run.sh check-config`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-spa.sh
exec cargo run --release --bin bms -- "$@"
