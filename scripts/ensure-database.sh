#!/usr/bin/env bash
# Provides the PostGIS database the portal talks to.
# - DATABASE_URL set: use that server as it is; only check that it answers and has PostGIS.
#   (The roles are then the administrator's business: see README, "Database roles".)
# - otherwise: the local PostgreSQL 15 cluster "main" on 127.0.0.1:5432, started (and enabled
#   at boot where systemd runs), with two roles (passwords as their names, matching the
#   defaults in planportal/settings.py): "planportal_owner", which owns the database
#   "planportal" and runs the migrations, and "planportal", the role the portal logs in as,
#   which owns nothing (so it cannot switch off the audit trail's triggers; see
#   planportal/db_roles.py). A database made when the application's role owned everything
#   is handed over to the owner. And a template database "template_postgis" that the test run
#   copies, so the owner role needs no superuser rights.
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

for role in planportal planportal_owner; do
  if [ "$(sql -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != "1" ]; then
    say "creating database role $role"
    sql -c "CREATE ROLE $role LOGIN CREATEDB PASSWORD '$role'"
  fi
done
if [ "$(sql -c "SELECT 1 FROM pg_database WHERE datname = 'template_postgis'")" != "1" ]; then
  say "creating template database template_postgis"
  sql -c "CREATE DATABASE template_postgis"
  sql -d template_postgis -c "CREATE EXTENSION IF NOT EXISTS postgis"
  sql -c "ALTER DATABASE template_postgis WITH IS_TEMPLATE true"
fi
database=${PLANPORTAL_DATABASE_NAME:-planportal}  # another name only to try this script out
if [ "$(sql -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
  say "creating database $database"
  sql -c "CREATE DATABASE $database OWNER planportal_owner TEMPLATE template_postgis"
fi
sql -d "$database" -c "CREATE EXTENSION IF NOT EXISTS postgis"
if [ "$(sql -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$database'")" != planportal_owner ]; then
  say "handing database $database over to planportal_owner"
  sql -d "$database" -v database="$database" -f - <"$here/hand-over-database.sql"
fi
# The application's rights, as the owner grants them after each migration (idempotent).
sql -d "$database" -c "SET planportal.app_role = 'planportal'" \
  -f - <"$here/../planportal/sql/application_role.sql"
# Test databases left by runs from before the owner role belong to "planportal": the test run,
# which makes them as the owner now, could neither drop nor reuse one (every test would fail
# with "must be owner"). They hold nothing to keep, so they are dropped.
stale=$(sql -c "SELECT datname FROM pg_database WHERE datname LIKE 'test\_planportal%'
  AND pg_get_userbyid(datdba) <> 'planportal_owner'")
for name in $stale; do
  say "dropping test database $name, made before the owner role"
  sql -c "DROP DATABASE \"$name\" WITH (FORCE)"
done
