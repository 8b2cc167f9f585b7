"""Work one step ahead in a thread: the next batch is read and checked while the last one
is encoded and sent to PostgreSQL.

    for checked in ahead(_checked(batch) for batch in stream.batches()):
        ...                                   # the consumer's work overlaps the next batch's

Reading (Arrow), parsing WKB, validity, the reprojection and most of the checks run in
numpy, shapely (GEOS) and PROJ with the GIL released, so on two cores the thread's work and
the consumer's (JSON text, COPY rows: Python) add up to less than one after the other
(bench/README.md, ingest.py). The thread must not use the database: Django's connections
belong to the thread that opened them.
"""

import contextlib
import ctypes
import threading
from collections.abc import Iterator
from functools import cache
from queue import Empty, Full, Queue
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
POLL_SECONDS = 0.1
# glibc's mallopt parameter: how many malloc arenas the process may have. By default the
# thread gets an arena of its own, and the GEOS geometries it makes are freed by the main
# thread into that arena, across threads. Measured at 1,000,000 parcels (bench/README.md):
# 30.7 s and 371 MiB with an arena per thread, 22.4 s and 361 MiB with one (24.3 s and
# 341 MiB without the thread).
M_ARENA_MAX = -8


def ahead(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of ``items``, produced by a thread up to ``depth`` items ahead of the
    consumer. An exception in the thread is raised to the consumer; when the consumer
    stops early (an exception, a cancelled job), the thread stops and ``items`` is closed in
    it (its files closed) before this generator finishes."""
    _one_malloc_arena()
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=POLL_SECONDS)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_DONE, None))
        except BaseException as exc:  # handed to the consumer
            put((_DONE, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="ingest-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item, error = queue.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # let a blocked put see the stop
            with contextlib.suppress(Empty):
                queue.get(timeout=POLL_SECONDS)
        thread.join()


@cache
def _one_malloc_arena() -> None:
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    libc.mallopt(M_ARENA_MAX, 1)
