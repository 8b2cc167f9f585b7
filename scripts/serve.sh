#!/usr/bin/env bash
# Serves the portal: a background job worker (layer ingest, notices, scheduled jobs) and
# gunicorn in the foreground. Stopping gunicorn (Ctrl-C) stops the worker too.
set -euo pipefail
cd "$(dirname "$0")/.."

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
