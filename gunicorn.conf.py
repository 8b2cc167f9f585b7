"""gunicorn settings for `make run`, the benchmarks and tests (gunicorn reads this file from
the working directory). Threaded workers keep browser connections alive, which matters for
tiles: a sync worker answers one request per connection, so even a 304 paid for a new TCP
connection. PORT, WEB_CONCURRENCY and GUNICORN_THREADS override the defaults."""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
accesslog = "-"
