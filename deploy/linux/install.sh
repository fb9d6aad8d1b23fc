#!/usr/bin/env bash
# Installs bms on a systemd + nginx Linux host (Debian/Ubuntu/RHEL family) under the old
# guide's names and paths: /opt/backup-management-system (with its .env),
# backup-management.service, /etc/nginx/sites-available/backup-management,
# /etc/logrotate.d/backup-mgmt. Idempotent: running it again upgrades the binary, the web
# UI, the units and the nginx and logrotate files and changes nothing else; it never
# overwrites an existing .env or database, nor a certificate certbot put into the site.
#
#   sudo deploy/linux/install.sh                      # from a repository with a release build
#   sudo SERVER_NAME=bms.example.com BMS_BINARY=/path/bms BMS_DIST=/path/dist deploy/linux/install.sh
#
# Environment:
#   BMS_BINARY   the bms binary        (default: target/release/bms)
#   BMS_DIST     the built web UI      (default: dist)
#   SERVER_NAME  nginx server_name and the self-signed certificate's name
#                (default: this host's FQDN)
#   HTTP_ONLY=1  install the plain-HTTP site; default: HTTPS with a self-signed certificate
#                (generated with openssl when missing) until `certbot --nginx` replaces it
#   DISABLE_DEFAULT_SITE=1  remove /etc/nginx/sites-enabled/default (nginx's welcome page)
#   OPEN_FIREWALL=1  allow 80 and 443 (80 only with HTTP_ONLY=1) in ufw or firewalld,
#                whichever is active
#   NGINX_TEST   the command that checks the nginx configuration (default `nginx -t` when
#                nginx is installed; under DESTDIR only when set). When it fails the
#                installer prints its output and exits non-zero, and nginx is not reloaded.
#   DESTDIR      install into this root instead of / (packaging and tests; no services
#                are started, nothing outside DESTDIR is changed)
#   NO_START=1   do not enable/start the services or reload nginx
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$repo_root/deploy/linux"
BMS_BINARY=${BMS_BINARY:-$repo_root/target/release/bms}
BMS_DIST=${BMS_DIST:-$repo_root/dist}
SERVER_NAME=${SERVER_NAME:-$(hostname -f 2>/dev/null || hostname)}
DESTDIR=${DESTDIR:-}
NO_START=${NO_START:-}
NGINX_TEST=${NGINX_TEST:-}

SERVICE_USER=backup-mgmt
APP_DIR=/opt/backup-management-system
ENV_FILE=$APP_DIR/.env
DATA_DIR=/var/lib/backup-mgmt
LOG_DIR=/var/log/backup-mgmt
UNIT=backup-management.service
BACKUP_UNIT=backup-management-backup.service
BACKUP_TIMER=backup-management-backup.timer
SITE=/etc/nginx/sites-available/backup-management
SITE_LINK=/etc/nginx/sites-enabled/backup-management
SELF_CERT=/etc/ssl/certs/backup-management-selfsigned.pem
SELF_KEY=/etc/ssl/private/backup-management-selfsigned.key
# The previous bms layout (before the old guide's names were adopted).
OLD_ENV=/etc/backup-mgmt/bms.env
OLD_SITE=/etc/nginx/sites-available/bms
OLD_FILES=(
    /etc/systemd/system/bms.service
    /etc/systemd/system/multi-user.target.wants/bms.service
    /etc/nginx/sites-enabled/bms
    "$OLD_SITE"
    /etc/nginx/snippets/bms-security-headers.conf
    /etc/nginx/snippets/bms-proxy.conf
    /etc/logrotate.d/bms
)

log() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# flag VALUE: true for 1, yes, true, on.
flag() { case ${1:-} in 1 | [Yy]es | [Tt]rue | [Oo]n) return 0 ;; *) return 1 ;; esac }

[ "$(id -u)" -eq 0 ] || die "run as root (sudo)"
[ -x "$BMS_BINARY" ] || die "no bms binary at $BMS_BINARY (cargo build --release, or set BMS_BINARY)"
[ -f "$BMS_DIST/index.html" ] || die "no built web UI at $BMS_DIST (scripts/build-spa.sh, or set BMS_DIST)"
if [ -n "$DESTDIR" ]; then
    case "$DESTDIR" in /*) ;; *) die "DESTDIR must be an absolute path" ;; esac
fi
live=
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then live=1; fi
https=1
if flag "${HTTP_ONLY:-}"; then https=; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# install_file SRC DST MODE [OWNER:GROUP]: copies only when the content, mode or owner
# differs, so a second run leaves the tree exactly as it was.
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

# subst FROM TO: stdin to stdout with every FROM replaced by TO, literally.
subst() {
    FROM=$1 TO=$2 awk '{
        out = ""; rest = $0
        while ((i = index(rest, ENVIRON["FROM"])) > 0) {
            out = out substr(rest, 1, i - 1) ENVIRON["TO"]
            rest = substr(rest, i + length(ENVIRON["FROM"]))
        }
        print out rest
    }'
}

# group_gid NAME: the gid of a group, empty when there is none.
group_gid() {
    if [ -n "$DESTDIR" ]; then
        awk -F: -v g="$1" '$1 == g { print $3 }' "$DESTDIR/etc/group"
    else
        getent group "$1" | cut -d: -f3
    fi
}

# site_certificate FILE: the ssl_certificate and ssl_certificate_key paths of an nginx site,
# one a line (nothing when it has none).
site_certificate() {
    awk '$1 == "ssl_certificate" && c == "" { c = $2 }
         $1 == "ssl_certificate_key" && k == "" { k = $2 }
         END { if (c != "" && k != "") { sub(/;$/, "", c); sub(/;$/, "", k); print c; print k } }' "$1"
}

log "service user $SERVICE_USER"
passwd_file="$DESTDIR/etc/passwd"
if ! grep -q "^$SERVICE_USER:" "$passwd_file"; then
    root_args=()
    [ -n "$DESTDIR" ] && root_args=(--root "$DESTDIR")
    nologin=/usr/sbin/nologin
    [ -x "$DESTDIR$nologin" ] || nologin=/sbin/nologin
    useradd "${root_args[@]}" --system --user-group --home-dir "$DATA_DIR" --no-create-home \
        --shell "$nologin" --comment "Backup Management System (bms)" "$SERVICE_USER"
fi
uid=$(awk -F: -v u="$SERVICE_USER" '$1 == u { print $3 }' "$passwd_file")
gid=$(awk -F: -v u="$SERVICE_USER" '$1 == u { print $4 }' "$passwd_file")
if [ -z "$uid" ] || [ -z "$gid" ]; then die "could not read the uid/gid of $SERVICE_USER"; fi

# The logs belong to the adm group, as the old guide sets them (readable by administrators
# without root); the service's own group where there is no adm group.
log_group=adm
log_gid=$(group_gid adm)
if [ -z "$log_gid" ]; then
    log_group=$SERVICE_USER
    log_gid=$gid
    note "there is no adm group: $LOG_DIR and its files get the group $SERVICE_USER instead"
fi

log "directories"
install -d -m 0755 "$DESTDIR$APP_DIR" "$DESTDIR$APP_DIR/bin"
install -d -m 0750 -o "$uid" -g "$gid" "$DESTDIR$DATA_DIR" "$DESTDIR$DATA_DIR/backups"
# setgid: files bms and logrotate create there get the directory's group.
install -d -m 2750 -o "$uid" -g "$log_gid" "$DESTDIR$LOG_DIR"
chmod 2750 "$DESTDIR$LOG_DIR"
# Logs of the previous layout were 0600 with the service's group.
find "$DESTDIR$LOG_DIR" -maxdepth 1 -type f -user "$uid" \( ! -group "$log_gid" -o ! -perm 0640 \) \
    -exec chown "$uid:$log_gid" {} + -exec chmod 0640 {} +

log "binary and web UI in $APP_DIR"
install_file "$BMS_BINARY" "$DESTDIR$APP_DIR/bin/bms" 0755
install_file "$here/bms-ctl" "$DESTDIR$APP_DIR/bin/bms-ctl" 0755
sync_dir "$BMS_DIST" "$DESTDIR$APP_DIR/dist"
if [ -d "$repo_root/docs" ]; then
    sync_dir "$repo_root/docs" "$DESTDIR$APP_DIR/docs"
fi

if [ -e "$DESTDIR$ENV_FILE" ]; then
    log "keeping the existing $ENV_FILE"
elif [ -f "$DESTDIR$OLD_ENV" ]; then
    log "copying the previous layout's $OLD_ENV to $ENV_FILE (the original is kept)"
    (umask 077 && cp "$DESTDIR$OLD_ENV" "$DESTDIR$ENV_FILE")
else
    log "writing $ENV_FILE with a new SECRET_KEY"
    secret=$("$BMS_BINARY" gen-secret)
    (
        umask 077
        cat >"$DESTDIR$ENV_FILE" <<ENV
# Backup Management System (bms) configuration, at the old guide's place. bms reads it
# itself (BMS_ENV_FILE in $UNIT), with the syntax of the old .env: KEY=value,
# unquoted or quoted, # comments. Every variable is described in docs/DEPLOYMENT.md.
# Owned by $SERVICE_USER, mode 0600: it holds the secret key.
BMS_ENV=production
SECRET_KEY=$secret
DATABASE_PATH=$DATA_DIR/backup_mgmt.db
LOG_DIR=$LOG_DIR
# logrotate rotates bms.log (/etc/logrotate.d/backup-mgmt); bms reopens it on SIGHUP.
LOG_ROTATION=external
HOST=127.0.0.1
PORT=5000
STATIC_DIR=$APP_DIR/dist
TRUSTED_PROXIES=127.0.0.1,::1
DEFAULT_TIMEZONE=Asia/Tokyo
ENV
    )
fi
chown "$uid:$gid" "$DESTDIR$ENV_FILE"
chmod 0600 "$DESTDIR$ENV_FILE"

# The certificate of the HTTPS site: the one the installed site already uses when it is not
# the self-signed one (certbot's), also from the previous layout's site; else the
# self-signed one. The site never names a certificate that does not exist.
cert=$SELF_CERT
key=$SELF_KEY
if [ -n "$https" ]; then
    for previous in "$SITE" "$OLD_SITE"; do
        [ -f "$DESTDIR$previous" ] || continue
        pair=$(site_certificate "$DESTDIR$previous")
        [ -n "$pair" ] || continue
        found_cert=${pair%%$'\n'*}
        found_key=${pair#*$'\n'}
        case "$found_cert" in "$SELF_CERT" | */ssl-cert-snakeoil.pem) continue ;; esac
        if [ -f "$DESTDIR$found_cert" ] && [ -f "$DESTDIR$found_key" ]; then
            cert=$found_cert
            key=$found_key
            log "keeping the certificate of $previous: $cert"
            break
        fi
        note "$previous names $found_cert / $found_key, which do not exist: using the self-signed certificate"
    done
fi
if [ -n "$https" ] && [ "$cert" = "$SELF_CERT" ]; then
    if [ ! -s "$DESTDIR$SELF_CERT" ] || [ ! -s "$DESTDIR$SELF_KEY" ]; then
        command -v openssl >/dev/null 2>&1 \
            || die "openssl is needed for the self-signed certificate (apt-get install openssl), or install with HTTP_ONLY=1"
        cn='' san=''
        read -ra names <<<"$SERVER_NAME"
        for name in "${names[@]}"; do
            case "$name" in _ | '~'* | *'*'*) continue ;; esac
            if [[ $name =~ ^[0-9.]+$ ]]; then san+="${san:+,}IP:$name"; else san+="${san:+,}DNS:$name"; fi
            cn=${cn:-$name}
        done
        [ -n "$cn" ] || { cn=localhost; san=DNS:localhost; }
        log "generating the self-signed certificate $SELF_CERT for $cn (valid 10 years; certbot --nginx replaces it)"
        install -d -m 0755 "$DESTDIR/etc/ssl/certs"
        [ -d "$DESTDIR/etc/ssl/private" ] || install -d -m 0700 "$DESTDIR/etc/ssl/private"
        openssl_args=(req -x509 -newkey rsa:2048 -sha256 -days 3650 -nodes -subj "/CN=${cn:0:64}"
            -keyout "$work/key.pem" -out "$work/cert.pem")
        # -addext needs OpenSSL 1.1.1; older ones get a certificate with the name in CN only.
        if ! (umask 077 && openssl "${openssl_args[@]}" -addext "subjectAltName=$san" 2>"$work/openssl.log") \
            && ! (umask 077 && openssl "${openssl_args[@]}" 2>"$work/openssl.log"); then
            cat "$work/openssl.log" >&2
            die "openssl could not generate the self-signed certificate"
        fi
        install -m 0600 -o 0 -g 0 "$work/key.pem" "$DESTDIR$SELF_KEY"
        install -m 0644 -o 0 -g 0 "$work/cert.pem" "$DESTDIR$SELF_CERT"
    fi
    chown 0:0 "$DESTDIR$SELF_KEY" "$DESTDIR$SELF_CERT"
    chmod 0600 "$DESTDIR$SELF_KEY"
fi

# The previous bms layout: its service is stopped before its unit goes; its env file, if
# any, was copied above and is kept.
if [ -n "$live" ] && [ -e /etc/systemd/system/bms.service ]; then
    log "stopping and disabling the previous layout's bms.service"
    systemctl disable --now bms.service || true
fi
for old in "${OLD_FILES[@]}"; do
    if [ -e "$DESTDIR$old" ] || [ -L "$DESTDIR$old" ]; then
        log "removing the previous layout's $old"
        rm -f "$DESTDIR$old"
    fi
done

log "systemd units $UNIT, $BACKUP_UNIT, $BACKUP_TIMER"
for unit in "$UNIT" "$BACKUP_UNIT" "$BACKUP_TIMER"; do
    install_file "$here/$unit" "$DESTDIR/etc/systemd/system/$unit" 0644
done

log "logrotate: /etc/logrotate.d/backup-mgmt (group $log_group)"
subst "create 0640 backup-mgmt adm" "create 0640 backup-mgmt $log_group" <"$here/backup-mgmt.logrotate" >"$work/logrotate"
install_file "$work/logrotate" "$DESTDIR/etc/logrotate.d/backup-mgmt" 0644

if [ -n "$https" ]; then
    log "nginx site $SITE (HTTPS, certificate $cert)"
    template=$here/nginx/backup-management.conf
else
    log "nginx site $SITE (HTTP only)"
    template=$here/nginx/backup-management-http.conf
fi
subst bms.example.com "$SERVER_NAME" <"$template" | subst "$SELF_CERT" "$cert" | subst "$SELF_KEY" "$key" >"$work/site"
install_file "$work/site" "$DESTDIR$SITE" 0644
for snippet in locations proxy security-headers; do
    install_file "$here/nginx/backup-management-$snippet.conf" \
        "$DESTDIR/etc/nginx/snippets/backup-management-$snippet.conf" 0644
done
install -d -m 0755 "$DESTDIR/etc/nginx/sites-enabled"
if [ "$(readlink "$DESTDIR$SITE_LINK" 2>/dev/null)" != "$SITE" ]; then
    ln -sfn "$SITE" "$DESTDIR$SITE_LINK"
fi
default_site=$DESTDIR/etc/nginx/sites-enabled/default
if flag "${DISABLE_DEFAULT_SITE:-}"; then
    if [ -e "$default_site" ] || [ -L "$default_site" ]; then
        log "disabling nginx's default site (/etc/nginx/sites-enabled/default)"
        rm -f "$default_site"
    fi
elif [ -e "$default_site" ] || [ -L "$default_site" ]; then
    note "nginx's default site is enabled: it answers requests for names other than $SERVER_NAME"
    note "(DISABLE_DEFAULT_SITE=1 removes /etc/nginx/sites-enabled/default)"
fi
if [ -z "$DESTDIR" ] && [ -f /etc/nginx/nginx.conf ] && ! grep -q 'sites-enabled' /etc/nginx/nginx.conf; then
    note "this nginx does not read sites-enabled (RHEL family): ln -s $SITE /etc/nginx/conf.d/backup-management.conf"
fi

if flag "${OPEN_FIREWALL:-}"; then
    services=(http)
    [ -n "$https" ] && services+=(https)
    if [ -n "$DESTDIR" ]; then
        note "OPEN_FIREWALL=1: ignored under DESTDIR"
    elif command -v ufw >/dev/null 2>&1 && ufw status 2>/dev/null | grep -q '^Status: active'; then
        log "ufw: allowing ${services[*]}"
        ufw allow 80/tcp
        if [ -n "$https" ]; then ufw allow 443/tcp; fi
    elif command -v firewall-cmd >/dev/null 2>&1 && firewall-cmd --state >/dev/null 2>&1; then
        log "firewalld: allowing ${services[*]}"
        for service in "${services[@]}"; do
            firewall-cmd --permanent --add-service="$service"
        done
        firewall-cmd --reload
    else
        note "OPEN_FIREWALL=1: neither ufw nor firewalld is active, nothing to open"
    fi
fi

nginx_failed=
nginx_output=
if [ -z "$NGINX_TEST" ] && [ -n "$DESTDIR" ]; then
    note "nginx -t is not run under DESTDIR (set NGINX_TEST to check the installed site)"
elif [ -z "$NGINX_TEST" ]; then
    if command -v nginx >/dev/null 2>&1; then
        NGINX_TEST="nginx -t"
    else
        note "nginx is not installed: the site is in place for when it is (apt-get install nginx)"
    fi
fi
if [ -n "$NGINX_TEST" ]; then
    log "checking the nginx configuration: $NGINX_TEST"
    if nginx_output=$(sh -c "$NGINX_TEST" 2>&1); then
        note "the nginx configuration is valid"
    else
        nginx_failed=1
    fi
fi

if [ -n "$live" ]; then
    systemctl daemon-reload
fi
if [ -n "$live" ] && [ -z "$NO_START" ]; then
    log "starting $UNIT and $BACKUP_TIMER"
    systemctl enable "$UNIT" "$BACKUP_TIMER"
    systemctl restart "$UNIT"
    systemctl restart "$BACKUP_TIMER"
    if [ -n "$NGINX_TEST" ] && [ -z "$nginx_failed" ]; then
        log "reloading nginx"
        systemctl reload-or-restart nginx
    fi
    echo "The first administrator's password is in the log: journalctl -u $UNIT | grep -A2 'FIRST START'"
fi

if [ -n "$nginx_failed" ]; then
    {
        echo
        echo "######################################################################"
        echo "error: nginx rejects the configuration ($NGINX_TEST):"
        printf '%s\n' "$nginx_output" | sed 's/^/    /'
        echo "nginx was NOT reloaded: it keeps running with its previous configuration."
        echo "The bms site is $SITE; fix the error and run this installer again."
        echo "######################################################################"
    } >&2
    exit 1
fi
log "done"
