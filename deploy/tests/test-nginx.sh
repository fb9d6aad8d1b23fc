#!/usr/bin/env bash
# A real nginx (Debian's package) with the shipped sites (deploy/linux/nginx/), pointed at
# a bms on a temporary database. The HTTPS site (backup-management.conf): the web UI loads
# through nginx, /api/v1/ and /ping/ work through it, the security headers are there,
# hashed assets are immutable, gzip is on, HTTP redirects to HTTPS, /metrics is not
# exposed. The HTTP-only site (backup-management-http.conf, HTTP_ONLY=1), which shares the
# locations snippet: the same UI and API over plain HTTP, no redirect. docker/nginx.conf
# must be valid with the same snippets. Only ports, paths and the certificate (self-signed
# here, as the installer generates it) are substituted in the shipped files; the snippets
# are used as they are (snippets/ next to the test's nginx.conf is deploy/linux/nginx/).
#
#   BMS_BINARY=target/debug/bms deploy/tests/test-nginx.sh
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=deploy/tests/lib.sh
. "$repo_root/deploy/tests/lib.sh"
BMS_BINARY=$(realpath "${BMS_BINARY:-$repo_root/target/debug/bms}")
DIST=$(realpath "${BMS_DIST:-$repo_root/dist}")
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    for log in "$work"/error*.log; do [ -f "$log" ] && tail -5 "$log" >&2; done
    exit 1
}
json() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

http_port=$(free_port)
https_port=$(free_port)
plain_port=$(free_port)
bms_port=$(free_port)
base="https://127.0.0.1:$https_port"
plain="http://127.0.0.1:$plain_port"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=bms.test.example \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

shipped="$repo_root/deploy/linux/nginx"
# Relative includes are resolved against the directory of the configuration file.
ln -s "$shipped" "$work/snippets"
sed -e "s|listen 80;|listen 127.0.0.1:$http_port;|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$https_port ssl http2;|" \
    -e '/listen \[::\]/d' \
    -e "s|server 127.0.0.1:5000;|server 127.0.0.1:$bms_port;|" \
    -e "s|/etc/ssl/certs/backup-management-selfsigned.pem|$work/cert.pem|" \
    -e "s|/etc/ssl/private/backup-management-selfsigned.key|$work/key.pem|" \
    -e "s|root /opt/backup-management-system/dist;|root $DIST;|" \
    "$shipped/backup-management.conf" >"$work/site.conf"
sed -e "s|listen 80;|listen 127.0.0.1:$plain_port;|" \
    -e '/listen \[::\]/d' \
    -e "s|server 127.0.0.1:5000;|server 127.0.0.1:$bms_port;|" \
    -e "s|root /opt/backup-management-system/dist;|root $DIST;|" \
    "$shipped/backup-management-http.conf" >"$work/http-site.conf"
# The container variant; `bms` is the compose service name, resolved by Docker's DNS, so it
# is pointed at localhost here.
sed -e "s|server bms:5000;|server 127.0.0.1:$bms_port;|" \
    -e "s|listen 80;|listen 127.0.0.1:$plain_port;|" \
    -e "s|root /usr/share/nginx/html;|root $DIST;|" \
    "$repo_root/docker/nginx.conf" >"$work/docker-site.conf"
for name in site http-site docker-site; do
    grep -q "127.0.0.1:$bms_port" "$work/$name.conf" || fail "$name: the upstream line was not found"
done
grep -q "$work/cert.pem" "$work/site.conf" || fail "the certificate line was not found in backup-management.conf"
! grep -q 'ssl' "$work/http-site.conf" || fail "the HTTP-only site has TLS settings"

mkdir -p "$work/tmp"
# nginx's workers (user nobody) buffer large request bodies (evidence uploads) in
# $work/tmp/body: they must be able to reach it through the private mktemp directory.
chmod 711 "$work"
# nginx_conf NAME SITE: a main configuration for one site, with its own pid and logs.
nginx_conf() {
    cat >"$work/nginx-$1.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx-$1.pid;
error_log $work/error-$1.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $work/access-$1.log;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    include $work/$2;
}
CONF
}
nginx_conf https site.conf
nginx_conf http http-site.conf
nginx_conf docker docker-site.conf
"$NGINX" -t -q -p "$work" -c "$work/nginx-https.conf" || fail "nginx -t rejected backup-management.conf"
echo "nginx -t: backup-management.conf (HTTPS) is valid"
"$NGINX" -t -q -p "$work" -c "$work/nginx-http.conf" || fail "nginx -t rejected backup-management-http.conf"
echo "nginx -t: backup-management-http.conf (HTTP only) is valid"
"$NGINX" -t -q -p "$work" -c "$work/nginx-docker.conf" || fail "nginx -t rejected docker/nginx.conf"
echo "nginx -t: docker/nginx.conf is valid"

(cd "$work" && SECRET_KEY=nginx-test-secret-key-0123456789abcdef DATABASE_PATH="$work/bms.db" PORT=$bms_port \
    STATIC_DIR='' TRUSTED_PROXIES=127.0.0.1 exec "$BMS_BINARY" serve 2>"$work/bms.log") &
pids+=($!)
"$NGINX" -p "$work" -c "$work/nginx-https.conf" &
pids+=($!)
"$NGINX" -p "$work" -c "$work/nginx-http.conf" &
pids+=($!)
for _ in $(seq 100); do
    grep -q "listening on" "$work/bms.log" 2>/dev/null && [ -f "$work/nginx-https.pid" ] && [ -f "$work/nginx-http.pid" ] && break
    sleep 0.1
done
grep -q "listening on" "$work/bms.log" || fail "bms did not start: $(cat "$work/bms.log")"

c() { curl -sk --max-time 10 "$@"; }
header() { # header URL NAME: the value of a response header
    c -o /dev/null -D - "$1" | tr -d '\r' | awk -v n="$(echo "$2" | tr '[:upper:]' '[:lower:]')" -F': ' 'tolower($1) == n { print $2 }'
}

# HTTP -> HTTPS.
expect_status() { [ "$1" = "$2" ] || fail "$3: status $1, want $2"; }
expect_status "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/jobs")" 301 "HTTP redirect"

# The SPA through nginx: index for client routes, uncached, with the security headers.
index=$(c "$base/jobs/42")
grep -q 'id="bms-boot"' <<<"$index" || fail "client route did not get index.html"
[ "$(header "$base/jobs/42" Cache-Control)" = "no-cache" ] || fail "index.html must be no-cache"
for name in Strict-Transport-Security X-Content-Type-Options X-Frame-Options Referrer-Policy Content-Security-Policy; do
    [ -n "$(header "$base/" "$name")" ] || fail "missing $name on the SPA"
done
header "$base/" Content-Security-Policy | grep -q "script-src 'self' 'wasm-unsafe-eval'" || fail "CSP does not allow the WASM"
wasm=$(grep -o 'data-wasm="[^"]*"' <<<"$index" | cut -d'"' -f2)
[ "$(header "$base$wasm" Cache-Control)" = "public, max-age=31536000, immutable" ] || fail "hashed asset not immutable"
[ "$(header "$base$wasm" Content-Type)" = "application/wasm" ] || fail "wrong WASM content type"
[ -n "$(header "$base$wasm" X-Content-Type-Options)" ] || fail "security headers missing on assets"
gz=$(c -o /dev/null -D - -H 'Accept-Encoding: gzip' "$base$wasm" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-encoding" { print $2 }')
[ "$gz" = "gzip" ] || fail "WASM not gzipped"
expect_status "$(c -o /dev/null -w '%{http_code}' "$base/missing-0123456789abcdef.js")" 404 "missing hashed asset"

# The API and health checks through nginx, with bms's own envelope and headers.
expect_status "$(c -o /dev/null -w '%{http_code}' "$base/health")" 200 "/health"
[ "$(c "$base/health" | json "['status']")" = "ok" ] || fail "/health body"
expect_status "$(c -o /dev/null -w '%{http_code}' "$base/metrics")" 404 "/metrics must not be exposed"
unknown=$(c "$base/api/v1/no-such-route")
[ "$(json "['error']['code']" <<<"$unknown")" = "not_found" ] || fail "unknown API route: $unknown"

# A whole flow through nginx: first login, password change, a job, a ping, the result.
password=$(grep -oE 'password: [A-Za-z0-9]+' "$work/bms.log" | head -1 | cut -d' ' -f2)
login=$(c -H 'Content-Type: application/json' -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$base/api/v1/auth/login")
token=$(json "['access_token']" <<<"$login")
new_password='Nginx-Proxied-Passphrase-2026'
changed=$(c -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
    -d "{\"current_password\":\"$password\",\"new_password\":\"$new_password\"}" "$base/api/v1/auth/change-password")
token=$(json "['access_token']" <<<"$changed")
job=$(c -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
    -d '{"name":"through nginx","job_type":"file","backup_tool":"rsync"}' "$base/api/v1/jobs")
job_id=$(json "['id']" <<<"$job")
ping_token=$(json "['ping_token']" <<<"$job")
[ "$(c -X POST --data 'rsync done' "$base/ping/$ping_token")" = "OK" ] || fail "ping through nginx"
runs=$(c -H "Authorization: Bearer $token" "$base/api/v1/executions?job_id=$job_id")
[ "$(json "['meta']['total']" <<<"$runs")" = "1" ] || fail "the ping result is not stored: $runs"
[ "$(json "['data'][0]['log']" <<<"$runs")" = "rsync done" ] || fail "the ping body is not the log"
# Body limits: 2 MB for results, 21 MB for restore-test evidence files.
head -c 5000000 /dev/zero | tr '\0' 'a' >"$work/evidence.log"
test_run=$(c -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
    -d "{\"job_id\":$job_id,\"test_type\":\"file_restore\",\"result\":\"passed\"}" "$base/api/v1/restore-tests")
test_id=$(json "['id']" <<<"$test_run")
attached=$(c -H "Authorization: Bearer $token" --data-binary @"$work/evidence.log" \
    "$base/api/v1/restore-tests/$test_id/attachments?filename=evidence.log")
[ "$(json "['size_bytes']" <<<"$attached")" = "5000000" ] || fail "a 5 MB evidence file did not pass nginx: $attached"
expect_status "$(c -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$work/evidence.log" "$base/api/v1/executions")" 413 "a 5 MB result body"
# The audit log records the real client address, passed on by nginx (a trusted proxy).
audit=$(c -H "Authorization: Bearer $token" "$base/api/v1/audit-log?action=job.create")
[ "$(json "['data'][0]['client_ip']" <<<"$audit")" = "127.0.0.1" ] || fail "client IP not forwarded: $audit"

# The HTTP-only site: the same UI and API over plain HTTP, no redirect.
plain_index=$(curl -s --max-time 10 "$plain/jobs/42")
grep -q 'id="bms-boot"' <<<"$plain_index" || fail "HTTP-only site: client route did not get index.html"
[ "$(header "$plain/" Cache-Control)" = "no-cache" ] || fail "HTTP-only site: index.html must be no-cache"
[ -n "$(header "$plain/" Content-Security-Policy)" ] || fail "HTTP-only site: no security headers"
[ "$(header "$plain$wasm" Cache-Control)" = "public, max-age=31536000, immutable" ] || fail "HTTP-only site: hashed asset not immutable"
expect_status "$(curl -s -o /dev/null -w '%{http_code}' "$plain/health")" 200 "HTTP-only site: /health"
expect_status "$(curl -s -o /dev/null -w '%{http_code}' "$plain/metrics")" 404 "HTTP-only site: /metrics must not be exposed"
plain_runs=$(curl -s --max-time 10 -H "Authorization: Bearer $token" "$plain/api/v1/executions?job_id=$job_id")
[ "$(json "['meta']['total']" <<<"$plain_runs")" = "1" ] || fail "HTTP-only site: the API: $plain_runs"
echo "nginx test passed"
