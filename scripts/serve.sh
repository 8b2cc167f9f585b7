#!/usr/bin/env bash
# Serves the portal: a background job worker (layer ingest) and gunicorn in the foreground.
# Stopping gunicorn (Ctrl-C) stops the worker too.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python manage.py procrastinate worker &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM
.venv/bin/gunicorn planportal.wsgi
