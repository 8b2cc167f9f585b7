"""Answers tile revalidations (If-None-Match on /tiles/.../z/x/y.mvt) at the top of the
middleware stack.

A revalidated tile needs nothing of sessions, languages, CSRF or users: answering it before
those middlewares run makes a 304 several times cheaper than a freshly rendered tile, which is
the point of the revision-keyed ETag. Anything else falls through to the normal view.
"""

import re

from layers.tiles import not_modified

TILE_PATH = re.compile(
    r"^/tiles/(?P<collection>[-a-zA-Z0-9_]+)/(?P<z>\d+)/(?P<x>\d+)/(?P<y>\d+)\.mvt$"
)


def tile_revalidation(get_response):
    def middleware(request):
        if "HTTP_IF_NONE_MATCH" in request.META:
            match = TILE_PATH.match(request.path_info)
            if match:
                z, x, y = (int(match[name]) for name in ("z", "x", "y"))
                response = not_modified(request, match["collection"], z, x, y)
                if response is not None:
                    return response
        return get_response(request)

    return middleware
