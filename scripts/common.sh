# Shared by the README's commands. Sourced, not run.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Node 24 comes from the `node` devDependency (the machine's Node may be older).
export PATH="$ROOT/node_modules/.bin:$PATH"
# Nx never talks to a cloud service and keeps no background daemon in scripts.
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false NX_SKIP_NX_CACHE="${NX_SKIP_NX_CACHE:-false}"
export SERVICES="ingestion feature training registry serving monitoring"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

# Installs npm packages when node_modules is missing or the lock file changed since the last install.
ensure_dependencies() {
  local stamp="node_modules/.package-lock.sha256" want
  want="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [[ ! -x node_modules/.bin/node || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    step "Installing npm packages"
    # `npm install` against the committed lock (every version pinned there), not `npm ci`: npm 11 here
    # rejects lock files lacking other platforms' optional binaries (buf, swc, nx), even fresh ones.
    npm install --no-audit --no-fund
    echo "$want" > "$stamp"
  fi
  node --version | grep -q '^v24\.' || { echo "expected Node 24 from node_modules/.bin, got $(node --version)" >&2; exit 1; }
}

# Installs moto's S3 server (pinned, from PyPI) into .venv-s3/ for the S3 integration tests, when the
# venv is missing or the requirements changed since the last install.
ensure_s3_test_server() {
  local venv=".venv-s3" requirements="scripts/s3-test-server.requirements.txt" want
  want="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [[ ! -x "$venv/bin/moto_server" || "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ]]; then
    step "Installing the S3 test server (moto, into $venv)"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
    echo "$want" > "$venv/.requirements.sha256"
  fi
}

start_infrastructure() {
  step "Starting local Kafka and PostgreSQL (deploy/local)"
  bash deploy/local/infra.sh up
  eval "$(bash deploy/local/infra.sh env)"
  export KAFKA_BROKERS DATABASE_URL
}
