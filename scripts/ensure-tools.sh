#!/usr/bin/env bash
# Installs what the build and tests need, skipping whatever is already present, so the
# same command works on a brand-new machine and stays fast on a warm one.
set -euo pipefail

log() { printf '==> %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo is required (install Rust with rustup)" >&2
    exit 1
fi

if ! rustup target list --installed 2>/dev/null | grep -qx 'wasm32-unknown-unknown'; then
    log "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

if ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1; then
    log "installing openapi-spec-validator (PyPI)"
    python3 -m pip install --quiet --disable-pip-version-check 'openapi-spec-validator==0.9.0'
fi
