#!/usr/bin/env bash
# Benchmarks: `npm run bench -- <name>` runs bench/<name>.mjs against the local Kafka and PostgreSQL
# (started here, like the test command) and the built services. Figures are printed, never asserted.
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_dependencies
name="${1:?usage: npm run bench -- <name>   (one of: $(cd bench && ls *.mjs | sed 's/\.mjs$//' | tr '\n' ' '))}"
nx run-many -t build >/dev/null
start_infrastructure
node "bench/$name.mjs"
