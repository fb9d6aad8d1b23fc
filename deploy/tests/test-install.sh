#!/usr/bin/env bash
# Runs deploy/linux/install.sh into a throwaway root (DESTDIR) seeded with minimal
# /etc/passwd and /etc/group, then checks the tree, the user, the modes and owners, that a
# second run changes nothing, that an existing env file and database are never touched, and
# that uninstall keeps the data unless --purge. Also verifies the systemd unit
# (systemd-analyze verify and its security exposure score). Needs root (CI runs as root).
#
#   BMS_BINARY=target/debug/bms deploy/tests/test-install.sh
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BMS_BINARY=$(realpath "${BMS_BINARY:-$repo_root/target/debug/bms}")
export BMS_BINARY
export BMS_DIST=${BMS_DIST:-$repo_root/dist}
export SERVER_NAME=bms.test.example
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
export DESTDIR=$root

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
expect() { # expect DESCRIPTION ACTUAL WANTED
    [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

mkdir -p "$root/etc" "$root/usr/sbin"
printf 'root:x:0:0:root:/root:/bin/bash\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
printf 'root:*::\n' >"$root/etc/gshadow"
cp /etc/login.defs "$root/etc/login.defs"
touch "$root/usr/sbin/nologin" && chmod 0755 "$root/usr/sbin/nologin"

bash "$repo_root/deploy/linux/install.sh" >/dev/null

# The user: a system account without a login shell.
entry=$(grep '^backup-mgmt:' "$root/etc/passwd") || fail "no backup-mgmt user"
uid=$(cut -d: -f3 <<<"$entry")
gid=$(cut -d: -f4 <<<"$entry")
[ "$uid" -lt 1000 ] || fail "backup-mgmt is not a system user (uid $uid)"
expect "login shell" "$(cut -d: -f7 <<<"$entry")" /usr/sbin/nologin
expect "home" "$(cut -d: -f6 <<<"$entry")" /var/lib/backup-mgmt

# The tree, modes and owners.
check() { # check PATH MODE OWNER:GROUP
    [ -e "$root$1" ] || fail "missing $1"
    expect "mode/owner of $1" "$(stat -c '%a %u:%g' "$root$1")" "$2 $3"
}
check /opt/backup-management-system/bin/bms 755 0:0
check /opt/backup-management-system/bin/bms-ctl 755 0:0
check /opt/backup-management-system/dist/index.html 644 0:0
check /var/lib/backup-mgmt 750 "$uid:$gid"
check /var/lib/backup-mgmt/backups 750 "$uid:$gid"
check /var/log/backup-mgmt 750 "$uid:$gid"
check /etc/backup-mgmt 750 "0:$gid"
check /etc/backup-mgmt/bms.env 600 "$uid:$gid"
check /etc/systemd/system/bms.service 644 0:0
check /etc/nginx/sites-available/bms 644 0:0
check /etc/nginx/snippets/bms-security-headers.conf 644 0:0
check /etc/nginx/snippets/bms-proxy.conf 644 0:0
check /etc/logrotate.d/bms 644 0:0
expect "sites-enabled link" "$(readlink "$root/etc/nginx/sites-enabled/bms")" /etc/nginx/sites-available/bms
cmp -s "$BMS_BINARY" "$root/opt/backup-management-system/bin/bms" || fail "binary differs"
diff -r "$BMS_DIST" "$root/opt/backup-management-system/dist" >/dev/null || fail "web UI differs from dist/"
grep -q 'server_name bms.test.example;' "$root/etc/nginx/sites-available/bms" || fail "server_name not set"
grep -Eq '^SECRET_KEY=[0-9a-f]{64}$' "$root/etc/backup-mgmt/bms.env" || fail "no generated SECRET_KEY"
[ ! -e "$root/var/lib/backup-mgmt/bms.db" ] || fail "the installer must not create the database"
# The env file is valid for bms itself.
# shellcheck disable=SC1091
(set -a; . "$root/etc/backup-mgmt/bms.env"; set +a; "$BMS_BINARY" check-config >/dev/null) || fail "env file rejected by bms check-config"

# A second run changes nothing (content, modes, owners, links).
snapshot() {
    (cd "$root" && find . -printf '%p %y %m %U:%G %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
before=$(snapshot)
bash "$repo_root/deploy/linux/install.sh" >/dev/null
after=$(snapshot)
[ "$before" = "$after" ] || fail "second run changed the tree: $(diff <(echo "$before") <(echo "$after") | head -5)"

# Existing configuration and database are never overwritten.
echo "# edited by the administrator" >>"$root/etc/backup-mgmt/bms.env"
env_before=$(sha256sum <"$root/etc/backup-mgmt/bms.env")
echo "not really a database" >"$root/var/lib/backup-mgmt/bms.db"
bash "$repo_root/deploy/linux/install.sh" >/dev/null
expect "env file after reinstall" "$(sha256sum <"$root/etc/backup-mgmt/bms.env")" "$env_before"
expect "database after reinstall" "$(cat "$root/var/lib/backup-mgmt/bms.db")" "not really a database"

# The unit passes systemd-analyze verify and scores well. verify checks that ExecStart
# exists, so the copy it reads points into the throwaway root.
unit_dir=$(mktemp -d)
sed "s|/opt/backup-management-system|$root/opt/backup-management-system|g" \
    "$root/etc/systemd/system/bms.service" >"$unit_dir/bms.service"
systemd-analyze verify "$unit_dir/bms.service"
exposure=$(systemd-analyze security --offline=yes "$unit_dir/bms.service" 2>/dev/null \
    | grep -oE 'Overall exposure level for [^:]+: [0-9.]+' | awk '{ print $NF }')
rm -rf "$unit_dir"
echo "systemd-analyze security: overall exposure $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e + 0 <= 2.5) }' || fail "exposure $exposure is above 2.5"

# Uninstall keeps the data; --purge removes it and the user.
bash "$repo_root/deploy/linux/uninstall.sh" >/dev/null
[ ! -e "$root/opt/backup-management-system" ] || fail "program files left after uninstall"
[ ! -e "$root/etc/systemd/system/bms.service" ] || fail "unit left after uninstall"
[ -e "$root/var/lib/backup-mgmt/bms.db" ] || fail "uninstall removed the database"
[ -e "$root/etc/backup-mgmt/bms.env" ] || fail "uninstall removed the configuration"
bash "$repo_root/deploy/linux/uninstall.sh" --purge >/dev/null
[ ! -e "$root/var/lib/backup-mgmt" ] || fail "--purge left the data"
! grep -q '^backup-mgmt:' "$root/etc/passwd" || fail "--purge left the user"
echo "install test passed"
