#!/usr/bin/env bash
# Removes bms: its services and timer, its nginx site and snippets, its logrotate entry and
# its program files (also those of the previous bms layout). The configuration
# (/opt/backup-management-system/.env), the database and backups, the logs and the
# self-signed certificate are kept unless --purge is given (then the service user goes too).
#
#   sudo deploy/linux/uninstall.sh [--purge]
# Environment: DESTDIR (as for install.sh).
set -euo pipefail

DESTDIR=${DESTDIR:-}
purge=false
[ "${1:-}" = "--purge" ] && purge=true
[ "$(id -u)" -eq 0 ] || { echo "error: run as root (sudo)" >&2; exit 1; }
APP_DIR=/opt/backup-management-system

live=
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then live=1; fi
if [ -n "$live" ]; then
    systemctl disable --now backup-management-backup.timer 2>/dev/null || true
    systemctl disable --now backup-management.service 2>/dev/null || true
    systemctl disable --now bms.service 2>/dev/null || true
fi
rm -f "$DESTDIR/etc/systemd/system/backup-management.service" \
    "$DESTDIR/etc/systemd/system/backup-management-backup.service" \
    "$DESTDIR/etc/systemd/system/backup-management-backup.timer" \
    "$DESTDIR/etc/nginx/sites-enabled/backup-management" \
    "$DESTDIR/etc/nginx/sites-available/backup-management" \
    "$DESTDIR/etc/nginx/snippets/backup-management-locations.conf" \
    "$DESTDIR/etc/nginx/snippets/backup-management-proxy.conf" \
    "$DESTDIR/etc/nginx/snippets/backup-management-security-headers.conf" \
    "$DESTDIR/etc/logrotate.d/backup-mgmt" \
    "$DESTDIR/etc/systemd/system/bms.service" \
    "$DESTDIR/etc/nginx/sites-enabled/bms" \
    "$DESTDIR/etc/nginx/sites-available/bms" \
    "$DESTDIR/etc/nginx/snippets/bms-security-headers.conf" \
    "$DESTDIR/etc/nginx/snippets/bms-proxy.conf" \
    "$DESTDIR/etc/logrotate.d/bms"
rm -rf "$DESTDIR${APP_DIR:?}/bin" "$DESTDIR$APP_DIR/dist" "$DESTDIR$APP_DIR/docs"
if [ -n "$live" ]; then
    systemctl daemon-reload
    if command -v nginx >/dev/null 2>&1 && nginx -t 2>/dev/null; then
        systemctl reload nginx || true
    fi
fi

if [ "$purge" = true ]; then
    rm -rf "$DESTDIR$APP_DIR" "$DESTDIR/var/lib/backup-mgmt" "$DESTDIR/var/log/backup-mgmt" \
        "$DESTDIR/etc/backup-mgmt"
    rm -f "$DESTDIR/etc/ssl/certs/backup-management-selfsigned.pem" \
        "$DESTDIR/etc/ssl/private/backup-management-selfsigned.key"
    if grep -q '^backup-mgmt:' "$DESTDIR/etc/passwd"; then
        root_args=()
        [ -n "$DESTDIR" ] && root_args=(--root "$DESTDIR")
        userdel "${root_args[@]}" backup-mgmt
    fi
    echo "bms removed, with its configuration, data, logs, self-signed certificate and user"
else
    rmdir "$DESTDIR$APP_DIR" 2>/dev/null || true
    echo "bms removed; kept $APP_DIR/.env (configuration), /var/lib/backup-mgmt (database, backups),"
    echo "/var/log/backup-mgmt and the self-signed certificate; --purge removes them too"
fi
