"""gunicorn settings for `make run`, the benchmarks and tests (gunicorn reads this file from
the working directory). PORT, WEB_CONCURRENCY, GUNICORN_THREADS and GUNICORN_ACCESS_LOG (a
file, "-" for standard output, empty for none) override the defaults.

- Threaded workers keep browser connections alive, which matters for tiles: a sync worker
  answers one request per connection, so even a 304 paid for a new TCP connection.
- Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
  connections over them. On one shared socket the worker that happened to be awake took them
  all: with 8 keep-alive connections, all 8 sometimes landed on one worker, and that worker's
  single Python thread at a time capped tile revalidations at about 1,200/s instead of
  3,000-4,000/s (bench/README.md).
- The access log stays on (a proxy in front may log instead: GUNICORN_ACCESS_LOG empty);
  planportal/access_log.py writes gunicorn's default line at a third of gunicorn's cost.
- Each worker gives large freed blocks back to the system at once (post_fork): glibc would
  otherwise keep a decoded photo's 50-100 MB in each thread's arena after the request: twelve
  24 MP PNGs peaked at 2.5 GiB without it and 1.4 GiB with it (bench/photo_flood.py). Smaller
  freed memory (below that 1 MB) stays with the worker up to 4 MB per arena: otherwise glibc
  hands it back after every large answer and takes it again on the next one, a page fault
  per 4 kB (an OGC items page of 1,000 features: about 100 faults, a tenth of the worker's
  CPU for that request; bench/README.md, OGC API items).
"""

import ctypes
import os
import socket

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = 5
reuse_port = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
logger_class = "planportal.access_log.AccessLogger"
# gunicorn's control socket ($HOME/.gunicorn/gunicorn.ctl, for `gunicornc`) is not used: every
# server on a machine (tests, benchmarks, a second site) would share that one path, and the
# systemd unit in deploy/ gives the service no home. Signals (HUP, TERM) control the server.
control_socket_disable = True


def on_starting(server):
    """With SO_REUSEPORT a second server on a port already served would bind it too and
    silently take part of its requests: refuse to start instead, as without it. (A re-executed
    master, USR2, shares the port with the old one on purpose.)"""
    if server.master_pid:
        return
    for address in server.cfg.address:
        if not isinstance(address, tuple):
            continue  # a Unix socket or an inherited descriptor
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with socket.socket(family) as probe:
            # SO_REUSEADDR passes connections in TIME_WAIT, not a listening socket.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                raise SystemExit(f"{address[0]}:{address[1]}: {error.strerror}") from None
        # gunicorn's own "Listening at" line is empty when the workers bind the sockets.
        host = f"[{address[0]}]" if ":" in address[0] else address[0]
        server.log.info("Serving http://%s:%s/ (one socket per worker)", host, address[1])


# glibc's mallopt parameters. Blocks at least M_MMAP_THRESHOLD large are mmap()ed and unmapped
# on free. By default the threshold rises to the largest block freed so far (up to 32 MB),
# after which Pillow's 16 MB image blocks come from the arenas and stay with the process.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 1024 * 1024
# Free memory at the top of an arena beyond M_TRIM_THRESHOLD goes back to the system. Setting
# the mmap threshold fixes this one at its default, 128 kB, below a single 330 kB page of
# features: each large answer's few freed blocks (the page as PostgreSQL sent it, as bytes,
# joined into the body) were handed back and faulted in again by the next request. 4 MB
# holds what an answer up to the mmap threshold leaves behind.
M_TRIM_THRESHOLD = -1
TRIM_THRESHOLD_BYTES = 4 * 1024 * 1024


def post_fork(server, worker):
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
