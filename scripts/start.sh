#!/usr/bin/env bash
# The README's main command: installs what it needs, starts Kafka and PostgreSQL and the six services
# (in the background, logs under tmp/logs), waits until each reports SERVING, runs the quickstart
# (the whole loop on real flights) and says what to try next.
set -euo pipefail
# The quickstart reports the time to first prediction from here: install, build and start-up included.
MLOPS_STARTED_AT_MS="$(date +%s%3N)"
export MLOPS_STARTED_AT_MS
source "$(dirname "$0")/common.sh"
ensure_dependencies

step "Building the services"
nx run-many -t build

start_infrastructure

# Services verify caller tokens with this secret; `npm run token` signs with it. Made once per machine.
if [[ -z "${AUTH_TOKEN_SECRET:-}" && -z "${AUTH_TOKEN_PUBLIC_KEY:-}" ]]; then
  secret_file=var/local/auth-token-secret
  if [[ ! -s "$secret_file" ]]; then
    mkdir -p "$(dirname "$secret_file")"
    (umask 077 && node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))" > "$secret_file")
  fi
  AUTH_TOKEN_SECRET="$(cat "$secret_file")"
  export AUTH_TOKEN_SECRET
fi

step "Starting the services"
mkdir -p tmp/logs tmp/pids
for service in $SERVICES; do
  pidfile="tmp/pids/$service.pid"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "$service already running (pid $(cat "$pidfile"))"; continue
  fi
  nohup node --enable-source-maps "dist/apps/$service/src/main.js" >> "tmp/logs/$service.log" 2>&1 &
  echo $! > "$pidfile"
  echo "$service started (pid $!, log tmp/logs/$service.log)"
done

step "Waiting for every service to report SERVING"
node scripts/wait-serving.js

cat <<TXT

The platform is running. Stop it with: npm stop
  service      gRPC              metrics (Prometheus)
  ingestion    127.0.0.1:20051   http://127.0.0.1:9101/metrics
  feature      127.0.0.1:20052   http://127.0.0.1:9102/metrics
  training     127.0.0.1:20053   http://127.0.0.1:9103/metrics
  registry     127.0.0.1:20054   http://127.0.0.1:9104/metrics
  serving      127.0.0.1:20055   http://127.0.0.1:9105/metrics
  monitoring   127.0.0.1:20056   http://127.0.0.1:9106/metrics
  Kafka        $KAFKA_BROKERS
  PostgreSQL   $DATABASE_URL
Try: npm run -s mlops -- status                  (the command-line tool; --help lists its commands)
     grpcurl -plaintext 127.0.0.1:20054 list   (server reflection is on)
     grpcurl -plaintext -H "authorization: Bearer \$(npm run -s token -- you viewer)" \\
       127.0.0.1:20054 mlops.registry.v1.RegistryService/ListRegisteredModels
TXT

if [[ "${QUICKSTART:-1}" != "0" ]]; then
  step "Quickstart: the whole loop on real flights (QUICKSTART=0 skips it)"
  node dist/apps/cli/src/main.js quickstart
fi
