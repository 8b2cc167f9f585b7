"""The public's reads from a streaming replica, everything else from the primary.

With REPLICA_DATABASE_URL set, settings add the database alias ``replica``, this router and
the middleware below. A request's reads go to the replica only when the middleware says they
may: a safe request (GET, HEAD, OPTIONS) of someone who is not signed in (no session cookie,
no API token) and has not written in the last REPLICA_PIN_SECONDS (the cookie the middleware
sets on every answer to a POST, PUT, PATCH or DELETE). That covers what the public reads in
bulk (pages, tiles, OGC API, point reports) and leaves what staff do, and what a resident
reads right after writing it (a receipt after the comment), on the primary: the replica may
be some milliseconds behind, and nobody should miss what they just wrote.

Everything outside a request (commands, the job worker, migrations, tests' own set-up) reads
from the primary. Inside a request, the primary is used from the first write on, and inside
any transaction on the primary (select_for_update, a named model method's atomic block), so
nothing is read from the replica that a write depends on. Migrations run on the primary only.

When the replica fails (it stops, its machine goes away, a query is cancelled by a conflict
with recovery), a public request that read from it and was answered 503 (a database gone
away, planportal/api_errors.py) is run once more on the primary; when the replica does not
answer a probe, this process reads from the primary for REPLICA_RETRY_SECONDS before it tries
the replica again. The public sees no error as long as the primary answers.
"""

import logging
import time
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Set on answers to writes: for its lifetime this client's reads go to the primary.
PIN_COOKIE = "planportal_primary"


@dataclass
class ReadScope:
    """What one request may read from the replica, and whether it did."""

    replica: bool
    used_replica: bool = False


_scope: ContextVar[ReadScope | None] = ContextVar("planportal_read_scope", default=None)
# Until when (time.monotonic()) this process reads from the primary only, after the replica
# failed a probe.
_replica_down_until = 0.0


ROUTER = "planportal.db_router.PrimaryReplicaRouter"


@contextmanager
def read_scope(replica: bool):
    """Within it, reads may go to the replica (when ``replica``), as in a public request;
    yields the scope, which tells afterwards whether the replica was read."""
    scope = ReadScope(replica=replica)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES and ROUTER in settings.DATABASE_ROUTERS


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry: reads to the replica within a ReadScope that allows it."""

    def db_for_read(self, model, **hints):
        scope = _scope.get()
        if scope is None or not scope.replica:
            return PRIMARY
        if in_transaction(connections[PRIMARY]) or replica_resting():
            return PRIMARY
        scope.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints):
        scope = _scope.get()
        if scope is not None:
            # Read-your-writes within the request: what follows reads the primary.
            scope.replica = False
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # Both aliases hold the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


def in_transaction(connection) -> bool:
    """Whether the code runs inside transaction.atomic() on ``connection``; the transaction a
    test case wraps every test in does not count (as for Django's own durable check)."""
    return any(not block._from_testcase for block in connection.atomic_blocks)


def replica_resting() -> bool:
    """True while this process leaves the replica alone after it failed."""
    return time.monotonic() < _replica_down_until


def rest_replica() -> None:
    global _replica_down_until  # noqa: PLW0603 (one value per process, by design)
    _replica_down_until = time.monotonic() + settings.REPLICA_RETRY_SECONDS


def wake_replica() -> None:
    global _replica_down_until  # noqa: PLW0603
    _replica_down_until = 0.0


def reads_may_lag(request) -> bool:
    """Whether this request may read from a replica that is slightly behind: a safe request
    of someone who is not signed in and has not written lately."""
    return (
        request.method in SAFE_METHODS
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and PIN_COOKIE not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def replica_answers() -> bool:
    """A probe of the replica from this thread: a fresh connection and a SELECT 1 (through a
    pooler the connection alone proves nothing)."""
    connection = connections[REPLICA]
    try:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        with suppress(DatabaseError):
            connection.close()
        return False
    return True


def replica_reads(get_response):
    """Middleware, first in MIDDLEWARE: opens the request's ReadScope, runs a public request
    again on the primary when the replica failed it, and pins a client that wrote to the
    primary for REPLICA_PIN_SECONDS."""
    if not replica_configured():
        raise MiddlewareNotUsed

    def middleware(request):
        with read_scope(reads_may_lag(request)) as scope:
            response = get_response(request)
        if scope.used_replica and _database_went_away(response):
            if not replica_answers():
                logger.warning("replica unavailable: reading from the primary")
                rest_replica()
            with read_scope(False):
                response = get_response(request)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    return middleware


def _database_went_away(response) -> bool:
    # planportal/api_errors.database_unavailable: 503 with Retry-After.
    return response.status_code == 503 and response.has_header("Retry-After")
