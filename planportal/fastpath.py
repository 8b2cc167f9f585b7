"""What the WSGI fast paths share (layers/ogc/fastpath.py for OGC items GETs,
consultation/fastpath.py for comment POSTs): a busy path answered by its view wrapped in only
the middleware that shapes its answer, in front of Django's URL resolution and the rest of
its stack, with what Django's WSGI handler does around a request done the same way.

Each fast path names the middleware it applies and, for every other entry of MIDDLEWARE, why
skipping it changes nothing. A middleware it does not know switches it off (with a warning):
a middleware added later is never silently skipped.
"""

import logging

from django.conf import settings
from django.core import signals
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.wsgi import WSGIHandler, get_script_name
from django.urls import set_script_prefix
from django.utils.log import log_response
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def middleware_chain(view, middleware: list[str], applied, skipped, *, name: str):
    """``view`` wrapped in the middleware of ``applied`` in the order ``middleware`` lists
    them, or None when ``middleware`` names one that is in neither ``applied`` nor
    ``skipped``."""
    unknown = [entry for entry in middleware if entry not in applied and entry not in skipped]
    if unknown:
        logger.warning("%s fast path off: unknown middleware %s", name, ", ".join(unknown))
        return None
    handler = view
    for entry in reversed([entry for entry in middleware if entry in applied]):
        try:
            handler = import_string(entry)(handler)
        except MiddlewareNotUsed:  # as Django's handler: e.g. replica_reads without a replica
            continue
    return handler


def chains_by_cookies(answering_chain, without_cookies):
    """(the chain for a request with cookies, the chain for one without), built by
    ``answering_chain`` from MIDDLEWARE and from ``without_cookies(MIDDLEWARE)``; None when the
    fast path is off. With the CSRF token kept in the session (CSRF_USE_SESSIONS) the CSRF
    middleware reads the session for every request, and both are the whole chain."""
    chain = answering_chain(settings.MIDDLEWARE)
    if chain is None:
        return None
    if settings.CSRF_USE_SESSIONS:
        return chain, chain
    return chain, answering_chain(without_cookies(settings.MIDDLEWARE))


def request_starts(environ: dict) -> None:
    """What WSGIHandler does before its middleware: the script prefix for reverse() (the
    links), and request_started, whose receivers close a database connection that is too
    old or broken and reset the query log."""
    set_script_prefix(get_script_name(environ))
    signals.request_started.send(sender=WSGIHandler, environ=environ)


def answered(request, response):
    """What BaseHandler.get_response does with a response: the request is closed with it, and
    an error answer is logged (django.request, as "Bad Request: /path")."""
    response._resource_closers.append(request.close)
    if response.status_code >= 400:
        log_response(
            "%s: %s", response.reason_phrase, request.path, response=response, request=request
        )
    return response


def respond(response, start_response):
    """As WSGIHandler sends a response; closing it (gunicorn does) sends request_finished."""
    response._handler_class = WSGIHandler
    status = f"{response.status_code} {response.reason_phrase}"
    headers = [
        *response.items(),
        *(("Set-Cookie", cookie.output(header="")) for cookie in response.cookies.values()),
    ]
    start_response(status, headers)
    return response


def in_front_of(application, answer):
    """The WSGI ``application`` with ``answer(environ)`` asked first: its response is sent
    when it gives one; with None (not its request, or one it hands on, its body restored),
    ``application`` answers."""

    def fronted(environ, start_response):
        response = answer(environ)
        if response is not None:
            return respond(response, start_response)
        return application(environ, start_response)

    return fronted
