#!/usr/bin/env bash
# The README's test command: installs what it needs, starts the real Kafka and PostgreSQL, then runs
# proto checks, lint, type checks, unit tests, integration tests and the end-to-end smoke test.
set -euo pipefail
source "$(dirname "$0")/common.sh"
ensure_dependencies
started=$(date +%s)

step "Generating code from proto/ and checking the contracts (buf lint, breaking changes)"
nx run-many -t generate proto-lint proto-breaking -p proto

step "Lint, type checks and unit tests"
nx run-many -t lint typecheck test --output-style=stream-without-prefixes

step "Building every service"
nx run-many -t build

start_infrastructure
ensure_s3_test_server

step "Integration tests (real Kafka and PostgreSQL; an S3 server the tests start)"
jest -c jest.integration.config.js --runInBand

step "End-to-end smoke test (six service processes)"
jest -c test/jest.config.js --runInBand

echo "all checks passed in $(( $(date +%s) - started ))s"
