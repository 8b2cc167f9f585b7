#!/usr/bin/env bash
# Provides the PostGIS database the portal talks to.
# - DATABASE_URL set: use that server as it is; only check that it answers and has PostGIS.
# - otherwise: the local PostgreSQL 15 cluster "main" on 127.0.0.1:5432, started (and enabled
#   at boot where systemd runs), with a role and database "planportal" (password "planportal",
#   matching the default in planportal/settings.py) and a template database
#   "template_postgis" that the test run copies, so the role needs no superuser rights.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

export PGOPTIONS="-c client_min_messages=warning"

if [ -n "${DATABASE_URL:-}" ]; then
  url="${DATABASE_URL/#postgis:/postgresql:}"
  if ! psql "$url" -Atqc "SELECT 1" >/dev/null; then
    echo "DATABASE_URL does not answer: check the host, port, user and password." >&2
    exit 1
  fi
  psql "$url" -Atqc "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null || {
    echo "PostGIS is missing in the DATABASE_URL database and this role may not create it:" >&2
    echo "ask the database owner to run CREATE EXTENSION postgis there." >&2
    exit 1
  }
  exit 0
fi

version=15
cluster=main
port=5432

if ! pg_lsclusters -h | awk -v v=$version -v c=$cluster '$1==v && $2==c {f=1} END {exit !f}'; then
  say "creating PostgreSQL $version cluster $cluster"
  as_root pg_createcluster --port $port $version $cluster
fi

if [ -d /run/systemd/system ]; then
  # Enabled at boot, so the database survives a restart of the machine.
  as_root systemctl enable --now -q "postgresql@$version-$cluster"
fi
if ! pg_lsclusters -h | awk -v v=$version -v c=$cluster '$1==v && $2==c && $4=="online" {f=1} END {exit !f}'; then
  say "starting PostgreSQL $version/$cluster"
  as_root pg_ctlcluster --skip-systemctl-redirect $version $cluster start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p $port && break
  sleep 1
done
pg_isready -q -h 127.0.0.1 -p $port || { echo "PostgreSQL does not answer on 127.0.0.1:$port" >&2; exit 1; }

sql() { as_postgres env PGOPTIONS="$PGOPTIONS" psql -p $port -v ON_ERROR_STOP=1 -Atq "$@"; }

if [ "$(sql -c "SELECT 1 FROM pg_roles WHERE rolname = 'planportal'")" != "1" ]; then
  say "creating database role planportal"
  sql -c "CREATE ROLE planportal LOGIN CREATEDB PASSWORD 'planportal'"
fi
if [ "$(sql -c "SELECT 1 FROM pg_database WHERE datname = 'template_postgis'")" != "1" ]; then
  say "creating template database template_postgis"
  sql -c "CREATE DATABASE template_postgis"
  sql -d template_postgis -c "CREATE EXTENSION IF NOT EXISTS postgis"
  sql -c "ALTER DATABASE template_postgis WITH IS_TEMPLATE true"
fi
if [ "$(sql -c "SELECT 1 FROM pg_database WHERE datname = 'planportal'")" != "1" ]; then
  say "creating database planportal"
  sql -c "CREATE DATABASE planportal OWNER planportal TEMPLATE template_postgis"
fi
sql -d planportal -c "CREATE EXTENSION IF NOT EXISTS postgis"
