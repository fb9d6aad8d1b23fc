#!/usr/bin/env bash
# The alerting benchmark (docs/BENCHMARKS.md), with the release binary and real peers:
#  1. latency: a failed run reported through the API -> the e-mail accepted by a local SMTP
#     server (aiosmtpd, STARTTLS + AUTH, as in the tests), group window 0, N times: p50/p90/max
#     from the ingest's 2xx answer to the SMTP server's receipt;
#  2. storm: 10,000 seeded jobs all fail within 10 s (wrk, 32 connections) with the default
#     30 s group window; the webhook receiver counts the messages, the database the alerts,
#     and the storm's ingest throughput is compared with normal durable ingest on the same
#     database just before it.
# Usage: scripts/bench-alerts.sh [latency runs]   Environment: BENCH_JOBS, BENCH_EXECUTIONS
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-50}
jobs=${BENCH_JOBS:-10000}
executions=${BENCH_EXECUTIONS:-1000000}
connections=32
for tool in wrk sqlite3 openssl; do
    command -v "$tool" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$tool" >/dev/null; }
done
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'aiosmtpd==1.4.6'

cargo build --release --bin bms --example bench
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
secret="benchmark-secret-key-0123456789abcdef"
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }
wait_ready() { for _ in $(seq 1 150); do curl -fs "$1/ready" >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }
login() {
    curl -fs -X POST "$1/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"username\":\"admin\",\"password\":\"$2\"}" | json_field access_token
}
api() { curl -fs -X "$1" "$base$2" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' ${3:+-d "$3"}; }

echo "==> 1. latency: failed run -> e-mail accepted ($runs runs, group window 0)"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -addext basicConstraints=critical,CA:FALSE -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
mkdir -p "$work/mail"
python3 crates/server/tests/fixtures/smtp_server.py 5125 "$work/cert.pem" "$work/key.pem" bms@example.com smtp-pass "$work/mail" >/dev/null 2>&1 &
pids+=($!)
export DATABASE_PATH="$work/latency.db" SECRET_KEY="$secret" RUST_LOG=warn
printf 'Latency-Pass-Word-1\n' | target/release/bms create-admin --username admin --email admin@example.com --password-stdin >/dev/null
MAIL_SERVER=127.0.0.1 MAIL_PORT=5125 MAIL_USERNAME=bms@example.com MAIL_PASSWORD=smtp-pass MAIL_CA_FILE="$work/cert.pem" \
    PORT=5098 target/release/bms serve >"$work/latency.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:5098"
wait_ready "$base"
token=$(login "$base" Latency-Pass-Word-1)
# The MAIL_* default route, with its group window and interval set to 0.
api PUT /api/v1/notifications/routes/1 \
    '{"name":"default","severities":["critical","warning"],"channel_ids":[1],"notify_staff":true,"group_wait_seconds":0,"group_interval_seconds":0}' >/dev/null
python3 scripts/bench/alert_latency.py "$base" "$token" "$work/mail" "$runs"
unset DATABASE_PATH

echo "==> 2. storm: $jobs jobs fail within 10 s, default 30 s group window"
BENCH_DB="$work/bms.db" target/release/examples/bench --seed-only --jobs "$jobs" --executions "$executions" | grep -v password
python3 scripts/bench/receiver.py 5126 "$work/messages.log" &
pids+=($!)
DATABASE_PATH="$work/bms.db" PORT=5099 STATE_EVALUATION_SECONDS=3600 target/release/bms serve >"$work/server.log" 2>&1 &
pids+=($!)
base="http://127.0.0.1:5099"
wait_ready "$base"
token=$(login "$base" Benchmark-Pass-Word-1)
BENCH_INGEST_KEY=$(api POST /api/v1/api-keys '{"name":"bench","scopes":["ingest"]}' | json_field key)
export BENCH_INGEST_KEY BENCH_JOBS="$jobs"
channel=$(api POST /api/v1/notifications/channels '{"name":"storm","kind":"webhook","url":"http://127.0.0.1:5126/hook"}' | json_field id)
api POST /api/v1/notifications/routes "{\"name\":\"everything\",\"channel_ids\":[$channel]}" >/dev/null
sleep 5 # the start-up sweep of every job
open_before=$(sqlite3 -cmd '.timeout 10000' "$work/bms.db" "SELECT count(*) FROM alerts WHERE status <> 'resolved';")
rate() { awk '/Requests\/sec/ {print $2}'; }
BENCH_RUN_TAG="warm-$$" wrk -t2 -c"$connections" -d5s -s scripts/bench/ingest.lua "$base" >/dev/null
normal=$(BENCH_RUN_TAG="normal-$$" wrk -t2 -c"$connections" -d10s -s scripts/bench/ingest.lua "$base" | rate)
sleep 2
storm_started=$(date +%s)
storm=$(BENCH_RUN_TAG="storm-$$" wrk -t2 -c"$connections" -d10s -s scripts/bench/storm.lua "$base" | rate)
# Wait until every queued notification has gone out (or two minutes).
for _ in $(seq 1 120); do
    sleep 1
    waiting=$(sqlite3 -cmd '.timeout 10000' "$work/bms.db" "SELECT count(*) FROM notification_queue WHERE batched_at IS NULL;")
    pending=$(sqlite3 -cmd '.timeout 10000' "$work/bms.db" "SELECT count(*) FROM deliveries WHERE status IN ('pending','retrying');")
    [[ $waiting == 0 && $pending == 0 && -s "$work/messages.log" ]] && break
done
failing_jobs=$(sqlite3 -cmd '.timeout 10000' "$work/bms.db" "SELECT count(DISTINCT job_id) FROM alerts WHERE rule_kind = 'run_failed' AND status <> 'resolved';")
open_after=$(sqlite3 -cmd '.timeout 10000' "$work/bms.db" "SELECT count(*) FROM alerts WHERE status <> 'resolved';")
messages=$(wc -l <"$work/messages.log")
by_rule=$(sqlite3 -cmd '.timeout 10000' "$work/bms.db" "SELECT rule_kind || ' ' || count(*) FROM alerts WHERE status <> 'resolved' GROUP BY rule_kind;" | tr '\n' ',')
echo "ingest single (durable), normal: $normal req/s; during the storm (all failed): $storm req/s ($(python3 -c "print(f'{($storm / $normal - 1) * 100:+.1f} %')"))"
echo "jobs with an open run_failed alert: $failing_jobs of $jobs; open alerts before $open_before, after $open_after"
echo "open alerts by rule: $by_rule"
echo "messages to the route: $messages (alerts per message: $(awk '{printf "%s ", $2}' "$work/messages.log"))"
echo "first message $(awk -v s="$storm_started" 'NR == 1 {printf "%.1f", $1 - s}' "$work/messages.log") s after the storm started"
