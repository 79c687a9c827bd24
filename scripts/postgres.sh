#!/usr/bin/env bash
# Start a local PostgreSQL (Debian's package) and print a SQLAlchemy URL for the lab's
# prediction store. Used by CI to test LAB_STORE_URL; needs root. Prints nothing on failure.
set -u
command -v pg_lsclusters >/dev/null 2>&1 || \
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || exit 0
cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR==1 {print $1" "$2}')
[ -n "$cluster" ] || exit 0
pg_ctlcluster $cluster start >/dev/null 2>&1 || true
port=$(pg_lsclusters --no-header | awk 'NR==1 {print $3}')
for _ in $(seq 1 30); do
  su postgres -c "psql -p $port -Atqc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
su postgres -c "psql -p $port -qc \"DROP DATABASE IF EXISTS driftlab_test\"" >/dev/null 2>&1
su postgres -c "psql -p $port -qc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'driftlab') THEN CREATE ROLE driftlab LOGIN PASSWORD 'driftlab'; END IF; END \\\$\\\$\"" >/dev/null 2>&1 || exit 0
su postgres -c "psql -p $port -qc \"CREATE DATABASE driftlab_test OWNER driftlab\"" >/dev/null 2>&1 || exit 0
echo "postgresql+psycopg://driftlab:driftlab@127.0.0.1:$port/driftlab_test"
