"""OGC API items answered in front of Django's request handling (planportal/wsgi.py, what
gunicorn serves): ``ogc_items_app`` wraps the WSGI application.

A GET of /ogc/collections/{id}/items is answered by the items view itself
(layers/ogc/views.py, with its layer lookup kept per process: layers/ogc/lookup.py), wrapped
in exactly the middleware that changes such an answer (``APPLIED``), in the order MIDDLEWARE
lists them: Permissions-Policy (which a 304 gets: its Content-Type is text/html),
SecurityMiddleware (the HTTPS redirect and its headers), django-csp, the gzip of pages and
JSON, the session and CSRF middleware (which answer a malformed cookie with a Set-Cookie),
CommonMiddleware (host and user-agent checks, Content-Length) and X-Frame-Options.
Skipped is URL resolution and the rest of the stack (a few ms of an items request on two
busy cores, whose floor is 4-5 ms at 50,000 parcels: bench/README.md, OGC API items);
``SKIPPED`` says for each other middleware why it does nothing to these answers.

Only a 200 or a 304 is answered here. Anything else (an unknown or tiles-only collection, a
bad parameter, a refused host, an HTTPS redirect, an exception such as a database gone
away) is thrown away and the request goes through Django as if this did not exist, so error
answers, their language and the 503 of a lost database are Django's own. Nothing the fast
path does before that writes anything.

A request without a Cookie header is answered without the session and CSRF middleware
(``COOKIE_MIDDLEWARE``), which change an items answer only through the request's cookies.

When MIDDLEWARE names a middleware this module does not know, the fast path switches itself
off (with a warning): a middleware added later is never silently skipped.
"""

import logging
import re

from django.core.handlers.wsgi import WSGIRequest

from layers.ogc.views import items
from planportal.fastpath import chains_by_cookies, in_front_of, middleware_chain, request_starts

logger = logging.getLogger(__name__)

# A collection id is a slug (Layer.collection_id); the view's own URL pattern tolerates a
# trailing slash. Anything else (other characters, other paths) goes to Django.
ITEMS_PATH = re.compile(r"^/ogc/collections/(?P<collection>[-a-zA-Z0-9_]+)/items/?$")
ANSWERED = (200, 304)

# Middleware that may change an items answer: applied here, in MIDDLEWARE's order.
APPLIED = (
    # With a read replica: the public's items are read from it (planportal/db_router.py). A
    # replica that fails raises in the view, and Django's own stack then runs the request on
    # the primary.
    "planportal.db_router.replica_reads",
    # On a 304, whose Content-Type is Django's default text/html.
    "planportal.middleware.permissions_policy",
    "django.middleware.security.SecurityMiddleware",
    "planportal.csp.SitePolicyMiddleware",  # django-csp with the policy built once
    "planportal.middleware.CompressedResponsesMiddleware",
    # Both answer a malformed cookie with a Set-Cookie (a session cookie deleted, a new CSRF
    # token), even on a view that uses neither.
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)
# Of APPLIED, the middleware that change an items answer only through the request's cookies
# (the view reads neither the session nor the CSRF token): without a Cookie header the session
# is empty and unread, and no token is there to be replaced. Skipped for such a request, unless
# the CSRF token is kept in the session (CSRF_USE_SESSIONS), which reads the session.
COOKIE_MIDDLEWARE = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
)
# Middleware that does nothing to a 200 or 304 items answer, and why.
SKIPPED = {
    "layers.tiles.fastpath.tile_revalidation": "answers /tiles/ paths only",
    "planportal.storage.StaticFilesMiddleware": "answers static file paths only",
    "planportal.middleware.language_neutral_responses": (
        "removes from /ogc/ answers what LocaleMiddleware adds (Vary: Accept-Language, "
        "Content-Language), which is not added here"
    ),
    "django.middleware.locale.LocaleMiddleware": (
        "the language only shapes error messages, and errors go through Django; its "
        "headers are removed again by language_neutral_responses"
    ),
    "planportal.middleware.RefuseLargeBodies": "acts on views marked max_body_bytes only",
    "django.contrib.auth.middleware.AuthenticationMiddleware": (
        "a lazy request.user, which the OGC views never read"
    ),
    "planportal.audit.client_recorded": "a context for audit events, and items records none",
    "trail.middleware.TrailContextMiddleware": "acts on staff POST/PUT/PATCH/DELETE only",
    "django.contrib.messages.middleware.MessageMiddleware": "no message is read or added",
    "axes.middleware.AxesMiddleware": "acts on a locked-out login only",
    "planportal.middleware.resource_failures_answered": (
        "answers exceptions, and an exception here sends the request through Django"
    ),
}


def _items_view(request):
    return items(request, ITEMS_PATH.match(request.path_info)["collection"])


def answering_chain(middleware: list[str]):
    """The items view wrapped in the APPLIED middleware in the order ``middleware`` lists
    them, or None when ``middleware`` names one this module does not know."""
    return middleware_chain(_items_view, middleware, APPLIED, SKIPPED, name="OGC items")


def _without_cookies(middleware: list[str]) -> list[str]:
    return [name for name in middleware if name not in COOKIE_MIDDLEWARE]


def ogc_items_app(application):
    """The WSGI ``application`` with OGC items GETs answered in front of it."""
    chains = chains_by_cookies(answering_chain, _without_cookies)
    if chains is None:
        return application
    chain, without_cookies = chains

    def items_answer(environ: dict):
        if environ.get("REQUEST_METHOD") != "GET" or not ITEMS_PATH.match(
            environ.get("PATH_INFO", "")
        ):
            return None
        return _answer(chain if "HTTP_COOKIE" in environ else without_cookies, environ)

    return in_front_of(application, items_answer)


def _answer(chain, environ: dict):
    """The answer of the chain when it is a 200 or a 304, else None (Django answers)."""
    request_starts(environ)
    try:
        response = chain(WSGIRequest(environ))
    except Exception:  # noqa: BLE001 - Django answers it, with its own error handling
        logger.debug("OGC items fast path: handing over to Django", exc_info=True)
        return None
    if response.status_code not in ANSWERED or response.streaming:
        response.close()
        return None
    return response
