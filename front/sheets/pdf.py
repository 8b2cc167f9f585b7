"""A sheet as PDF: its HTML (the same template as the page, print media) through WeasyPrint,
on the server, so every phone gets the same file. Nothing is fetched while rendering: the
stylesheet is inlined and the maps and QR codes are inline SVG, so the url fetcher refuses
every address (a planner's text cannot make the server fetch anything).

A PDF is kept in the cache under its ETag, which is made of what the sheet shows (the
published revisions, the plan's version, the paper, the day it is printed): the same sheet
asked twice is rendered once, and a browser that has it gets 304.
"""

import hashlib
import threading

from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from PIL import ImageFile

SHEET_CSS = "css/sheet.css"
PDF_CACHE_SECONDS = 3600
# Browsers and proxies may keep a sheet this long, revalidating by ETag after it.
PDF_MAX_AGE = 300
# A PDF costs about a second of CPU (bench/sheets.py): a process renders at most this many at
# once, and a request that waited RENDER_WAIT_SECONDS for its turn is told to come back, so a
# flood of distinct map views cannot take every worker thread.
RENDERS_AT_ONCE = 2
RENDER_WAIT_SECONDS = 10
_renders = threading.BoundedSemaphore(RENDERS_AT_ONCE)


def sheet_stylesheet():
    with open(finders.find(SHEET_CSS), encoding="utf-8") as css:
        return mark_safe(css.read())  # noqa: S308 (the project's own stylesheet)


def _refuse_fetch(url, *args, **kwargs):
    raise ValueError(f"sheets fetch nothing: {url[:80]}")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which pages do not need

    # WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when it is
    # imported; the portal's own image checks (figures, residents' photos) must keep refusing
    # a truncated file, and the sheets hold no raster image (maps and QR codes are SVG).
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()


def sheet_etag(*parts) -> str:
    key = "/".join(str(part) for part in parts).encode()
    return f'"sheet-{hashlib.blake2b(key, digest_size=12).hexdigest()}"'


def pdf_response(request, *, etag: str, filename: str, render_html) -> HttpResponse:
    """The PDF of ``render_html()`` named ``filename`` (Chinese allowed: RFC 5987), 304 when
    the browser holds ``etag``, from the cache when this sheet was rendered before."""
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        key = f"sheet-pdf:{etag}"
        pdf = cache.get(key)
        if pdf is None:
            if not _renders.acquire(timeout=RENDER_WAIT_SECONDS):
                return _busy()
            try:
                pdf = html_to_pdf(render_html())
            finally:
                _renders.release()
            cache.set(key, pdf, PDF_CACHE_SECONDS)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, filename)
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={PDF_MAX_AGE}"
    return response


def _busy() -> HttpResponse:
    response = HttpResponse(
        _("Many sheets are being printed right now. Please try again in a minute."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "30"
    return response
