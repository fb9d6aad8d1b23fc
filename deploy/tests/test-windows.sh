#!/usr/bin/env bash
# deploy/windows: static checks of the PowerShell scripts, then the cross-compiled bms.exe
# (x86_64-pc-windows-gnu, Debian's mingw-w64) run under Debian's Wine in the layout that
# install.ps1 creates, inside the Wine prefix's C: drive:
#   a. .env filled from deploy/windows/bms.env.template as install.ps1 fills it, bms.exe
#      serve started as the NSSM service starts it (working directory the program folder,
#      BMS_ENV_FILE=C:\Program Files\BackupManagementSystem\.env; only PORT overridden):
#      /health, the web UI, the first-start banner, database and bms.log at their Windows
#      paths;
#   c. the nightly task's command, bms.exe --env-file ... db backup --dir ... --keep 2, run
#      three times while the server runs: exactly the 2 newest copies remain;
#   b. the old guide's Windows .env (deploy/tests/fixtures/legacy-windows.env, verbatim) as
#      .env: /health, the database at C:\ProgramData\...\data\backup_mgmt.db, FLASK_APP
#      reported as not used.
# Skips the Wine part (with a message) when Wine is not installed.
#
#   deploy/tests/test-windows.sh     (BMS_EXE=path skips the build; BMS_DIST=dir, default dist/)
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=deploy/tests/lib.sh
. "$repo_root/deploy/tests/lib.sh"
cd "$repo_root"

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}
ok() { printf 'ok: %s\n' "$*"; }

if ! static=$(python3 deploy/tests/test-windows-scripts.py 2>&1); then
    echo "$static" >&2
    fail "static checks of deploy/windows"
fi
echo "static checks of deploy/windows: $(tail -1 <<<"$static")"

target=x86_64-pc-windows-gnu
if [ -z "${BMS_EXE:-}" ]; then
    cargo build --target "$target" --bin bms
    BMS_EXE=target/$target/debug/bms.exe
fi
[ -f "$BMS_EXE" ] || fail "no $BMS_EXE"
file "$BMS_EXE" | grep -q 'PE32+ executable' || fail "$BMS_EXE is not a 64-bit Windows executable"
echo "cross-compiled $BMS_EXE ($(du -h "$BMS_EXE" | cut -f1))"
dist=${BMS_DIST:-$repo_root/dist}
[ -f "$dist/index.html" ] || fail "no built web UI in $dist (run scripts/build-spa.sh or set BMS_DIST)"

if ! command -v wine >/dev/null 2>&1; then
    echo "SKIP: wine is not installed; the Windows binary was built but not run"
    exit 0
fi
work=$(mktemp -d)
export WINEPREFIX="$work/wine" WINEDEBUG=-all
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi
    wineserver -k 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
timeout 120 wineboot -i >/dev/null 2>&1 || true

# install.ps1's layout, on the prefix's C: drive.
drive_c=$WINEPREFIX/drive_c
app_dir="$drive_c/Program Files/BackupManagementSystem"
app_win='C:\Program Files\BackupManagementSystem'
data_root=$drive_c/ProgramData/BackupManagementSystem
data_win='C:\ProgramData\BackupManagementSystem'
env_file="$app_dir/.env"
env_win="$app_win\\.env"
[ -d "$drive_c/ProgramData" ] || fail "the Wine prefix has no C:\\ProgramData"
mkdir -p "$app_dir" "$data_root/data" "$data_root/logs" "$data_root/backups"
cp "$BMS_EXE" "$app_dir/bms.exe"
cp -r "$dist" "$app_dir/dist"
# Wine 8 has no bcryptprimitives.dll (Rust's std uses its ProcessPrng): a test-only shim.
x86_64-w64-mingw32-gcc -shared -O2 -o "$app_dir/bcryptprimitives.dll" \
    "$repo_root/deploy/tests/wine/bcryptprimitives.c" -ladvapi32

# Every variable the env files set is cleared, so that bms reads them from the file; only
# PORT comes from the environment (a free port instead of 5000).
unset_args=()
while IFS= read -r name; do unset_args+=(-u "$name"); done < <(
    grep -ohE '^#? ?[A-Z][A-Z0-9_]*=' deploy/windows/bms.env.template deploy/tests/fixtures/legacy-windows.env |
        tr -d '#= ' | sort -u
)
unset_args+=(-u BMS_ENV_FILE -u RUST_LOG)
# Runs bms.exe under Wine in the program folder (NSSM's AppDirectory).
bms_exe() {
    (cd "$app_dir" && env "${unset_args[@]}" wine "$app_dir/bms.exe" "$@")
}

version=$(bms_exe --version 2>/dev/null | tr -d '\r')
expected_version=$(python3 -c 'import tomllib; print(tomllib.load(open("Cargo.toml", "rb"))["workspace"]["package"]["version"])')
[ "$version" = "bms $expected_version" ] || fail "bms.exe --version under Wine: '$version'"
ok "bms.exe --version under $(wine --version): $version"

# Starts `bms.exe serve` as the service does (BMS_ENV_FILE=$1, PORT=free) logging to $2.
start_service() {
    port=$(free_port)
    (cd "$app_dir" && exec env "${unset_args[@]}" BMS_ENV_FILE="$1" PORT="$port" wine "$app_dir/bms.exe" serve >"$2" 2>&1) &
    pid=$!
    for _ in $(seq 300); do
        curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
        sleep 0.2
    done
    health=$(curl -sf "http://127.0.0.1:$port/health") || { tail -30 "$2" >&2; fail "bms.exe did not answer /health under Wine"; }
    python3 -c 'import json, sys; assert json.loads(sys.argv[1])["status"] == "ok", sys.argv[1]' "$health" ||
        fail "/health: $health"
}
stop_service() {
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
}
# No file anywhere with a backslash in its name: Windows paths were not taken literally.
no_backslash_names() {
    stray=$(find "$work" -name '*\\*' -print -quit)
    [ -z "$stray" ] || fail "a file named with a backslash was created: $stray"
}

# --- a. .env from bms.env.template, filled as install.ps1 fills it ---------------------
secret=$(bms_exe gen-secret | tr -d '\r')
[ "${#secret}" -ge 32 ] || fail "bms.exe gen-secret: '$secret'"
python3 - "$repo_root/deploy/windows/bms.env.template" "$env_file" "$secret" "$data_win" "$app_win" <<'EOF'
# install.ps1: literal .Replace of each placeholder, CRLF line ends, UTF-8 without BOM.
import re, sys
template, target, secret, data, app = sys.argv[1:]
text = open(template, encoding="utf-8").read()
for placeholder, value in {
    "@SECRET_KEY@": secret,
    "@DATA_DIR@": data + "\\data",
    "@LOG_DIR@": data + "\\logs",
    "@HOST@": "0.0.0.0",
    "@PORT@": "5000",
    "@STATIC_DIR@": app + "\\dist",
}.items():
    text = text.replace(placeholder, value)
assert not re.search(r"@[A-Z_]+@", text), "a placeholder is left"
open(target, "w", encoding="utf-8", newline="").write(re.sub(r"\r?\n", "\r\n", text))
EOF
grep -qxF "DATABASE_PATH=$data_win\\data\\backup_mgmt.db"$'\r' "$env_file" ||
    fail "the filled .env has no unquoted DATABASE_PATH=C:\\ProgramData\\...\\backup_mgmt.db"
bms_exe --env-file "$env_win" check-config >"$work/check-a.txt" 2>&1 || { cat "$work/check-a.txt" >&2; fail "check-config rejects the filled template"; }
tr -d '\r' <"$work/check-a.txt" | grep -qxF "STATIC_DIR=$app_win\\dist" || { cat "$work/check-a.txt" >&2; fail "STATIC_DIR (a path with a space) not read"; }
ok "a. .env filled from bms.env.template (unquoted Windows paths, CRLF) passes check-config"

start_service "$env_win" "$work/a.log"
ok "a. bms.exe serve with BMS_ENV_FILE=$env_win answers /health"
curl -sf "http://127.0.0.1:$port/jobs" | grep -q 'id="bms-boot"' || fail "the web UI is not served from STATIC_DIR=$app_win\\dist"
ok "a. the web UI is served from $app_win\\dist"
grep -q 'FIRST START' "$work/a.log" || fail "no first-start banner"
[ -f "$data_root/data/backup_mgmt.db" ] || fail "no database at $data_win\\data\\backup_mgmt.db"
ok "a. the database was created at $data_win\\data\\backup_mgmt.db"
grep -q 'FIRST START' "$data_root/logs/bms.log" || fail "no $data_win\\logs\\bms.log with the banner"
ok "a. bms writes $data_win\\logs\\bms.log"
if grep -i 'not used by bms' "$work/a.log"; then fail "the template sets a variable bms does not use"; fi

# --- c. the nightly task's command, --keep 2, three times (server running) -------------
backups=()
for run in 1 2 3; do
    [ "$run" = 1 ] || sleep 1.2 # the names have a one-second resolution
    bms_exe --env-file "$env_win" db backup --dir "$data_win\\backups" --keep 2 >"$work/backup-$run.txt" 2>&1 ||
        { cat "$work/backup-$run.txt" >&2; fail "db backup --dir --keep 2 (run $run)"; }
    mapfile -t backups < <(find "$data_root/backups" -maxdepth 1 -type f -printf '%f\n' | sort)
    expected=$((run < 2 ? run : 2))
    [ "${#backups[@]}" = "$expected" ] || fail "after run $run: ${#backups[@]} files in backups (${backups[*]}), expected $expected"
    [ "$run" != 1 ] || first=${backups[0]}
done
for name in "${backups[@]}"; do
    [[ $name =~ ^bms-backup-[0-9]{8}T[0-9]{6}Z\.db$ ]] || fail "unexpected backup name $name"
done
[ "$first" != "${backups[0]}" ] || fail "the oldest copy $first was kept, not deleted"
bms_exe --env-file "$env_win" db check "$data_win\\backups\\${backups[1]}" >"$work/check-backup.txt" 2>&1 ||
    { cat "$work/check-backup.txt" >&2; fail "the newest copy does not pass db check"; }
ok "c. db backup --dir $data_win\\backups --keep 2, run 3 times: ${backups[*]} (the oldest deleted; integrity ok)"
stop_service
no_backslash_names

# --- b. the old guide's Windows .env, verbatim, as C:\Program Files\...\.env ------------
rm -rf "$data_root"
cp "$repo_root/deploy/tests/fixtures/legacy-windows.env" "$env_file"
start_service "$env_win" "$work/b.log"
ok "b. bms.exe serve with the old guide's .env answers /health"
[ -f "$data_root/data/backup_mgmt.db" ] || { tail -30 "$work/b.log" >&2; fail "no database at $data_win\\data\\backup_mgmt.db"; }
ok "b. the database was created at $data_win\\data\\backup_mgmt.db"
grep -q 'FLASK_APP.*not used by bms' "$work/b.log" || { cat "$work/b.log" >&2; fail "FLASK_APP is not reported as not used"; }
ok "b. the log says: $(grep -m1 -o 'FLASK_APP.*not used by bms.*' "$work/b.log" | tr -d '\r')"
[ -f "$data_root/logs/bms.log" ] || fail "no $data_win\\logs\\bms.log"
curl -sf "http://127.0.0.1:$port/jobs" | grep -q 'id="bms-boot"' || fail "no web UI: the old .env has no STATIC_DIR and dist\\ is in the working directory"
ok "b. bms.log in $data_win\\logs; the web UI from dist\\ in the program folder (no STATIC_DIR in the old .env)"
stop_service
no_backslash_names
# The same file as Notepad saves it: a byte order mark and CRLF line ends.
printf '\xef\xbb\xbf' >"$env_file"
sed 's/$/\r/' "$repo_root/deploy/tests/fixtures/legacy-windows.env" >>"$env_file"
bms_exe --env-file "$env_win" check-config >"$work/check-b.txt" 2>&1 || { cat "$work/check-b.txt" >&2; fail "check-config rejects the old .env with BOM and CRLF"; }
tr -d '\r' <"$work/check-b.txt" | grep -qxF "DATABASE_PATH=$data_win\\data\\backup_mgmt.db" || { cat "$work/check-b.txt" >&2; fail "DATABASE_PATH misread with BOM and CRLF"; }
ok "b. the old .env with a BOM and CRLF line ends reads the same"

echo "Windows tests passed under $(wine --version): static checks; template .env, legacy .env and db backup --keep with bms.exe"
