#!/usr/bin/env bash
# The bms benchmark, one command: seeds 10,000 jobs with 3 copies each and 1,000,000
# executions, serves the database with the release `bms` binary, and loads it over HTTP
# with wrk (32 connections by default): durable single-result ingest, batch ingest, the
# dashboard summary and a 50-row job list. Figures: docs/BENCHMARKS.md.
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

if ! command -v wrk >/dev/null 2>&1; then
    echo "==> installing wrk (Debian package)"
    apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

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

run() {
    local name=$1 script=$2 items=$3
    local out
    out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "scripts/bench/$script" "$base")
    local rps p50 p99 non2xx
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
    printf '%-26s %10s req/s %12s items/s   p50 %9s   p99 %9s   non-2xx %s\n' \
        "$name" "$rps" "$(python3 -c "print(round($rps * $items))")" "$p50" "$p99" "${non2xx:-0}"
}

warm() { wrk -t2 -c"$connections" -d"$1" -s "scripts/bench/$2" "$base" >/dev/null; }

echo "==> $connections connections, ${seconds}s per scenario after a warm-up (server and wrk share this machine: $(nproc) cores)"
# Warm-ups fault in the pages each scenario touches; the figures are the steady state.
warm 3s summary.lua
run "dashboard summary" summary.lua 1
warm 3s list.lua
run "job list (50 rows)" list.lua 1
warm 5s ingest.lua
run "ingest single (durable)" ingest.lua 1
run "ingest batch of 100" batch.lua 100
echo "==> database after the run: $(du -h "$work/bms.db" | cut -f1) (+ WAL $(du -h "$work/bms.db-wal" 2>/dev/null | cut -f1))"
