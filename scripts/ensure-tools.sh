#!/usr/bin/env bash
# Installs what the build and tests need, skipping whatever is already present, so the
# same command works on a brand-new machine and stays fast on a warm one.
#
#   scripts/ensure-tools.sh          build tools (wasm target, Trunk, wasm-bindgen, wasm-opt)
#   scripts/ensure-tools.sh --test   also the test tools (Chromium, ChromeDriver, Playwright,
#                                    nginx, shellcheck, openapi-spec-validator)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*"; }
want_test_tools=false
[ "${1:-}" = "--test" ] && want_test_tools=true

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
PLAYWRIGHT_VERSION=1.65.1
# The CLI must be exactly the wasm-bindgen version in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
TOOLS_DIR="$PWD/.tools"

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (install Rust with rustup)" >&2
    exit 1
fi

if ! rustup target list --installed 2>/dev/null | grep -qx 'wasm32-unknown-unknown'; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    log "installing Trunk $TRUNK_VERSION (about 6 minutes, once)"
    cargo install trunk --locked --version "$TRUNK_VERSION"
fi

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]; then
    log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    # Not --locked: its lock file pins a crate version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

npm_install() {
    mkdir -p "$TOOLS_DIR"
    [ -f "$TOOLS_DIR/package.json" ] || echo '{"private": true}' >"$TOOLS_DIR/package.json"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent "$@"
}

if [ "$("$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "$BINARYEN_VERSION" ]; then
    log "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    npm_install "binaryen@$BINARYEN_VERSION"
fi

if [ "$want_test_tools" = true ]; then
    apt_packages=()
    command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || apt_packages+=(chromium-driver)
    command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || apt_packages+=(nginx)
    command -v shellcheck >/dev/null 2>&1 || apt_packages+=(shellcheck)
    # The Windows build (cross-compiled) and its smoke test.
    command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || apt_packages+=(gcc-mingw-w64-x86-64)
    command -v wine >/dev/null 2>&1 || apt_packages+=(wine64)
    command -v file >/dev/null 2>&1 || apt_packages+=(file)
    command -v openssl >/dev/null 2>&1 || apt_packages+=(openssl)
    command -v curl >/dev/null 2>&1 || apt_packages+=(curl)
    command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ] || apt_packages+=(logrotate)
    # A Japanese font, so the Japanese screenshots are legible (users' systems have one).
    fc-list :lang=ja 2>/dev/null | grep -q . || apt_packages+=(fonts-ipafont-gothic)
    if [ "${#apt_packages[@]}" -gt 0 ]; then
        log "installing Debian packages: ${apt_packages[*]}"
        sudo_cmd=()
        [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
        "${sudo_cmd[@]}" apt-get update -qq
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${apt_packages[@]}" >/dev/null
    fi
    if ! rustup target list --installed 2>/dev/null | grep -qx 'x86_64-pc-windows-gnu'; then
        log "adding the x86_64-pc-windows-gnu target"
        rustup target add x86_64-pc-windows-gnu
    fi
    if [ ! -f "$TOOLS_DIR/node_modules/playwright-core/package.json" ]; then
        log "installing playwright-core (drives the Debian Chromium; no browser download)"
        npm_install "playwright-core@$PLAYWRIGHT_VERSION"
    fi
    if ! python3 -c 'import openapi_spec_validator, prometheus_client, dockerfile_parse, yaml, aiosmtpd' >/dev/null 2>&1; then
        log "installing Python test tools (PyPI: OpenAPI validator, Prometheus parser, Dockerfile parser, PyYAML)"
        python3 -m pip install --quiet --disable-pip-version-check 'openapi-spec-validator==0.9.0' \
            'prometheus-client==0.21.1' 'dockerfile-parse==2.0.1' 'pyyaml==6.0.2' 'aiosmtpd==1.4.6'
    fi
fi
