"""Comment POSTs answered in front of Django's request handling (planportal/wsgi.py, what
gunicorn serves): ``comment_submission_app`` wraps the WSGI application.

The evening a consultation closes, or the hour it goes out on WeChat, brings the crowd, and a
comment then costs about as much Python around the view as in it: Django's URL resolution,
twenty middleware and DRF's request, negotiation and response objects. A POST of a JSON
comment to /api/consultations/{id}/comments/ is answered here by the view's own code
(``consultation.api.submission_answer``), wrapped in exactly the middleware that changes such
an answer (``APPLIED``), in the order MIDDLEWARE lists them; ``SKIPPED`` says for each other
one why it does nothing to these answers. The answer is the one DRF would render: the same
JSON bytes, status and headers (``Allow`` included), checked against Django's own in
tests/consultation/test_submission_fast_path.py.

Only a body of at most FAST_BODY_BYTES is taken here (a comment without a photo); it is read
whole first, so that a request handed on gets it back. Handed on to Django, before anything
is written: a consultation that is not public (Django's 404), a body that is not a JSON
object (DRF's 400), and any exception raised before the submission starts (a host Django
refuses, a database gone away while the consultation is read). What an applied middleware
answers itself (SecurityMiddleware's HTTPS redirect) is its answer here too. Once the
submission started, this path answers whatever happens, exceptions as Django would answer
them, so that a comment is never taken twice.
"""

import io
import logging
import re

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import APIException
from rest_framework.renderers import JSONRenderer

from consultation.api import (
    JSON_OVERHEAD_BYTES,
    CommentSubmitView,
    comment_fields,
    submission_answer,
)
from consultation.submission import consultation_for_submission
from planportal.api_errors import resource_failure_answer
from planportal.fastpath import (
    answered,
    chains_by_cookies,
    in_front_of,
    middleware_chain,
    request_starts,
)

logger = logging.getLogger(__name__)

# The comment view's URL (consultation/api_urls.py: consultations/<int:pk>/comments/).
COMMENTS_PATH = re.compile(r"^/api/consultations/(?P<pk>[0-9]+)/comments/$")
# A comment without a photo; one with a photo (a few MB of base64) goes through Django.
FAST_BODY_BYTES = JSON_OVERHEAD_BYTES

# Middleware that may change a comment's answer: applied here, in MIDDLEWARE's order.
APPLIED = (
    # A write: the request reads the primary, and the client is pinned to it for a while
    # (a cookie) so that it reads its own comment (planportal/db_router.py).
    "planportal.db_router.replica_reads",
    "planportal.middleware.permissions_policy",
    "django.middleware.security.SecurityMiddleware",
    "planportal.csp.SitePolicyMiddleware",
    "planportal.middleware.CompressedResponsesMiddleware",
    # The session is read for every POST (the trail middleware asks who is signed in), which
    # adds Vary: Cookie; a malformed session or CSRF cookie is answered with a Set-Cookie.
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Content-Language and Vary: Accept-Language (the view picks the language itself).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "planportal.audit.client_recorded",
    # A signed-in staff member's POST runs inside the history context.
    "trail.middleware.TrailContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # In the place of the session middleware for a request without cookies (below).
    "consultation.fastpath.varies_on_cookie",
    # In the place of LocaleMiddleware (below).
    "consultation.fastpath.unprefixed_path_language",
)
LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
# Of APPLIED, the middleware that change a comment's answer only through the request's cookies
# or its Authorization header: without either, the session is empty, no user is signed in,
# no CSRF cookie is there to be renewed, and no history context is opened. What is left of
# them then is the Vary: Cookie the session middleware adds because the trail middleware read
# the session, which varies_on_cookie adds in its place. Unless the CSRF token is kept in the
# session (CSRF_USE_SESSIONS).
COOKIE_MIDDLEWARE = (
    SESSION_MIDDLEWARE,
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "trail.middleware.TrailContextMiddleware",
)
# Middleware that does nothing to a comment's answer here, and why.
SKIPPED = {
    "layers.tiles.fastpath.tile_revalidation": "answers /tiles/ paths only",
    "planportal.storage.StaticFilesMiddleware": "answers static file paths only",
    "planportal.middleware.language_neutral_responses": "acts on /tiles/ and /ogc/ only",
    "planportal.middleware.RefuseLargeBodies": (
        "refuses bodies over the view's limit, and this path takes FAST_BODY_BYTES at most"
    ),
    "django.contrib.messages.middleware.MessageMiddleware": "no message is read or added",
    "axes.middleware.AxesMiddleware": "acts on a locked-out login only",
    "planportal.middleware.resource_failures_answered": (
        "answers exceptions, which this path answers the same way (resource_failure_answer)"
    ),
}


class _HandOver(Exception):
    """Django answers this request; nothing was written."""


_renderer = JSONRenderer()
# The methods DRF names in every answer of the view.
_ALLOW = ", ".join(CommentSubmitView().allowed_methods)


def _submission_view(request):
    # As AcceptLanguageMixin: API paths carry no language prefix.
    translation.activate(translation.get_language_from_request(request, check_path=False))
    request.LANGUAGE_CODE = translation.get_language()
    pk = int(COMMENTS_PATH.match(request.path_info)["pk"])
    consultation, version, sections = consultation_for_submission(pk)
    if consultation is None:
        raise _HandOver
    try:
        data = comment_fields(request.body)
    except APIException:
        raise _HandOver from None
    request.comment_submission_started = True
    try:
        answer = submission_answer(consultation, version, sections, data, request)
    except Exception as error:  # noqa: BLE001 - as Django's handler answers it
        return resource_failure_answer(request, error) or response_for_exception(request, error)
    response = HttpResponse(
        _renderer.render(answer.payload),
        status=answer.status,
        content_type="application/json",
        headers=answer.headers,
    )
    response["Allow"] = _ALLOW
    return response


def answering_chain(middleware: list[str]):
    """The submission wrapped in the APPLIED middleware in the order ``middleware`` lists
    them, or None when ``middleware`` names one this module does not know."""
    return middleware_chain(
        _submission_view,
        _language_from_unprefixed_path(middleware),
        APPLIED,
        SKIPPED,
        name="Comment",
    )


def unprefixed_path_language(get_response):
    """What LocaleMiddleware does to a comment's answer, for a path that never starts with a
    language code. LocaleMiddleware looks for a language in the path three times per
    request, and each look-up fails through the list of languages again (a failure is not
    cached): 5% of a comment's Python (bench/README.md, comments.py). Used only where the
    URLconf's language-prefixed patterns leave the default language unprefixed (or there are
    none): LocaleMiddleware then answers such a path without redirecting it."""
    prefixes_used, _ = is_language_prefix_patterns_used(settings.ROOT_URLCONF)

    def middleware(request):
        # As LocaleMiddleware without a language in the path (the view then activates the
        # request's language itself, as the comment API does).
        if prefixes_used:
            language = settings.LANGUAGE_CODE
        else:
            language = translation.get_language_from_request(request, check_path=False)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response

    return middleware


def _language_from_unprefixed_path(middleware: list[str]) -> list[str]:
    """``middleware`` with LocaleMiddleware replaced by unprefixed_path_language, unless the
    default language is prefixed too: LocaleMiddleware may then redirect a 404 to the path
    with the language, which this path leaves to it."""
    _, default_prefixed = is_language_prefix_patterns_used(settings.ROOT_URLCONF)
    if default_prefixed:
        return middleware
    return [
        "consultation.fastpath.unprefixed_path_language" if name == LOCALE_MIDDLEWARE else name
        for name in middleware
    ]


def varies_on_cookie(get_response):
    """What the session middleware does to a comment's answer when the request has no
    cookies: the session was read (by the trail middleware), so the answer varies on them."""

    def middleware(request):
        response = get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response

    return middleware


def _without_cookies(middleware: list[str]) -> list[str]:
    return [
        "consultation.fastpath.varies_on_cookie" if name == SESSION_MIDDLEWARE else name
        for name in middleware
        if name == SESSION_MIDDLEWARE or name not in COOKIE_MIDDLEWARE
    ]


def comment_submission_app(application):
    """The WSGI ``application`` with JSON comment POSTs answered in front of it."""
    chains = chains_by_cookies(answering_chain, _without_cookies)
    if chains is None:
        return application
    chain, without_cookies = chains

    def comment_answer(environ: dict):
        if not _taken(environ):
            return None
        body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
        cookies = "HTTP_COOKIE" in environ or "HTTP_AUTHORIZATION" in environ
        response = _answer(chain if cookies else without_cookies, environ, body)
        if response is None:
            environ["wsgi.input"] = io.BytesIO(body)  # Django reads the body again
        return response

    return in_front_of(application, comment_answer)


def _taken(environ: dict) -> bool:
    """A POST of a small JSON body (announced by its Content-Length) to the comment view."""
    if environ.get("REQUEST_METHOD") != "POST":
        return False
    if not COMMENTS_PATH.match(environ.get("PATH_INFO", "")):
        return False
    media_type = environ.get("CONTENT_TYPE", "").partition(";")[0].strip()
    length = environ.get("CONTENT_LENGTH", "")
    return (
        media_type == "application/json"
        and length.isascii()
        and length.isdigit()
        and int(length) <= FAST_BODY_BYTES
    )


def _answer(chain, environ: dict, body: bytes):
    """The chain's answer, or None when Django is to answer (nothing was written)."""
    request_starts(environ)
    environ["wsgi.input"] = io.BytesIO(body)
    request = WSGIRequest(environ)
    try:
        response = chain(request)
    except Exception as error:
        if not getattr(request, "comment_submission_started", False):
            if not isinstance(error, _HandOver):
                logger.debug("Comment fast path: handing over to Django", exc_info=True)
            return None
        # Raised by a middleware after the submission: never taken twice.
        response = response_for_exception(request, error)
    return answered(request, response)
