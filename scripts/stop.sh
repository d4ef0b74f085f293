#!/usr/bin/env bash
# Stops the services started by `npm start` (gracefully: SIGTERM, they drain), then Kafka and PostgreSQL.
set -euo pipefail
source "$(dirname "$0")/common.sh"
for service in $SERVICES; do
  pidfile="tmp/pids/$service.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "$service stopped"
  fi
  rm -f "$pidfile"
done
bash deploy/local/infra.sh down
