#!/usr/bin/env bash
# Sets up and runs every check and test: formatting, lints, the wasm dependency rule,
# domain tests on SQLite and PostgreSQL, HTTP tests, the release build, Playwright in
# Chromium (JavaScript on and off, desktop and phone), the attack script, the performance
# check (scripts/perf.py) and the identity benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)
# A CI run builds once from a clean clone: incremental caches only cost disk there.
if [ "${CI:-}" = true ]; then export CARGO_INCREMENTAL=0; fi

step "PostgreSQL"
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432
# Databases left by an interrupted earlier run.
psql -h 127.0.0.1 -U postgres -d postgres -Atc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'portal_test_%'" |
  while read -r name; do psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"; done

step "Formatting"
cargo fmt --all --check

step "Lints (server side, then the wasm build)"
cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "The wasm build contains no server-only crates"
forbidden=$(cargo tree -p frontend --target wasm32-unknown-unknown -e normal --prefix none |
  grep -E '^(sea-orm|sea-query|sqlx[a-z-]*|tokio|argon2|domain) ' | sort -u || true)
if [ -n "$forbidden" ]; then
  echo "server-only crates reached the wasm build:"; echo "$forbidden"; exit 1
fi
echo "none of sea-orm, sqlx, tokio, argon2, domain"

step "Unit, service and HTTP tests (SQLite and PostgreSQL)"
# One invocation: `-p server` alone resolves other dependency features than the workspace
# does and so builds every dependency a second time (minutes, and gigabytes that a CI disk
# may not have). Tests run in parallel; a request fails its test after 30 seconds instead of
# hanging the suite.
cargo test --workspace --exclude frontend

step "Release build"
scripts/build.sh

step "End-to-end tests (Chromium; JavaScript on and off; desktop and phone)"
# Free ports: the main portal, the one with a short idle timeout, and one agreement portal
# per Playwright project (end2end/portals.ts).
read -r PORTAL_E2E_PORT PORTAL_E2E_IDLE_PORT PORTAL_E2E_AGREEMENT_PORTS < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(6)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
ports = [str(s.getsockname()[1]) for s in sockets]
print(ports[0], ports[1], ",".join(ports[2:]))')
PORTAL_E2E_DATA_DIR=$(mktemp -d)
export PORTAL_E2E_PORT PORTAL_E2E_IDLE_PORT PORTAL_E2E_AGREEMENT_PORTS PORTAL_E2E_DATA_DIR
trap 'rm -rf "$PORTAL_E2E_DATA_DIR"' EXIT
(cd end2end && npx playwright test)

step "Attacks against the release server (each must be refused)"
python3 scripts/attack.py

step "Performance (what a phone receives, throughput ratios; fails on a regression)"
python3 scripts/perf.py --guard

step "Identity benchmark (sign-ins against the Argon2 limit; latency under hashing load)"
python3 scripts/bench-identity.py

printf '\nAll checks passed in %ss.\n' "$(( $(date +%s) - started ))"
