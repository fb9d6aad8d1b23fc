#!/usr/bin/env bash
# Cross-compiles bms.exe for x86_64-pc-windows-gnu (Debian's mingw-w64) and, with Debian's
# Wine, smoke-tests it: start `bms.exe serve`, GET /health and the web UI, stop.
# Skips the Wine part (with a message) when Wine is not installed.
#
#   deploy/tests/test-windows.sh            (BMS_EXE=path skips the build)
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=deploy/tests/lib.sh
. "$repo_root/deploy/tests/lib.sh"
cd "$repo_root"
target=x86_64-pc-windows-gnu
if [ -z "${BMS_EXE:-}" ]; then
    cargo build --target "$target" --bin bms
    BMS_EXE=target/$target/debug/bms.exe
fi
[ -f "$BMS_EXE" ] || { echo "FAIL: no $BMS_EXE" >&2; exit 1; }
file "$BMS_EXE" | grep -q 'PE32+ executable' || { echo "FAIL: $BMS_EXE is not a 64-bit Windows executable" >&2; exit 1; }
echo "cross-compiled $BMS_EXE ($(du -h "$BMS_EXE" | cut -f1))"

if ! command -v wine >/dev/null 2>&1; then
    echo "SKIP: wine is not installed; the Windows binary was built but not run"
    exit 0
fi
work=$(mktemp -d)
export WINEPREFIX="$work/wine" WINEDEBUG=-all
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
    wineserver -k 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
port=$(free_port)
cp -r "$repo_root/dist" "$work/dist"
mkdir -p "$work/app"
cp "$BMS_EXE" "$work/app/bms.exe"
# Wine 8 has no bcryptprimitives.dll (Rust's std uses its ProcessPrng): a test-only shim.
x86_64-w64-mingw32-gcc -shared -O2 -o "$work/app/bcryptprimitives.dll" \
    "$repo_root/deploy/tests/wine/bcryptprimitives.c" -ladvapi32
timeout 120 wineboot -i >/dev/null 2>&1 || true
version=$(wine "$work/app/bms.exe" --version 2>/dev/null | tr -d '\r')
[ "$version" = "bms $(cargo pkgid -p bms-server | sed 's/.*[#@]//')" ] || { echo "FAIL: bms.exe --version under Wine: '$version'" >&2; exit 1; }
windows_dir='Z:'"${work//\//\\}"
(cd "$work" && SECRET_KEY=windows-smoke-secret-key-0123456789abc PORT=$port DATABASE_PATH="$windows_dir\\bms.db" \
    STATIC_DIR="$windows_dir\\dist" exec wine "$work/app/bms.exe" serve >"$work/bms.log" 2>&1) &
pid=$!
for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
    sleep 0.2
done
health=$(curl -sf "http://127.0.0.1:$port/health") || { echo "FAIL: bms.exe did not answer /health under Wine:" >&2; tail -20 "$work/bms.log" >&2; exit 1; }
python3 -c 'import json, sys; assert json.loads(sys.argv[1])["status"] == "ok"' "$health"
curl -sf "http://127.0.0.1:$port/jobs" | grep -q 'id="bms-boot"' || { echo "FAIL: the web UI is not served by bms.exe" >&2; exit 1; }
grep -q 'FIRST START' "$work/bms.log" || { echo "FAIL: no first-start banner" >&2; exit 1; }
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=
[ -f "$work/bms.db" ] || { echo "FAIL: the database was not created at the Windows path" >&2; exit 1; }
echo "Windows smoke test passed under $(wine --version): start, /health, web UI, stop"
