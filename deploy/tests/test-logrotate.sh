#!/usr/bin/env bash
# Debian's logrotate with the shipped /etc/logrotate.d/backup-mgmt rule
# (deploy/linux/backup-mgmt.logrotate), forced once against a running bms that logs to
# LOG_DIR: the file is rotated, the new one is created 0640, the SIGHUP of postrotate makes
# bms reopen bms.log, and new lines go to the new file. Substituted for the test: the log
# directory, the owner (the test has no backup-mgmt user nor, maybe, an adm group) and the
# `systemctl reload backup-management.service` call (no systemd here; the unit's
# ExecReload is `kill -HUP $MAINPID`), which becomes a kill -HUP of the same process.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=deploy/tests/lib.sh
. "$repo_root/deploy/tests/lib.sh"
BMS_BINARY=$(realpath "${BMS_BINARY:-$repo_root/target/debug/bms}")
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
port=$(free_port)

(cd "$work" && SECRET_KEY=logrotate-test-secret-key-0123456789ab PORT=$port LOG_DIR="$work/logs" STATIC_DIR='' \
    exec "$BMS_BINARY" serve 2>/dev/null) &
pid=$!
for _ in $(seq 100); do
    grep -q "listening on" "$work/logs/bms.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "listening on" "$work/logs/bms.log" || fail "bms did not start"

sed -e "s|/var/log/backup-mgmt/\*.log|$work/logs/*.log|" \
    -e "s|create 0640 backup-mgmt adm|create 0640 $(id -un) $(id -gn)|" \
    -e "s|systemctl reload backup-management.service|kill -HUP $pid|" \
    "$repo_root/deploy/linux/backup-mgmt.logrotate" >"$work/logrotate.conf"
grep -q "kill -HUP $pid" "$work/logrotate.conf" || fail "the postrotate line was not found in backup-mgmt.logrotate"
grep -q "create 0640 $(id -un) $(id -gn)" "$work/logrotate.conf" || fail "the create line was not found in backup-mgmt.logrotate"
# shellcheck disable=SC2016 # a literal $MAINPID
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$repo_root/deploy/linux/backup-management.service" \
    || fail "backup-management.service does not reload with SIGHUP"
logrotate -f -s "$work/state" "$work/logrotate.conf"
[ -f "$work/logs/bms.log.1" ] || fail "bms.log was not rotated"
[ "$(stat -c %a "$work/logs/bms.log")" = 640 ] || fail "the new bms.log is not 0640"
for _ in $(seq 50); do
    curl -s "http://127.0.0.1:$port/health" >/dev/null
    grep -q "GET /health" "$work/logs/bms.log" 2>/dev/null && break
    sleep 0.1
done
grep -q "reopened the log file" "$work/logs/bms.log" || fail "bms did not reopen its log after SIGHUP"
grep -q "GET /health" "$work/logs/bms.log" || fail "new lines do not reach the new bms.log"
! grep -q "GET /health" "$work/logs/bms.log.1" || fail "bms kept writing to the rotated file"
echo "logrotate test passed"
