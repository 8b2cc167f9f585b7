"""Answers tile revalidations (If-None-Match on /tiles/.../z/x/y.mvt) before the rest of the
server does any work for them, in two places:

- ``tile_revalidation_app`` wraps the WSGI application (planportal/wsgi.py, what gunicorn
  serves): a still-valid tile is answered 304 before Django builds a request object, sends its
  request signals or runs any middleware, from the layer lookup this process already keeps
  (layers.tiles.lookup.kept_tile_source). It never touches the database: when the lookup has expired
  (every couple of seconds per layer) the request goes through Django, which reads it again.
  Measured with gunicorn on two cores, a 304 then costs little more than gunicorn's own
  handling of a request (bench/README.md).
- ``tile_revalidation``, first in MIDDLEWARE, does the same inside Django for servers that do
  not go through planportal/wsgi.py (runserver, the test client) and for expired lookups.

Both decide with ``layers.tiles.views.revalidation_headers``, the view's own check, so the ETag and
the cache headers are the same code everywhere. Anything else falls through to the view. A
304 carries no body and says only that the public tile a client holds is still current, so
the fast path skips nothing that protects anyone (host checks, sessions, CSRF).
"""

import re
from urllib.parse import parse_qsl

from layers.tiles.lookup import kept_tile_source
from layers.tiles.views import not_modified, revalidation_headers

# [0-9], not \d: \d would also take other scripts' digits, which int() accepts.
TILE_PATH = re.compile(
    r"^/tiles/(?P<collection>[-a-zA-Z0-9_]+)/(?P<z>[0-9]+)/(?P<x>[0-9]+)/(?P<y>[0-9]+)\.mvt$"
)


def tile_revalidation(get_response):
    def middleware(request):
        if "HTTP_IF_NONE_MATCH" in request.META:
            match = TILE_PATH.match(request.path_info)
            if match:
                response = not_modified(request, match["collection"], *_tile_numbers(match))
                if response is not None:
                    return response
        return get_response(request)

    return middleware


def _tile_numbers(match: re.Match) -> tuple[int, int, int]:
    return int(match["z"]), int(match["x"]), int(match["y"])


def tile_revalidation_app(application):
    """The WSGI ``application`` with tile revalidations answered in front of it."""

    def revalidating_application(environ, start_response):
        headers = _revalidation(environ)
        if headers is None:
            return application(environ, start_response)
        start_response("304 Not Modified", list(headers.items()))
        return []

    return revalidating_application


def _revalidation(environ: dict) -> dict[str, str] | None:
    """The 304's headers for a WSGI request, or None to let Django answer it."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if not if_none_match or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    match = TILE_PATH.match(environ.get("PATH_INFO", ""))
    if match is None:
        return None
    version = _version(environ)
    source = kept_tile_source(match["collection"], version)
    if source is None:
        return None
    return revalidation_headers(source, if_none_match, version, *_tile_numbers(match))


def _version(environ: dict) -> str | None:
    """The URL's ?v=, as Django's request.GET.get("v") reads it: the last of repeated ones."""
    query = environ.get("QUERY_STRING")
    if not query:
        return None
    return dict(parse_qsl(query, keep_blank_values=True)).get("v")
