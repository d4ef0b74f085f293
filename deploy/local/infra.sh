#!/usr/bin/env bash
# Local dev/test infrastructure: PostgreSQL + Kafka, no Docker.
#
# Usage: infra.sh up|down|status|clean [--all]|env
#   eval "$(deploy/local/infra.sh env)"   # exports KAFKA_BROKERS and DATABASE_URL
#
# Overrides: KAFKA_BROKERS / DATABASE_URL (use external services), KAFKA_PORT,
# KAFKA_CONTROLLER_PORT, PGPORT_LOCAL. See README.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA="$SCRIPT_DIR/kafka.sh"
PG="$SCRIPT_DIR/postgres.sh"

kafka_brokers() { printf '%s\n' "${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-19092}}"; }
database_url() { printf '%s\n' "${DATABASE_URL:-postgres://mlops:mlops@127.0.0.1:${PGPORT_LOCAL:-15432}/mlops}"; }

# Plain values stay unquoted (readable, dotenv-friendly); anything else is single-quoted.
shell_quote() {
  if [[ "$1" =~ ^[A-Za-z0-9_@%+=:,./-]*$ ]]; then
    printf '%s' "$1"
  else
    printf "'%s'" "${1//\'/\'\\\'\'}"
  fi
}

cmd_env() {
  printf 'export KAFKA_BROKERS=%s\n' "$(shell_quote "$(kafka_brokers)")"
  printf 'export DATABASE_URL=%s\n' "$(shell_quote "$(database_url)")"
}

# Both services start in parallel (Kafka's JVM start dominates); each one's output is
# prefixed by its script already, and both exit codes are checked.
cmd_up() {
  local started=$SECONDS pg_pid kafka_pid rc=0
  "$PG" start &
  pg_pid=$!
  "$KAFKA" start &
  kafka_pid=$!
  wait "$pg_pid" || rc=1
  wait "$kafka_pid" || rc=1
  if ((rc != 0)); then
    echo "[infra] ERROR: some services failed to start (see above)" >&2
    return 1
  fi
  echo "[infra] up in $((SECONDS - started))s"
  echo "[infra]   KAFKA_BROKERS=$(kafka_brokers)"
  echo "[infra]   DATABASE_URL=$(database_url)"
  echo "[infra] to use: eval \"\$($SCRIPT_DIR/infra.sh env)\""
}

cmd_down() {
  local rc=0
  "$KAFKA" stop || rc=1
  "$PG" stop || rc=1
  return "$rc"
}

cmd_status() {
  local rc=0
  "$PG" status || rc=1
  "$KAFKA" status || rc=1
  return "$rc"
}

cmd_clean() {
  local rc=0
  "$KAFKA" clean "${1:-}" || rc=1
  "$PG" clean || rc=1
  return "$rc"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  clean) cmd_clean "${2:-}" ;;
  env) cmd_env ;;
  *)
    echo "usage: $0 up|down|status|clean [--all]|env" >&2
    exit 2
    ;;
esac
