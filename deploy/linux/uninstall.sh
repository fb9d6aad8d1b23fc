#!/usr/bin/env bash
# Removes bms: the service, its nginx site, logrotate entry and program files. The
# database, backups, configuration and logs are kept unless --purge is given (then the
# service user goes too).
#
#   sudo deploy/linux/uninstall.sh [--purge]
# Environment: DESTDIR (as for install.sh).
set -euo pipefail

DESTDIR=${DESTDIR:-}
purge=false
[ "${1:-}" = "--purge" ] && purge=true
[ "$(id -u)" -eq 0 ] || { echo "error: run as root (sudo)" >&2; exit 1; }

if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    systemctl disable --now bms.service 2>/dev/null || true
fi
rm -f "$DESTDIR/etc/systemd/system/bms.service" \
    "$DESTDIR/etc/nginx/sites-enabled/bms" \
    "$DESTDIR/etc/nginx/sites-available/bms" \
    "$DESTDIR/etc/nginx/snippets/bms-security-headers.conf" \
    "$DESTDIR/etc/nginx/snippets/bms-proxy.conf" \
    "$DESTDIR/etc/logrotate.d/bms"
rm -rf "$DESTDIR/opt/backup-management-system"
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    if command -v nginx >/dev/null 2>&1 && nginx -t 2>/dev/null; then
        systemctl reload nginx || true
    fi
fi

if [ "$purge" = true ]; then
    rm -rf "$DESTDIR/var/lib/backup-mgmt" "$DESTDIR/var/log/backup-mgmt" "$DESTDIR/etc/backup-mgmt"
    if grep -q '^backup-mgmt:' "$DESTDIR/etc/passwd"; then
        root_args=()
        [ -n "$DESTDIR" ] && root_args=(--root "$DESTDIR")
        userdel "${root_args[@]}" backup-mgmt
    fi
    echo "bms removed, with its data, logs, configuration and user"
else
    echo "bms removed; kept /var/lib/backup-mgmt (database, backups), /etc/backup-mgmt and /var/log/backup-mgmt"
fi
