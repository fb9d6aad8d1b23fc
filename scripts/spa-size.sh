#!/usr/bin/env bash
# Prints the gzip size of the built SPA (wasm + js + css in dist/) against the budget.
# Fails when it is over (SPA_SIZE_ENFORCE=0 only reports).
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=$((400 * 1024))
total=0
for file in dist/*.wasm dist/*.js dist/*.css; do
    raw=$(stat -c%s "$file")
    gz=$(gzip -9c "$file" | wc -c)
    total=$((total + gz))
    printf '%-45s %9d bytes  %8d gzip\n' "$(basename "$file")" "$raw" "$gz"
done
awk -v t="$total" -v b="$BUDGET" 'BEGIN { printf "total gzip: %d bytes (%.1f KiB), budget %d KiB\n", t, t / 1024, b / 1024 }'
if [ "$total" -gt "$BUDGET" ]; then
    echo "over the budget by $(( (total - BUDGET) / 1024 )) KiB" >&2
    [ "${SPA_SIZE_ENFORCE:-1}" = 0 ] || exit 1
fi
exit 0
