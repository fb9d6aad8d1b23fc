#!/usr/bin/env bash
# Every check CI runs: formatting, lints, the types crate's WASM build and dependency
# rule, all tests (unit, black-box API, CLI, OpenAPI drift), and OpenAPI validity.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

"$(dirname "$0")/ensure-tools.sh"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

step "bms-types builds for wasm32-unknown-unknown"
cargo check -p bms-types --target wasm32-unknown-unknown

step "bms-types depends on neither diesel nor actix"
forbidden=$(cargo tree -p bms-types -e normal,build --prefix none | grep -E '^(diesel|actix|libsqlite3-sys)' || true)
if [ -n "$forbidden" ]; then
    echo "bms-types must stay free of server crates, found:" >&2
    echo "$forbidden" >&2
    exit 1
fi

step "cargo test (unit, API, CLI, OpenAPI drift)"
cargo test --workspace

step "openapi/openapi.json is a valid OpenAPI document"
python3 -m openapi_spec_validator openapi/openapi.json

step "all checks passed"
