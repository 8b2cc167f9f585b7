"""Django's PostGIS backend with a health check that costs no round trip.

With CONN_HEALTH_CHECKS a persistent connection is checked before its first use in each
request, so that a connection the server closed (a restart, a failover, an idle timeout)
is replaced instead of failing the request. Django checks by sending ``SELECT 1``: a round
trip to PostgreSQL for every request, 3-4% of a comment's CPU in the worker plus the
backend's own (bench/README.md, comments.py). A server that ends a session sends its
termination message and closes the socket, so an idle connection whose socket has become
readable is one the server has given up on: that is checked here with a zero-timeout poll.
Anything else arriving on an idle connection (a notification, a changed server parameter)
costs only a reconnection. A server that vanished without closing (a power cut) is not seen
by either check: ``SELECT 1`` would wait for TCP to give up all the same."""

import select

from django.contrib.gis.db.backends.postgis.base import DatabaseWrapper as PostGISDatabaseWrapper


class DatabaseWrapper(PostGISDatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
