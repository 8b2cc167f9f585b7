#!/usr/bin/env bash
# Serves the portal: a background job worker (layer ingest, notices, scheduled jobs) and
# gunicorn in the foreground. Stopping gunicorn (Ctrl-C) stops the worker too.
#
# The settings are production's with plain HTTP on loopback (scripts/serve.env), each one
# overridable from the environment, and a secret key of this checkout's own (.make/secret-key,
# made once) unless SECRET_KEY or SECRET_KEY_FILE is set.
set -euo pipefail
cd "$(dirname "$0")/.."
while IFS= read -r line; do
  case "$line" in '' | '#'*) continue ;; esac
  name="${line%%=*}"
  [[ -v "$name" ]] || export "$line"
done <scripts/serve.env
if [[ ! -v SECRET_KEY && ! -v SECRET_KEY_FILE ]]; then
  if [[ ! -s .make/secret-key ]]; then
    mkdir -p .make
    (umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' >.make/secret-key)
  fi
  export SECRET_KEY_FILE="$PWD/.make/secret-key"
fi
# With DEBUG off the pages name the hashed files listed in staticfiles.json: collect them (and
# their gzip and Brotli copies) with the same settings as the server.
.venv/bin/python manage.py collectstatic --noinput -v 0

# The job worker stops when it loses its database (a restart, a failover): it is started
# again after 2 s, as systemd's Restart=always does for deploy/planportal-worker.service.
run_worker() {
  local child=""
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; wait; exit 0' TERM INT
  while true; do
    .venv/bin/python manage.py procrastinate worker &
    child=$!
    wait "$child" || true
    echo "serve.sh: the job worker stopped; starting it again in 2 s" >&2
    sleep 2 &
    wait $! || true
  done
}
run_worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM
.venv/bin/gunicorn planportal.wsgi
