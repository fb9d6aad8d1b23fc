#!/usr/bin/env bash
# Prints the gzip size of the built SPA in dist/ against its budgets and fails when one is
# exceeded (SPA_SIZE_ENFORCE=0 only reports):
#   - the first load: every .js and .css file (the loader, the WASM glue, the chunk loader,
#     the styles) and the main .wasm module that index.html names: <= 400 KiB;
#   - each lazily loaded screen group: its split module plus the shared chunks it fetches
#     with it (read from the chunk loader, __wasm_split-<hash>.js): <= 150 KiB each.
# A build without splitting (SPA_SPLIT=0) has no chunks; then all of it is the first load.
set -euo pipefail
cd "$(dirname "$0")/.."
FIRST_LOAD_BUDGET=$((400 * 1024))
SCREEN_BUDGET=$((150 * 1024))
over=0

gzip_size() { gzip -9c "$1" | wc -c; }
row() { printf '  %-58s %9d bytes  %8d gzip\n' "$(basename "$1")" "$(stat -c%s "$1")" "$(gzip_size "$1")"; }

main_wasm=dist/$(sed -n 's/.*data-wasm="\/\([^"]*\)".*/\1/p' dist/index.html)
[ -f "$main_wasm" ] || { echo "dist/index.html names no main module" >&2; exit 1; }

echo "first load:"
total=0
for file in dist/*.js dist/*.css "$main_wasm"; do
    row "$file"
    total=$((total + $(gzip_size "$file")))
done
awk -v t="$total" -v b="$FIRST_LOAD_BUDGET" 'BEGIN { printf "  total gzip: %d bytes (%.1f KiB), budget %d KiB\n", t, t / 1024, b / 1024 }'
if [ "$total" -gt "$FIRST_LOAD_BUDGET" ]; then
    echo "first load over the budget by $(((total - FIRST_LOAD_BUDGET) / 1024 + 1)) KiB" >&2
    over=1
fi

loader=$(find dist -maxdepth 1 -name '__wasm_split-*.js' | head -n 1)
if [ -n "$loader" ]; then
    echo
    echo "loaded on navigation, per screen group (its module and the shared chunks it needs):"
    # Each group's loader: `export const __wasm_split_load_<group>_<n> = wrapAsyncCb(makeLoad(
    # <fetch of ./split_…wasm>, [<chunk loaders>]))`; each chunk loader:
    # `const __chunk_<n> = makeLoad(<fetch of ./chunk_<n>-<hash>.wasm>, [])`.
    while read -r group files; do
        group_total=0
        for file in $files; do
            group_total=$((group_total + $(gzip_size "dist/$file")))
        done
        count=$(wc -w <<<"$files")
        awk -v g="$group" -v n="$count" -v t="$group_total" -v b="$SCREEN_BUDGET" \
            'BEGIN { printf "  %-24s %2d files %9d gzip (%.1f KiB), budget %d KiB\n", g, n, t, t / 1024, b / 1024 }'
        if [ "$group_total" -gt "$SCREEN_BUDGET" ]; then
            echo "screen group $group over the budget by $(((group_total - SCREEN_BUDGET) / 1024 + 1)) KiB" >&2
            over=1
        fi
    done < <(python3 - "$loader" <<'EOF'
import re
import sys

loader = open(sys.argv[1]).read()
chunks = dict(re.findall(r'const (__chunk_\d+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\./([^"]+)"', loader))
pattern = r'export const __wasm_split_load_(\w+?)_\d+ = wrapAsyncCb\(makeLoad\((.*?)\n?, \[([^\]]*)\]\)\);'
for group, fetcher, deps in re.findall(pattern, loader, re.S):
    own = re.findall(r'new URL\("\./([^"]+)"', fetcher)
    needed = [chunks[dep.strip()] for dep in deps.split(",") if dep.strip()]
    print(group, " ".join(own + needed))
EOF
    )
    echo
    echo "every chunk:"
    for file in dist/*.wasm; do
        [ "$file" = "$main_wasm" ] || row "$file"
    done
fi

if [ "$over" = 1 ] && [ "${SPA_SIZE_ENFORCE:-1}" != 0 ]; then
    exit 1
fi
exit 0
