#!/usr/bin/env bash
# Start a local PostgreSQL (Debian's package, installed if missing) and print a SQLAlchemy URL
# for the lab's prediction store on stdout. Used by .ci/run to test LAB_STORE_URL; needs root.
# On failure it says why on stderr and exits 1 (stdout stays empty).
set -uo pipefail
fail() { echo "postgres.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (apt-get, pg_ctlcluster, su postgres)"
as_postgres() { su postgres -c "PGOPTIONS=--client-min-messages=warning $1"; }

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
    || fail "apt-get install postgresql failed (was apt-get update run?)"
fi
cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}')
if [ -z "$cluster" ]; then
  # The package normally creates one; a machine where it was dropped gets a fresh one.
  version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$version" ] || fail "no PostgreSQL server under /usr/lib/postgresql"
  pg_createcluster "$version" main >/dev/null || fail "pg_createcluster $version main failed"
  cluster="$version main"
fi
# Exit code 2 means "already running", which is fine; readiness is checked below.
pg_ctlcluster $cluster start >&2
port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
ready=""
for _ in $(seq 1 30); do
  if as_postgres "psql -p $port -Atqc 'select 1'" >/dev/null 2>&1; then ready=1; break; fi
  sleep 1
done
[ -n "$ready" ] || fail "cluster $cluster did not accept connections on port $port within 30 s
$(tail -5 /var/log/postgresql/postgresql-${cluster// /-}.log 2>/dev/null)"

as_postgres "psql -p $port -qc \"DROP DATABASE IF EXISTS driftlab_test WITH (FORCE)\"" \
  >/dev/null || fail "could not drop the old driftlab_test database"
as_postgres "psql -p $port -qc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'driftlab') THEN CREATE ROLE driftlab LOGIN PASSWORD 'driftlab'; END IF; END \\\$\\\$\"" \
  >/dev/null || fail "could not create the driftlab role"
as_postgres "psql -p $port -qc \"CREATE DATABASE driftlab_test OWNER driftlab\"" >/dev/null \
  || fail "could not create the driftlab_test database"
echo "postgresql+psycopg://driftlab:driftlab@127.0.0.1:$port/driftlab_test"
