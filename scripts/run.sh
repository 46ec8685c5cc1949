#!/usr/bin/env bash
# Sets up, builds (release) and runs the portal at http://127.0.0.1:3000 on the embedded
# SQLite database in data/ (created and migrated on start). Extra arguments go to the
# server, e.g. `scripts/run.sh --dev`; see `target/release/server --help`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
source scripts/env.sh

printf '\n==> Building the portal (release)\n'
scripts/build.sh

printf '\n==> Serving on http://%s (Ctrl+C stops)\n' "${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec target/release/server serve "$@"
