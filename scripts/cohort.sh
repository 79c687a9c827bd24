#!/usr/bin/env bash
# A cohort's lab on one host (docs/deploy.md): PostgreSQL from Debian's packages, an MLflow
# tracking server from PyPI (backend in that PostgreSQL, artifacts in a shared folder), the
# model server with several workers, and the app. Run as root:
#
#   bash scripts/cohort.sh start     # install what is missing, start everything, print the URLs
#   bash scripts/cohort.sh status    # which services answer
#   bash scripts/cohort.sh stop      # stop the lab's services (PostgreSQL keeps running)
#   bash scripts/cohort.sh backup    # pg_dump of both databases + a tarball of the artifacts
#
# Settings (environment, defaults in brackets): COHORT_DIR [/srv/driftlab] for state, logs,
# artifacts and backups; COHORT_WORKERS [2] model-server workers; COHORT_APP_ADDRESS
# [0.0.0.0] where candidates reach the app; ports MLFLOW_PORT [5000], SERVE_PORT [8000],
# APP_PORT [8501]; COHORT_PYTHON: an interpreter that has the lab installed (skips the
# .venv install); COHORT_DB_ROLE [driftlab], COHORT_LAB_DB [driftlab], COHORT_MLFLOW_DB
# [mlflow] (the role's password is set to the generated one). Secrets (database password, admin token) are made once and kept in
# $COHORT_DIR/cohort.env (0600), which is also what to source to use the CLI on this host.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
COHORT_DIR="${COHORT_DIR:-/srv/driftlab}"
WORKERS="${COHORT_WORKERS:-2}"
APP_ADDRESS="${COHORT_APP_ADDRESS:-0.0.0.0}"
MLFLOW_PORT="${MLFLOW_PORT:-5000}" SERVE_PORT="${SERVE_PORT:-8000}" APP_PORT="${APP_PORT:-8501}"
ENV_FILE="$COHORT_DIR/cohort.env"
# The role and the two databases (the lab's state; MLflow's runs and registry).
DB_ROLE="${COHORT_DB_ROLE:-driftlab}" LAB_DB="${COHORT_LAB_DB:-driftlab}"
MLFLOW_DB="${COHORT_MLFLOW_DB:-mlflow}"
fail() { echo "cohort.sh: $*" >&2; exit 1; }
answers() {  # url: 200 within 2 s (python3, which the lab needs anyway; curl may be absent)
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$1" >/dev/null 2>&1
}
as_postgres() { su postgres -c "PGOPTIONS=--client-min-messages=warning $1"; }

postgres_up() {
  # Debian's package and cluster, as scripts/postgres.sh (and CI) does it.
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
      || fail "apt-get install postgresql failed (run apt-get update first?)"
  fi
  local cluster port
  cluster=$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')
  [ -n "$cluster" ] || fail "no PostgreSQL cluster (pg_createcluster VERSION main)"
  pg_ctlcluster $cluster start 2>/dev/null || true  # 2 = already running
  PG_PORT=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
  for _ in $(seq 1 30); do
    as_postgres "psql -p $PG_PORT -Atqc 'select 1'" >/dev/null 2>&1 && return 0
    sleep 1
  done
  fail "PostgreSQL did not accept connections on port $PG_PORT"
}

secrets_once() {
  mkdir -p "$COHORT_DIR"/{artifacts,home,logs,backups}
  chmod 700 "$COHORT_DIR"
  if [ ! -f "$ENV_FILE" ]; then
    local password token
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    token=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
    ( umask 077; cat >"$ENV_FILE" <<EOF
DB_PASSWORD=$password
LAB_ADMIN_TOKEN=$token
EOF
    )
  fi
  # shellcheck disable=SC1090
  . "$ENV_FILE"
}

databases() {
  # One role; two databases in the same server: the lab's own state and MLflow's.
  as_postgres "psql -p $PG_PORT -qc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_ROLE') THEN CREATE ROLE $DB_ROLE LOGIN; END IF; END \\\$\\\$\"" >/dev/null
  as_postgres "psql -p $PG_PORT -qc \"ALTER ROLE $DB_ROLE PASSWORD '$DB_PASSWORD'\"" >/dev/null
  for db in "$LAB_DB" "$MLFLOW_DB"; do
    as_postgres "psql -p $PG_PORT -Atqc \"SELECT 1 FROM pg_database WHERE datname = '$db'\"" \
      | grep -q 1 || as_postgres "psql -p $PG_PORT -qc \"CREATE DATABASE $db OWNER $DB_ROLE\""
  done
}

write_env() {
  local base="postgresql+psycopg://$DB_ROLE:$DB_PASSWORD@127.0.0.1:$PG_PORT"
  ( umask 077; cat >"$ENV_FILE" <<EOF
DB_PASSWORD=$DB_PASSWORD
LAB_ADMIN_TOKEN=$LAB_ADMIN_TOKEN
LAB_HOME=$COHORT_DIR/home
LAB_DATABASE_URL=$base/$LAB_DB
MLFLOW_BACKEND_URL=$base/$MLFLOW_DB
MLFLOW_TRACKING_URI=http://127.0.0.1:$MLFLOW_PORT
LAB_SERVER_URL=http://127.0.0.1:$SERVE_PORT
MLFLOW_DISABLE_TELEMETRY=true
DO_NOT_TRACK=1
EOF
  )
  set -a; . "$ENV_FILE"; set +a
}

launch() {  # name, command...: in the background, its own session, pid and log kept
  local name=$1; shift
  if [ -f "$COHORT_DIR/$name.pid" ] && kill -0 "$(cat "$COHORT_DIR/$name.pid")" 2>/dev/null; then
    echo "$name: already running (pid $(cat "$COHORT_DIR/$name.pid"))"; return 0
  fi
  setsid "$@" >"$COHORT_DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$COHORT_DIR/$name.pid"
}

wait_for() {  # name, url
  for _ in $(seq 1 120); do
    answers "$2" && { echo "$1: up at ${2%/*}"; return 0; }
    sleep 1
  done
  fail "$1 did not answer at $2 (see $COHORT_DIR/logs/$1.log)"
}

start() {
  [ "$(id -u)" = 0 ] || fail "needs root (apt-get, pg_ctlcluster, su postgres)"
  postgres_up
  secrets_once
  databases
  write_env
  # The lab and MLflow from PyPI into .venv (psycopg for PostgreSQL: the 'postgres' extra),
  # unless COHORT_PYTHON names an interpreter that already has them.
  local py="${COHORT_PYTHON:-}"
  if [ -z "$py" ]; then
    ( . "$ROOT/scripts/_venv.sh" postgres )
    py="$ROOT/.venv/bin/python"
  fi
  cd "$ROOT"
  launch mlflow "$py" -m mlflow server --host 127.0.0.1 --port "$MLFLOW_PORT" --workers 2 \
    --backend-store-uri "$MLFLOW_BACKEND_URL" --artifacts-destination "$COHORT_DIR/artifacts"
  wait_for mlflow "http://127.0.0.1:$MLFLOW_PORT/health"
  launch serve "$py" -m lab.cli serve --host 127.0.0.1 --port "$SERVE_PORT" --workers "$WORKERS"
  wait_for serve "http://127.0.0.1:$SERVE_PORT/health"
  launch app "$py" -m streamlit run "$ROOT/app.py" --server.port "$APP_PORT" \
    --server.address "$APP_ADDRESS" --server.headless true --browser.gatherUsageStats false \
    --server.fileWatcherType none
  wait_for app "http://127.0.0.1:$APP_PORT/_stcore/health"
  echo "candidates: http://<this host>:$APP_PORT/?ws=<their name>"
  echo "CLI on this host: set -a; . $ENV_FILE; set +a; $py -m lab.cli ..."
}

stop() {
  for name in app serve mlflow; do
    local pidfile="$COHORT_DIR/$name.pid"
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    # Each service was started in its own session: end that session's processes (workers).
    kill -TERM -- "-$pid" 2>/dev/null || { rm -f "$pidfile"; continue; }
    # MLflow's job consumers take ~20 s to exit; whatever is left after 60 s is killed.
    for _ in $(seq 1 60); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    echo "$name: stopped (pid $pid)"
    rm -f "$pidfile"
  done
}

status() {
  [ -f "$ENV_FILE" ] && { set -a; . "$ENV_FILE"; set +a; }
  for pair in "mlflow http://127.0.0.1:$MLFLOW_PORT/health" \
              "serve http://127.0.0.1:$SERVE_PORT/health" \
              "app http://127.0.0.1:$APP_PORT/_stcore/health"; do
    set -- $pair
    if answers "$2"; then echo "$1: up"; else echo "$1: down"; fi
  done
}

backup() {
  [ -f "$ENV_FILE" ] || fail "nothing to back up: $ENV_FILE is missing (start first)"
  set -a; . "$ENV_FILE"; set +a
  local stamp port; stamp=$(date -u +%Y%m%dT%H%M%SZ)
  port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
  for db in "$LAB_DB" "$MLFLOW_DB"; do
    as_postgres "pg_dump -p $port -Fc $db" >"$COHORT_DIR/backups/$db-$stamp.dump"
  done
  tar -C "$COHORT_DIR" -czf "$COHORT_DIR/backups/artifacts-$stamp.tar.gz" artifacts
  chmod 600 "$COHORT_DIR"/backups/*-"$stamp".*
  echo "backup: $COHORT_DIR/backups/*-$stamp.*"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  backup) backup ;;
  *) fail "usage: cohort.sh start|status|stop|backup" ;;
esac
