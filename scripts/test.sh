#!/usr/bin/env bash
# Every check CI runs: formatting, lints (server and WASM), the i18n catalogs, all Rust
# tests (unit, black-box API, CLI, OpenAPI drift), the SPA build and its size, the SPA's
# browser tests (wasm-bindgen-test and end-to-end, both in headless Chromium), and OpenAPI
# validity. Installs missing tools first.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

bash scripts/ensure-tools.sh --test
export PATH="$PWD/.tools/node_modules/.bin:$PATH"

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (server and types) -D warnings"
cargo clippy --workspace --exclude bms-web --all-targets -- -D warnings

step "cargo clippy (SPA, wasm32) -D warnings"
cargo clippy -p bms-web --target wasm32-unknown-unknown --all-targets -- -D warnings

step "bms-types depends on neither diesel nor actix"
forbidden=$(cargo tree -p bms-types -e normal,build --prefix none | grep -E '^(diesel|actix|libsqlite3-sys)' || true)
if [ -n "$forbidden" ]; then
    echo "bms-types must stay free of server crates, found:" >&2
    echo "$forbidden" >&2
    exit 1
fi

step "the server's modules import each other one way (no cycle)"
python3 scripts/check-module-graph.py crates/server/src

step "i18n catalogs are complete in English and Japanese"
python3 scripts/check-i18n.py

step "cargo test (unit, API, CLI, OpenAPI drift)"
cargo test

step "SPA unit tests in headless Chromium (wasm-bindgen-test)"
CHROMEDRIVER=$(command -v chromedriver) cargo test -p bms-web --target wasm32-unknown-unknown

step "build the SPA (release) and measure it"
bash scripts/build-spa.sh
bash scripts/spa-size.sh

step "end-to-end tests: headless Chromium against bms serving the SPA"
cargo build -p bms-server --bin bms
node --test frontend/e2e/

step "shellcheck on every shell script"
shellcheck scripts/*.sh .ci/run deploy/linux/*.sh deploy/linux/bms-ctl deploy/tests/*.sh

step "deploy/linux: install and uninstall in a throwaway root; systemd-analyze verify and security"
if [ "$(id -u)" -eq 0 ]; then
    BMS_BINARY="$PWD/target/debug/bms" bash deploy/tests/test-install.sh
else
    sudo --preserve-env=PATH BMS_BINARY="$PWD/target/debug/bms" bash deploy/tests/test-install.sh
fi

step "deploy/linux: real nginx with the shipped site in front of bms"
BMS_BINARY="$PWD/target/debug/bms" bash deploy/tests/test-nginx.sh

step "deploy/linux: logrotate with the shipped rule against a running bms (SIGHUP reopen)"
BMS_BINARY="$PWD/target/debug/bms" bash deploy/tests/test-logrotate.sh

step "docker/: Dockerfile and compose file (static checks; no container engine here)"
python3 deploy/tests/test-docker.py

step "deploy/windows: cross-compiled bms.exe, smoke-tested under Wine"
bash deploy/tests/test-windows.sh

step "openapi/openapi.json is a valid OpenAPI document"
python3 -m openapi_spec_validator openapi/openapi.json

step "all checks passed"
