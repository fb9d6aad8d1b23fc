#!/usr/bin/env bash
# Installs bms on a systemd + nginx Linux host (Debian/Ubuntu/RHEL family). Idempotent:
# running it again upgrades the binary and the web UI and changes nothing else; it never
# overwrites an existing env file or database.
#
#   sudo deploy/linux/install.sh                      # from a repository with a release build
#   sudo BMS_BINARY=/path/bms BMS_DIST=/path/dist deploy/linux/install.sh
#
# Environment:
#   BMS_BINARY   the bms binary        (default: target/release/bms)
#   BMS_DIST     the built web UI      (default: dist)
#   SERVER_NAME  nginx server_name     (default: this host's FQDN)
#   DESTDIR      install into this root instead of / (packaging and tests; no services
#                are started then)
#   NO_START=1   do not enable/start the service or reload nginx
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$repo_root/deploy/linux"
BMS_BINARY=${BMS_BINARY:-$repo_root/target/release/bms}
BMS_DIST=${BMS_DIST:-$repo_root/dist}
SERVER_NAME=${SERVER_NAME:-$(hostname -f 2>/dev/null || hostname)}
DESTDIR=${DESTDIR:-}
NO_START=${NO_START:-}

SERVICE_USER=backup-mgmt
APP_DIR=/opt/backup-management-system
DATA_DIR=/var/lib/backup-mgmt
LOG_DIR=/var/log/backup-mgmt
CONF_DIR=/etc/backup-mgmt
ENV_FILE=$CONF_DIR/bms.env

log() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo)"
[ -x "$BMS_BINARY" ] || die "no bms binary at $BMS_BINARY (cargo build --release, or set BMS_BINARY)"
[ -f "$BMS_DIST/index.html" ] || die "no built web UI at $BMS_DIST (scripts/build-spa.sh, or set BMS_DIST)"
if [ -n "$DESTDIR" ]; then
    case "$DESTDIR" in /*) ;; *) die "DESTDIR must be an absolute path" ;; esac
fi

# install_file SRC DST MODE [OWNER:GROUP]: copies only when the content or mode differs,
# so a second run leaves the tree exactly as it was.
install_file() {
    local src=$1 dst=$2 mode=$3 owner=${4:-0:0}
    if ! cmp -s "$src" "$dst" 2>/dev/null || [ "$(stat -c '%a %u:%g' "$dst")" != "${mode#0} $owner" ]; then
        install -D -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dst"
    fi
}

# sync_dir SRC DST: the files of SRC in DST (0644), nothing else.
sync_dir() {
    local src=$1 dst=$2 file
    install -d -m 0755 "$dst"
    (cd "$dst" && find . -type f) | while read -r file; do
        [ -e "$src/$file" ] || rm -f "$dst/$file"
    done
    (cd "$src" && find . -type f) | while read -r file; do
        install_file "$src/$file" "$dst/$file" 0644
    done
}

log "service user $SERVICE_USER"
passwd_file="$DESTDIR/etc/passwd"
if ! grep -q "^$SERVICE_USER:" "$passwd_file"; then
    root_args=()
    [ -n "$DESTDIR" ] && root_args=(--root "$DESTDIR")
    nologin=/usr/sbin/nologin
    [ -x "$DESTDIR$nologin" ] || nologin=/sbin/nologin
    useradd "${root_args[@]}" --system --user-group --home-dir "$DATA_DIR" --no-create-home \
        --shell "$nologin" --comment "bms backup management" "$SERVICE_USER"
fi
uid=$(awk -F: -v u="$SERVICE_USER" '$1 == u { print $3 }' "$passwd_file")
gid=$(awk -F: -v u="$SERVICE_USER" '$1 == u { print $4 }' "$passwd_file")
if [ -z "$uid" ] || [ -z "$gid" ]; then die "could not read the uid/gid of $SERVICE_USER"; fi

log "directories"
install -d -m 0755 "$DESTDIR$APP_DIR" "$DESTDIR$APP_DIR/bin"
install -d -m 0750 -o "$uid" -g "$gid" "$DESTDIR$DATA_DIR" "$DESTDIR$DATA_DIR/backups" "$DESTDIR$LOG_DIR"
install -d -m 0750 -o 0 -g "$gid" "$DESTDIR$CONF_DIR"

log "binary and web UI in $APP_DIR"
install_file "$BMS_BINARY" "$DESTDIR$APP_DIR/bin/bms" 0755
install_file "$here/bms-ctl" "$DESTDIR$APP_DIR/bin/bms-ctl" 0755
sync_dir "$BMS_DIST" "$DESTDIR$APP_DIR/dist"
if [ -d "$repo_root/docs" ]; then
    sync_dir "$repo_root/docs" "$DESTDIR$APP_DIR/docs"
fi

if [ -e "$DESTDIR$ENV_FILE" ]; then
    log "keeping the existing $ENV_FILE"
else
    log "writing $ENV_FILE with a new SECRET_KEY"
    secret=$("$BMS_BINARY" gen-secret)
    umask 077
    cat >"$DESTDIR$ENV_FILE" <<ENV
# bms configuration; every variable is described in docs/DEPLOYMENT.md.
# Owned by $SERVICE_USER, mode 0600: it holds the secret key.
BMS_ENV=production
SECRET_KEY=$secret
DATABASE_PATH=$DATA_DIR/bms.db
LOG_DIR=$LOG_DIR
HOST=127.0.0.1
PORT=5000
STATIC_DIR=$APP_DIR/dist
TRUSTED_PROXIES=127.0.0.1,::1
DEFAULT_TIMEZONE=Asia/Tokyo
ENV
    umask 022
fi
chown "$uid:$gid" "$DESTDIR$ENV_FILE"
chmod 0600 "$DESTDIR$ENV_FILE"

log "systemd unit, nginx site, logrotate"
install_file "$here/bms.service" "$DESTDIR/etc/systemd/system/bms.service" 0644
site=$(mktemp)
trap 'rm -f "$site"' EXIT
sed "s/bms\.example\.com/$SERVER_NAME/g" "$here/nginx/bms.conf" >"$site"
install_file "$site" "$DESTDIR/etc/nginx/sites-available/bms" 0644
install_file "$here/nginx/bms-security-headers.conf" "$DESTDIR/etc/nginx/snippets/bms-security-headers.conf" 0644
install_file "$here/nginx/bms-proxy.conf" "$DESTDIR/etc/nginx/snippets/bms-proxy.conf" 0644
install -d -m 0755 "$DESTDIR/etc/nginx/sites-enabled"
if [ "$(readlink "$DESTDIR/etc/nginx/sites-enabled/bms" 2>/dev/null)" != /etc/nginx/sites-available/bms ]; then
    ln -sfn /etc/nginx/sites-available/bms "$DESTDIR/etc/nginx/sites-enabled/bms"
fi
install_file "$here/logrotate.conf" "$DESTDIR/etc/logrotate.d/bms" 0644

if [ -z "$DESTDIR" ] && [ -z "$NO_START" ] && [ -d /run/systemd/system ]; then
    log "starting bms and reloading nginx"
    systemctl daemon-reload
    systemctl enable bms.service
    systemctl restart bms.service
    if command -v nginx >/dev/null 2>&1 && nginx -t; then
        systemctl reload nginx
    fi
    echo "The first administrator's password is in the log: journalctl -u bms | grep -A2 'FIRST START'"
fi
log "done"
