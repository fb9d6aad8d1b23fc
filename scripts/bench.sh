#!/usr/bin/env bash
# The bms benchmark, one command: seeds 10,000 jobs with 3 copies each and 1,000,000
# executions, serves the database with the release `bms` binary, and loads it over HTTP
# with wrk (32 connections by default): durable single-result ingest, batch ingest, the
# dashboard summary and a 50-row job list. Figures: docs/BENCHMARKS.md.
#
# The ingest figures count only if every 2xx answer stored a new row: after each ingest
# scenario the rows the database gained are compared with the 2xx answers wrk reported (times
# the items per request); the script fails when they differ by more than the requests that
# can still have been in flight when wrk stopped.
#
# Usage: scripts/bench.sh [connections] [seconds]
# Environment: BENCH_JOBS, BENCH_EXECUTIONS (data size), BENCH_DASHBOARD_CACHE (seconds, default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

connections=${1:-32}
seconds=${2:-10}
jobs=${BENCH_JOBS:-10000}
executions=${BENCH_EXECUTIONS:-1000000}
port=${BENCH_PORT:-5099}

for tool in wrk sqlite3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "==> installing $tool (Debian package)"
        apt-get install -y "$tool" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$tool" >/dev/null; }
    fi
done

cargo build --release --bin bms --example bench
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "==> seeding $jobs jobs and $executions executions"
BENCH_DB="$work/bms.db" target/release/examples/bench --seed-only --jobs "$jobs" --executions "$executions" | grep -v password

DATABASE_PATH="$work/bms.db" PORT="$port" SECRET_KEY="benchmark-secret-key-0123456789abcdef" RUST_LOG=warn \
    STATE_EVALUATION_SECONDS=3600 DASHBOARD_CACHE_SECONDS="${BENCH_DASHBOARD_CACHE:-1}" target/release/bms serve >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -fs "$base/ready" >/dev/null 2>&1 && break; sleep 0.2; done

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
token=$(curl -fs -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"Benchmark-Pass-Word-1"}' | json_field access_token)
new_key() {
    curl -fs -X POST "$base/api/v1/api-keys" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"name\":\"bench $1\",\"scopes\":[\"$1\"]}" | json_field key
}
BENCH_INGEST_KEY=$(new_key ingest)
BENCH_READ_KEY=$(new_key read)
export BENCH_INGEST_KEY BENCH_READ_KEY BENCH_JOBS="$jobs"

# Let the start-up evaluation sweep of every job finish before measuring.
sleep 5

# Each wrk run gets its own tag: the Lua counters restart with every run, and the ingest
# scripts put the tag into every external_id so that no run replays an earlier one.
run_number=0
next_tag() { run_number=$((run_number + 1)); echo "$(date +%s)-$$-$run_number"; }

stored_rows() { sqlite3 -cmd '.timeout 10000' "$work/bms.db" 'SELECT count(*) FROM executions;'; }
failed_checks=0

# run NAME SCRIPT ITEMS_PER_REQUEST [rows]: with `rows`, also checks that the 2xx answers
# stored as many new rows.
run() {
    local name=$1 script=$2 items=$3 check=${4:-}
    local out before=0
    # Requests a previous run (or warm-up) left in flight finish within a moment; count
    # the rows only after they have, so they are not charged to this run.
    if [[ $check == rows ]]; then sleep 1; before=$(stored_rows); fi
    out=$(BENCH_RUN_TAG=$(next_tag) wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "scripts/bench/$script" "$base")
    local rps p50 p99 non2xx
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    printf '%-26s %10s req/s %12s items/s   p50 %9s   p99 %9s   non-2xx %s\n' \
        "$name" "$rps" "$(python3 -c "print(round($rps * $items))")" "$p50" "$p99" "${non2xx:-0}"
    [[ $check == rows ]] || return 0

    # wrk counts a response as an error only from status 400 up; the API answers no 3xx.
    local requests socket_errors answered stored slack
    requests=$(awk '/ requests in / {print $1}' <<<"$out")
    socket_errors=$(awk '/Socket errors/ {
        for (i = 1; i < NF; i++) if ($i == "read" || $i == "write" || $i == "timeout") n += $(i + 1)
        print n + 0 }' <<<"$out")
    answered=$(( (requests - ${non2xx:-0}) * items ))
    sleep 1
    stored=$(( $(stored_rows) - before ))
    # Requests still in flight when wrk stops (at most one per connection) or cut off by a
    # socket error may have been stored without wrk counting their answer.
    slack=$(( (connections + ${socket_errors:-0}) * items ))
    printf '%-26s rows stored %d, 2xx answers x %d items %d (up to %d more may have been in flight)\n' \
        "" "$stored" "$items" "$answered" "$slack"
    if (( stored < answered )); then
        echo "FAIL: $name: $((answered - stored)) results answered 2xx stored no new row (idempotent replays?)" >&2
        failed_checks=$((failed_checks + 1))
    elif (( stored > answered + slack )); then
        echo "FAIL: $name: $((stored - answered)) more rows than 2xx answers, more than could be in flight" >&2
        failed_checks=$((failed_checks + 1))
    fi
}

warm() { BENCH_RUN_TAG=$(next_tag) wrk -t2 -c"$connections" -d"$1" -s "scripts/bench/$2" "$base" >/dev/null; }

echo "==> $connections connections, ${seconds}s per scenario after a warm-up (server and wrk share this machine: $(nproc) cores)"
# Warm-ups fault in the pages each scenario touches; the figures are the steady state.
warm 3s summary.lua
run "dashboard summary" summary.lua 1
warm 3s list.lua
run "job list (50 rows)" list.lua 1
warm 5s ingest.lua
run "ingest single (durable)" ingest.lua 1 rows
run "ingest batch of 100" batch.lua 100 rows
echo "==> database after the run: $(du -h "$work/bms.db" | cut -f1) (+ WAL $(du -h "$work/bms.db-wal" 2>/dev/null | cut -f1))"
if (( failed_checks > 0 )); then
    echo "==> $failed_checks ingest scenario(s) did not store one new row per 2xx answer: their figures do not count" >&2
    exit 1
fi
