"""Response tweaks shared by the whole site (language-neutral machine answers, the
Permissions-Policy header, compressed pages), answers for a server without a resource, and
the early refusal of oversized bodies."""

import math

from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.utils.translation import gettext as _

from planportal import api_errors

# Machine-readable answers that are the same in every language: a CDN must not keep one copy
# per browser language of each tile.
LANGUAGE_NEUTRAL_PREFIXES = ("/tiles/", "/ogc/")


def language_neutral_responses(get_response):
    def middleware(request):
        response = get_response(request)
        if request.path.startswith(LANGUAGE_NEUTRAL_PREFIXES):
            vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
            kept = [v for v in vary if v.lower() != "accept-language"]
            if kept:
                response["Vary"] = ", ".join(kept)
            elif "Vary" in response:
                del response["Vary"]
            if "Content-Language" in response:
                del response["Content-Language"]
        return response

    return middleware


def resource_failures_answered(get_response):
    """A view that met a database gone away (a restart, a failover) answers 503 with
    Retry-After, one that met a full disk 507, each with a plain message
    (planportal/api_errors.py), in development too; what fails outside a view reaches the
    same answers through the 500 handler when DEBUG is off."""

    def middleware(request):
        return get_response(request)

    def process_exception(request, exception):
        return api_errors.resource_failure_answer(request, exception)

    middleware.process_exception = process_exception
    return middleware


# -- request bodies refused by their announced size -------------------------------------------


def max_body_bytes(limit):
    """Marks a view whose requests may announce at most ``limit()`` bytes of body (a function,
    so that it follows settings); RefuseLargeBodies answers a larger one with 413 before the
    body is read. Works on function views and on class views (set ``max_body_bytes`` on the
    class)."""

    def mark(view):
        view.max_body_bytes = staticmethod(limit) if isinstance(view, type) else limit
        return view

    return mark


def _body_limit(view_func) -> int | None:
    view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
    limit = getattr(view_func, "max_body_bytes", None) or getattr(
        view_class, "max_body_bytes", None
    )
    return int(limit()) if limit else None


class RefuseLargeBodies:
    """For the views marked with ``max_body_bytes``: a request that announces a larger body
    (Content-Length) is answered 413 at once. Listed before CsrfViewMiddleware, because that
    one parses a multipart body (and spools its files to disk) as soon as a csrftoken cookie
    comes with it, whatever value the cookie has; the view's own check came too late. A
    chunked body without Content-Length is not read by Django at all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        limit = _body_limit(view_func)
        if limit is None:
            return None
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0
        if announced <= limit:
            return None
        message = _("The request is too large (at most %(mb)s MB).") % {
            "mb": math.ceil(limit / (1024 * 1024))
        }
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        response["Connection"] = "close"  # the unread body must not be taken for a request
        return response


# Answers worth compressing in Python: pages and JSON, a few kB to a few hundred. Not tiles
# (binary, many, cheap to gzip in nginx, and a quarter of the tile throughput in Python; see
# deploy/nginx-planportal.conf), nor files (GeoPackage, photos, PDFs: compressed already or
# too large to hold). Static files are WhiteNoise's, compressed once by collectstatic.
COMPRESSED_TYPES = ("text/html", "text/csv", "application/json", "application/geo+json")


class CompressedResponsesMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH mitigation) for pages and JSON only. On a slow
    phone network the layer catalogue goes from 61 kB to a few, the map layers to a third.
    Behind nginx the answer arrives compressed and nginx passes it on as it is; a strong ETag
    becomes weak (W/"..."), which the conditional GETs compare weakly (planportal/etags.py)."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in COMPRESSED_TYPES:
            return response
        return super().process_response(request, response)


# Browser features no page of the portal uses are switched off for it and for anything it
# might embed; geolocation stays on for the portal's own pages (the map's "locate me").
# A photo is picked with a file input, which needs no camera permission.
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "display-capture=()",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "serial=()",
        "usb=()",
    ]
)
PERMISSIONS_POLICY_HEADER = "Permissions-Policy"


def permissions_policy(get_response):
    """Middleware: the header on the portal's documents (HTML), which is where browsers read
    it. Not on scripts, styles, images, tiles or JSON: there it does nothing, and on the
    map's 46 requests it cost a weak phone 7 kB (bench/weak_phone.py)."""

    def middleware(request):
        response = get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault(PERMISSIONS_POLICY_HEADER, PERMISSIONS_POLICY)
        return response

    return middleware
