#!/usr/bin/env bash
# Runs deploy/linux/install.sh into throwaway roots (DESTDIR) seeded with minimal
# /etc/passwd and /etc/group (with an adm group), and checks:
#  - the tree under the old guide's names, with its modes and owners (log directory
#    backup-mgmt:adm 2750), the generated .env (valid for bms check-config, also through
#    bms-ctl), the self-signed certificate (key 0600, matching, named SERVER_NAME), a
#    site that the real nginx accepts (NGINX_TEST), no database created;
#  - a second run changes nothing; an existing .env and database are never touched;
#  - the three units pass systemd-analyze verify, the main one's security exposure is at
#    most 2.5, the nightly backup runs `bms db backup --dir ... --keep 14` (and that very
#    command line works);
#  - DISABLE_DEFAULT_SITE=1 removes sites-enabled/default (kept without it); a failing
#    NGINX_TEST (the real nginx on a broken configuration) makes the installer exit
#    non-zero with nginx's message;
#  - uninstall keeps the configuration and data unless --purge;
#  - HTTP_ONLY=1 gives a site without TLS and no certificate (and the real nginx accepts
#    it); a later run without it switches to HTTPS;
#  - upgrading from the previous bms layout: bms.env copied to .env (original kept), its
#    unit, site, snippets and logrotate file removed, certbot's certificate carried over,
#    its 0600 log files made 0640 group adm;
#  - an old guide's .env (Flask variables) is kept byte for byte and bms accepts it;
#  - without an adm group the service's group is used.
# Needs root (CI runs as root), nginx and openssl.
#
#   BMS_BINARY=target/debug/bms deploy/tests/test-install.sh
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BMS_BINARY=$(realpath "${BMS_BINARY:-$repo_root/target/debug/bms}")
export BMS_BINARY
export BMS_DIST=${BMS_DIST:-$repo_root/dist}
export SERVER_NAME=bms.test.example
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
install_sh=$repo_root/deploy/linux/install.sh
uninstall_sh=$repo_root/deploy/linux/uninstall.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset HTTP_ONLY DISABLE_DEFAULT_SITE OPEN_FIREWALL NGINX_TEST NO_START

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
expect() { # expect DESCRIPTION ACTUAL WANTED
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

APP=/opt/backup-management-system
SITE=/etc/nginx/sites-available/backup-management
CERT=/etc/ssl/certs/backup-management-selfsigned.pem
KEY=/etc/ssl/private/backup-management-selfsigned.key
UNITS=(backup-management.service backup-management-backup.service backup-management-backup.timer)
BACKUP_EXEC="ExecStart=$APP/bin/bms db backup --dir /var/lib/backup-mgmt/backups --keep 14"

# new_root NAME [--no-adm]: an empty root with the files useradd needs; sets $root.
new_root() {
    root=$tmp/$1
    mkdir -p "$root/etc" "$root/usr/sbin"
    printf 'root:x:0:0:root:/root:/bin/bash\n' >"$root/etc/passwd"
    printf 'root:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
    if [ "${2:-}" = --no-adm ]; then
        printf 'root:x:0:\n' >"$root/etc/group"
        printf 'root:*::\n' >"$root/etc/gshadow"
    else
        printf 'root:x:0:\nadm:x:4:\n' >"$root/etc/group"
        printf 'root:*::\nadm:*::\n' >"$root/etc/gshadow"
    fi
    cp /etc/login.defs "$root/etc/login.defs"
    touch "$root/usr/sbin/nologin" && chmod 0755 "$root/usr/sbin/nologin"
}
# install_into [VAR=VALUE...]: runs the installer into $root (output in $tmp/install.log).
install_into() {
    env DESTDIR="$root" "$@" bash "$install_sh" >"$tmp/install.log" 2>&1 \
        || { cat "$tmp/install.log" >&2; fail "install.sh failed ($*)"; }
}
absent() { # absent DESCRIPTION PATH...: fails when one of the paths (under $root) exists
    local what=$1 path
    shift
    for path; do
        if [ -e "$root$path" ] || [ -L "$root$path" ]; then fail "$what: $path exists"; fi
    done
}
check() { # check PATH MODE OWNER:GROUP
    [ -e "$root$1" ] || fail "missing $1"
    expect "mode/owner of $1" "$(stat -c '%a %u:%g' "$root$1")" "$2 $3"
}
snapshot() {
    (cd "$root" && find . -printf '%p %y %m %U:%G %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
same_tree() { # same_tree DESCRIPTION BEFORE: fails when the tree differs from BEFORE
    local after
    after=$(snapshot)
    [ "$1" = "$after" ] || fail "$2 changed the tree: $(diff <(echo "$1") <(echo "$after") | head -8)"
}
# The real nginx on the site installed in $root: the snippets are found relative to the
# test configuration (snippets/ next to it), the certificate paths are mapped into $root.
cat >"$tmp/nginx-check.sh" <<'SH'
set -eu
root=$1 dir=$2
mkdir -p "$dir/tmp"
ln -sfn "$root/etc/nginx/snippets" "$dir/snippets"
sed -e "s|/etc/ssl/|$root/etc/ssl/|g" -e "s|/etc/letsencrypt/|$root/etc/letsencrypt/|g" \
    "$root/etc/nginx/sites-available/backup-management" >"$dir/site.conf"
cat >"$dir/nginx.conf" <<CONF
pid $dir/nginx.pid;
error_log stderr;
events { worker_connections 16; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    include $dir/site.conf;
}
CONF
exec "$NGINX" -t -q -e stderr -p "$dir" -c "$dir/nginx.conf"
SH
nginx_check() { # nginx_check NAME: an NGINX_TEST command for $root
    mkdir -p "$tmp/nginx-$1"
    echo "NGINX=$NGINX bash $tmp/nginx-check.sh $root $tmp/nginx-$1"
}

# ---- A fresh install (HTTPS, the default), checked by the real nginx -t. ----
new_root main
mkdir -p "$root/etc/nginx/sites-available" "$root/etc/nginx/sites-enabled"
echo "server { listen 80 default_server; }" >"$root/etc/nginx/sites-available/default"
ln -s /etc/nginx/sites-available/default "$root/etc/nginx/sites-enabled/default"
main_check=$(nginx_check main)
install_into NGINX_TEST="$main_check"
grep -q "the nginx configuration is valid" "$tmp/install.log" || fail "NGINX_TEST was not run: $(cat "$tmp/install.log")"

# The user: a system account without a login shell.
entry=$(grep '^backup-mgmt:' "$root/etc/passwd") || fail "no backup-mgmt user"
uid=$(cut -d: -f3 <<<"$entry")
gid=$(cut -d: -f4 <<<"$entry")
[ "$uid" -lt 1000 ] || fail "backup-mgmt is not a system user (uid $uid)"
expect "login shell" "$(cut -d: -f7 <<<"$entry")" /usr/sbin/nologin
expect "home" "$(cut -d: -f6 <<<"$entry")" /var/lib/backup-mgmt

# The tree, modes and owners.
check $APP 755 0:0
check $APP/bin/bms 755 0:0
check $APP/bin/bms-ctl 755 0:0
check $APP/dist/index.html 644 0:0
check $APP/.env 600 "$uid:$gid"
check /var/lib/backup-mgmt 750 "$uid:$gid"
check /var/lib/backup-mgmt/backups 750 "$uid:$gid"
check /var/log/backup-mgmt 2750 "$uid:4"
for unit in "${UNITS[@]}"; do check "/etc/systemd/system/$unit" 644 0:0; done
check $SITE 644 0:0
for snippet in locations proxy security-headers; do
    check "/etc/nginx/snippets/backup-management-$snippet.conf" 644 0:0
done
check /etc/logrotate.d/backup-mgmt 644 0:0
check $CERT 644 0:0
check $KEY 600 0:0
expect "sites-enabled link" "$(readlink "$root/etc/nginx/sites-enabled/backup-management")" $SITE
[ -L "$root/etc/nginx/sites-enabled/default" ] || fail "the default site was removed without DISABLE_DEFAULT_SITE"
absent "the previous layout's directory was created" /etc/backup-mgmt
cmp -s "$BMS_BINARY" "$root$APP/bin/bms" || fail "binary differs"
cmp -s "$repo_root/deploy/linux/bms-ctl" "$root$APP/bin/bms-ctl" || fail "bms-ctl differs"
diff -r "$BMS_DIST" "$root$APP/dist" >/dev/null || fail "web UI differs from dist/"
for unit in "${UNITS[@]}"; do
    cmp -s "$repo_root/deploy/linux/$unit" "$root/etc/systemd/system/$unit" || fail "$unit differs from deploy/linux/"
done
grep -qx "$BACKUP_EXEC" "$root/etc/systemd/system/backup-management-backup.service" \
    || fail "the nightly backup does not run '$BACKUP_EXEC'"
grep -q -- '--keep' "$root/etc/systemd/system/backup-management-backup.service" || fail "no --keep"
grep -qx 'OnCalendar=\*-\*-\* 02:30:00' "$root/etc/systemd/system/backup-management-backup.timer" || fail "timer not at 02:30"
grep -qx 'Persistent=true' "$root/etc/systemd/system/backup-management-backup.timer" || fail "timer not persistent"
grep -q 'create 0640 backup-mgmt adm' "$root/etc/logrotate.d/backup-mgmt" || fail "logrotate: not create 0640 backup-mgmt adm"
grep -q 'systemctl reload backup-management.service' "$root/etc/logrotate.d/backup-mgmt" || fail "logrotate: no reload"
site=$root$SITE
grep -q 'server_name bms.test.example;' "$site" || fail "server_name not set"
grep -q "ssl_certificate $CERT;" "$site" || fail "the site does not use the self-signed certificate"
grep -q "ssl_certificate_key $KEY;" "$site" || fail "the site does not use the self-signed key"
expect "server blocks including the locations snippet" \
    "$(grep -c 'include snippets/backup-management-locations.conf;' "$site")" 1
# The certificate: for SERVER_NAME, and the key is its key.
openssl x509 -in "$root$CERT" -noout -subject | grep -q 'CN *= *bms.test.example' || fail "certificate subject"
openssl x509 -in "$root$CERT" -noout -ext subjectAltName | grep -q 'DNS:bms.test.example' || fail "certificate SAN"
expect "key matches the certificate" "$(openssl pkey -in "$root$KEY" -pubout | sha256sum)" \
    "$(openssl x509 -in "$root$CERT" -noout -pubkey | sha256sum)"
# The .env: generated, pointing at the old guide's database path, valid for bms itself
# (read through BMS_ENV_FILE as the unit does, and through bms-ctl).
env_file=$root$APP/.env
grep -Eq '^SECRET_KEY=[0-9a-f]{64}$' "$env_file" || fail "no generated SECRET_KEY"
grep -qx 'DATABASE_PATH=/var/lib/backup-mgmt/backup_mgmt.db' "$env_file" || fail "DATABASE_PATH is not the old guide's"
grep -qx 'LOG_DIR=/var/log/backup-mgmt' "$env_file" || fail "LOG_DIR"
absent "the installer must not create the database" /var/lib/backup-mgmt/backup_mgmt.db
(cd "$tmp" && env -i PATH="$PATH" BMS_ENV_FILE="$env_file" "$BMS_BINARY" check-config >"$tmp/check-config.out") \
    || fail "bms check-config rejects the .env: $(cat "$tmp/check-config.out")"
grep -q '^DATABASE_PATH=/var/lib/backup-mgmt/backup_mgmt.db' "$tmp/check-config.out" \
    || fail "bms did not read the .env: $(cat "$tmp/check-config.out")"
sed "s|$APP|$root$APP|g" "$root$APP/bin/bms-ctl" >"$tmp/bms-ctl"
env -i PATH="$PATH" sh "$tmp/bms-ctl" check-config >"$tmp/bms-ctl.out" || fail "bms-ctl check-config failed"
cmp -s "$tmp/check-config.out" "$tmp/bms-ctl.out" || fail "bms-ctl does not read the service's configuration"

# ---- A second run changes nothing (content, modes, owners, links). ----
before=$(snapshot)
install_into NGINX_TEST="$main_check"
same_tree "$before" "a second run"

# ---- Existing configuration and database are never overwritten. ----
echo "# edited by the administrator" >>"$env_file"
env_before=$(sha256sum <"$env_file")
echo "not really a database" >"$root/var/lib/backup-mgmt/backup_mgmt.db"
install_into
expect ".env after reinstall" "$(sha256sum <"$env_file")" "$env_before"
expect "database after reinstall" "$(cat "$root/var/lib/backup-mgmt/backup_mgmt.db")" "not really a database"
check $APP/.env 600 "$uid:$gid"

# ---- The units pass systemd-analyze verify, the main one scores well. verify checks that
# the programs exist, so the copies it reads point into the throwaway root. ----
unit_dir=$tmp/units
mkdir "$unit_dir"
for unit in "${UNITS[@]}"; do
    sed "s|$APP|$root$APP|g" "$root/etc/systemd/system/$unit" >"$unit_dir/$unit"
done
(cd "$unit_dir" && systemd-analyze verify "${UNITS[@]}") || fail "systemd-analyze verify"
score() {
    systemd-analyze security --offline=yes "$unit_dir/$1" 2>/dev/null \
        | grep -oE 'Overall exposure level for [^:]+: [0-9.]+' | awk '{ print $NF }'
}
exposure=$(score backup-management.service)
echo "systemd-analyze security: overall exposure $exposure (backup-management.service)," \
    "$(score backup-management-backup.service) (backup-management-backup.service)"
awk -v e="$exposure" 'BEGIN { exit !(e + 0 <= 2.5) }' || fail "exposure $exposure is above 2.5"

# The nightly backup's command line, run as the unit would (its env file; only the paths
# moved into a scratch directory): it writes one verified bms-backup-*.db.
backup_line=$(grep '^ExecStart=' "$root/etc/systemd/system/backup-management-backup.service")
read -ra backup_cmd <<<"${backup_line#ExecStart=}"
backup_cmd[0]=$BMS_BINARY
for i in "${!backup_cmd[@]}"; do
    [ "${backup_cmd[i]}" = /var/lib/backup-mgmt/backups ] && backup_cmd[i]=$tmp/nightly
done
mkdir "$tmp/nightly"
scratch_env=(env -i PATH="$PATH" BMS_ENV_FILE="$env_file" DATABASE_PATH="$tmp/nightly-db/backup_mgmt.db" LOG_DIR="$tmp/nightly-logs")
mkdir "$tmp/nightly-db"
(cd "$tmp" && "${scratch_env[@]}" "$BMS_BINARY" migrate >/dev/null) || fail "bms migrate on a scratch database"
(cd "$tmp" && "${scratch_env[@]}" "${backup_cmd[@]}" >"$tmp/nightly.out") \
    || fail "the nightly backup's command failed: $(cat "$tmp/nightly.out")"
expect "nightly backup files" "$(find "$tmp/nightly" -name 'bms-backup-*.db' | wc -l)" 1

# ---- DISABLE_DEFAULT_SITE=1 removes nginx's default site (only the enabled link). ----
install_into DISABLE_DEFAULT_SITE=1
absent "DISABLE_DEFAULT_SITE=1" /etc/nginx/sites-enabled/default
[ -f "$root/etc/nginx/sites-available/default" ] || fail "DISABLE_DEFAULT_SITE=1 removed sites-available/default"

# ---- nginx -t failing: a loud non-zero exit with nginx's own message. ----
printf 'events {}\nhttp {\n    this_is_not_a_directive on;\n}\n' >"$tmp/broken.conf"
before=$(snapshot)
status=0
DESTDIR=$root NGINX_TEST="$NGINX -t -c $tmp/broken.conf" bash "$install_sh" >"$tmp/broken.out" 2>"$tmp/broken.err" || status=$?
[ "$status" -ne 0 ] || fail "the installer exited 0 although nginx -t failed"
grep -q 'unknown directive "this_is_not_a_directive"' "$tmp/broken.err" \
    || fail "nginx's message is not shown: $(cat "$tmp/broken.err")"
grep -q 'nginx was NOT reloaded' "$tmp/broken.err" || fail "no explanation on nginx -t failure"
same_tree "$before" "a run with a failing nginx -t"
echo "installer with a failing nginx -t: exit $status, nginx's error shown"

# ---- Uninstall keeps the configuration and data; --purge removes them and the user. ----
bash_uninstall() { DESTDIR=$root bash "$uninstall_sh" "$@" >/dev/null; }
bash_uninstall
absent "after uninstall" $APP/bin $APP/dist $APP/docs "${UNITS[@]/#//etc/systemd/system/}" $SITE \
    /etc/nginx/sites-enabled/backup-management /etc/nginx/snippets/backup-management-locations.conf \
    /etc/logrotate.d/backup-mgmt
[ -e "$root/var/lib/backup-mgmt/backup_mgmt.db" ] || fail "uninstall removed the database"
expect ".env after uninstall" "$(sha256sum <"$env_file")" "$env_before"
bash_uninstall --purge
absent "after uninstall --purge" /var/lib/backup-mgmt /var/log/backup-mgmt $APP $CERT $KEY
! grep -q '^backup-mgmt:' "$root/etc/passwd" || fail "--purge left the user"
echo "fresh install, second run, kept .env and database, units, nginx -t, uninstall: ok"

# ---- HTTP_ONLY=1: a site without TLS, no certificate; later HTTPS. ----
new_root http
install_into HTTP_ONLY=1 NGINX_TEST="$(nginx_check http)"
grep -q "the nginx configuration is valid" "$tmp/install.log" || fail "NGINX_TEST was not run (HTTP_ONLY)"
site=$root$SITE
! grep -Eq 'ssl|443' "$site" || fail "the HTTP-only site has TLS settings: $(grep -E 'ssl|443' "$site")"
grep -q 'listen 80;' "$site" || fail "the HTTP-only site does not listen on 80"
grep -q 'include snippets/backup-management-locations.conf;' "$site" || fail "the HTTP-only site lacks the locations"
grep -q 'server_name bms.test.example;' "$site" || fail "server_name not set (HTTP_ONLY)"
absent "HTTP_ONLY=1 generated a certificate" $CERT $KEY
before=$(snapshot)
install_into HTTP_ONLY=1
same_tree "$before" "a second HTTP_ONLY=1 run"
install_into NGINX_TEST="$(nginx_check http)"
grep -q "ssl_certificate $CERT;" "$site" || fail "a run without HTTP_ONLY did not switch to HTTPS"
check $KEY 600 0:0
echo "HTTP_ONLY=1: ok"

# ---- Upgrade from the previous bms layout. ----
new_root old
useradd --root "$root" --system --user-group --home-dir /var/lib/backup-mgmt --no-create-home \
    --shell /usr/sbin/nologin backup-mgmt
uid=$(awk -F: '$1 == "backup-mgmt" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "backup-mgmt" { print $4 }' "$root/etc/passwd")
mkdir -p "$root/etc/backup-mgmt" "$root/etc/systemd/system/multi-user.target.wants" \
    "$root/etc/nginx/sites-available" "$root/etc/nginx/sites-enabled" "$root/etc/nginx/snippets" \
    "$root/etc/logrotate.d" "$root/var/log/backup-mgmt" "$root/etc/letsencrypt/live/bms.test.example"
printf 'SECRET_KEY=%s\nDATABASE_PATH=/var/lib/backup-mgmt/bms.db\nLOG_DIR=/var/log/backup-mgmt\n' \
    "$(openssl rand -hex 32)" >"$root/etc/backup-mgmt/bms.env"
chmod 0600 "$root/etc/backup-mgmt/bms.env"
old_env=$(sha256sum <"$root/etc/backup-mgmt/bms.env")
echo "[Service]" >"$root/etc/systemd/system/bms.service"
ln -s /etc/systemd/system/bms.service "$root/etc/systemd/system/multi-user.target.wants/bms.service"
le=/etc/letsencrypt/live/bms.test.example
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=bms.test.example \
    -keyout "$root$le/privkey.pem" -out "$root$le/fullchain.pem" 2>/dev/null
cat >"$root/etc/nginx/sites-available/bms" <<SITE
server {
    listen 443 ssl http2;
    server_name bms.test.example;
    ssl_certificate $le/fullchain.pem; # managed by Certbot
    ssl_certificate_key $le/privkey.pem; # managed by Certbot
}
SITE
ln -s /etc/nginx/sites-available/bms "$root/etc/nginx/sites-enabled/bms"
touch "$root/etc/nginx/snippets/bms-proxy.conf" "$root/etc/nginx/snippets/bms-security-headers.conf" \
    "$root/etc/logrotate.d/bms"
echo "an old log line" >"$root/var/log/backup-mgmt/bms.log"
chown -R "$uid:$gid" "$root/var/log/backup-mgmt"
chmod 0600 "$root/var/log/backup-mgmt/bms.log"
install_into NGINX_TEST="$(nginx_check old)"
grep -q "the nginx configuration is valid" "$tmp/install.log" || fail "nginx -t (upgrade)"
cmp -s "$root/etc/backup-mgmt/bms.env" "$root$APP/.env" || fail "bms.env was not copied to .env"
expect "bms.env kept" "$(sha256sum <"$root/etc/backup-mgmt/bms.env")" "$old_env"
check $APP/.env 600 "$uid:$gid"
absent "the previous layout's file is left" /etc/systemd/system/bms.service \
    /etc/systemd/system/multi-user.target.wants/bms.service /etc/nginx/sites-available/bms \
    /etc/nginx/sites-enabled/bms /etc/nginx/snippets/bms-proxy.conf \
    /etc/nginx/snippets/bms-security-headers.conf /etc/logrotate.d/bms
grep -q "ssl_certificate $le/fullchain.pem;" "$root$SITE" || fail "certbot's certificate was not carried over"
grep -q "ssl_certificate_key $le/privkey.pem;" "$root$SITE" || fail "certbot's key was not carried over"
absent "a self-signed certificate was generated although certbot's is used" $CERT
check /var/log/backup-mgmt 2750 "$uid:4"
check /var/log/backup-mgmt/bms.log 640 "$uid:4"
before=$(snapshot)
install_into
same_tree "$before" "a second run after the upgrade"
grep -q "ssl_certificate $le/fullchain.pem;" "$root$SITE" || fail "a second run dropped certbot's certificate"
echo "upgrade from the previous layout: ok"

# ---- An old guide's .env at the same place is honoured as it is, and bms reads it. ----
new_root guide
mkdir -p "$root$APP"
cat >"$root$APP/.env" <<'ENV'
# Flask設定
FLASK_APP=app
FLASK_ENV=production
SECRET_KEY=your-very-secure-secret-key-here-min-32-chars

# データベース
DATABASE_PATH=/var/lib/backup-mgmt/backup_mgmt.db

# ログディレクトリ
LOG_DIR=/var/log/backup-mgmt

# サーバー設定
HOST=127.0.0.1
PORT=5000
ENV
guide_env=$(sha256sum <"$root$APP/.env")
install_into
grep -q "keeping the existing $APP/.env" "$tmp/install.log" || fail "the old guide's .env was not kept"
expect "the old guide's .env" "$(sha256sum <"$root$APP/.env")" "$guide_env"
sed "s|$APP|$root$APP|g" "$root$APP/bin/bms-ctl" >"$tmp/bms-ctl"
env -i PATH="$PATH" sh "$tmp/bms-ctl" check-config >"$tmp/guide.out" 2>&1 || fail "bms rejects the old guide's .env: $(cat "$tmp/guide.out")"
grep -q '^# FLASK_APP' "$tmp/guide.out" || fail "bms did not report FLASK_APP as unused: $(cat "$tmp/guide.out")"
echo "an old guide's .env: ok"

# ---- No adm group: the service's group for the logs. ----
new_root noadm --no-adm
install_into
grep -q 'there is no adm group' "$tmp/install.log" || fail "no message about the missing adm group"
gid=$(awk -F: '$1 == "backup-mgmt" { print $4 }' "$root/etc/passwd")
uid=$(awk -F: '$1 == "backup-mgmt" { print $3 }' "$root/etc/passwd")
check /var/log/backup-mgmt 2750 "$uid:$gid"
grep -q 'create 0640 backup-mgmt backup-mgmt' "$root/etc/logrotate.d/backup-mgmt" || fail "logrotate group without adm"
echo "no adm group: ok"
echo "install test passed"
