#!/usr/bin/env bash
# The release build as the portal ships: the server binary (target/release/server, with
# hash.txt beside it) and the site (target/site): the wasm split into one module per group of pages
# (--split), content-hashed names (hash-files in Cargo.toml), and brotli-11 and gzip copies of
# every asset next to it (--precompress) that the server sends as they are.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo leptos build --release --precompress --split
