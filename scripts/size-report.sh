#!/usr/bin/env bash
# Prints the raw, gzip and brotli sizes of what a browser downloads (wasm, JavaScript and
# CSS of the release build) and fails when a compressed size is over its budget.
# Citizens on phones and slow networks pay for every kilobyte of the first load.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=${1:-target/site/pkg}

# Budgets in bytes, brotli-compressed (what the server sends to current browsers). The wasm
# budget grew from 300 to 740 KiB as pages arrived (every hydrated page adds its views to the
# one wasm file, about 15 KiB a page); account deletion's three pages took it to 768 KiB.
# Then the build erased component types (`always-erase-components` in Cargo.toml: views
# become `AnyView` instead of one deeply nested type per page, so far less generic code is
# monomorphized): 477 KiB with every page, and the budget came down to 520 KiB. Splitting the
# wasm by route (Leptos `#[lazy_route]` with `cargo leptos build --split`) was also tried: the
# first load fell to 200-490 KiB by page, in 12 to 187 files, but 7 of 104 end-to-end tests
# then received pages without their response headers (CSP, redirects); it waits until that
# is understood (see the README's status).
declare -A budget=(
  [wasm]=$((520 * 1024))
  [js]=$((20 * 1024))
  [css]=$((10 * 1024))
)

printf '%-28s %10s %10s %10s %10s\n' file raw gzip brotli budget
status=0
total_br=0
for kind in wasm js css; do
  for file in "$pkg"/*."$kind"; do
    [ -e "$file" ] || { echo "missing: $pkg/*.$kind (run a release build first)"; exit 1; }
    raw=$(stat -c %s "$file")
    gz=$(gzip -9 -c "$file" | wc -c)
    br=$(brotli -q 11 -c "$file" | wc -c)
    total_br=$((total_br + br))
    verdict=ok
    if [ "$br" -gt "${budget[$kind]}" ]; then verdict="OVER"; status=1; fi
    printf '%-28s %10d %10d %10d %10d %s\n' "$(basename "$file")" "$raw" "$gz" "$br" "${budget[$kind]}" "$verdict"
  done
done
printf '%-28s %10s %10s %10d\n' "total (brotli)" "" "" "$total_br"
exit $status
