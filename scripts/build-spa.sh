#!/usr/bin/env bash
# Builds the SPA into dist/ (release: size-optimised WASM, wasm-opt -Oz, hashed assets),
# split into a main module (sign-in, the dashboard, the shell) and one chunk per screen
# that loads on navigation (see frontend/src/pages/mod.rs and frontend/split_bundle.py).
# Installs Trunk, wasm-bindgen, wasm-opt and wasm-split-cli first when they are missing.
#
#   SPA_SPLIT=0 bash scripts/build-spa.sh    one unsplit module instead
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
# Trunk finds the npm wasm-opt on PATH (offline mode never downloads one).
export PATH="$PWD/.tools/node_modules/.bin:$PATH"

if [ "${SPA_SPLIT:-1}" = 0 ]; then
    trunk build --release=true "$@"
    exit 0
fi

# wasm-split-cli (crates.io, built from source like Trunk; about 2 minutes, once).
WASM_SPLIT_VERSION=0.2.4
if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
    echo "==> installing wasm-split-cli $WASM_SPLIT_VERSION (wasm_split_cli_support)"
    cargo install --locked wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary
fi

trunk build --release=true --features split "$@"
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
python3 frontend/split_bundle.py --input "$target_dir/wasm32-unknown-unknown/wasm-release/bms-web.wasm" --dist dist
