"""QR codes to a page of the portal, drawn on the server (segno) so every phone and every
printer shows the same code.

A code always carries an absolute address on this site: the public address (``SITE_URL``)
joined with a path of the portal. A path from elsewhere is refused, so a code on an official
poster can never be made to point at another site.
"""

import io
from urllib.parse import urljoin, urlsplit

import segno
from django.conf import settings


class ForeignAddress(ValueError):
    """The address to encode does not lead to a page of this portal."""


def site_address(path):
    """The absolute address of ``path`` (a path with query, e.g. ``/plans/x/?a=1``) on this
    site; refuses anything but a local path."""
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        raise ForeignAddress(path)
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path.lstrip("/"))


def qr_svg(address, *, scale=4, title=None):
    """An inline ``<svg>`` element of ``address``; medium error correction survives a
    scratched or sun-bleached 公示栏 print."""
    code = segno.make(address, error="m", micro=False)
    return code.svg_inline(scale=scale, border=2, title=title, dark="#000", light="#fff")


def qr_svg_document(address, *, scale=5, title=None):
    """A standalone SVG file of ``address`` (with its namespace, so an ``<img>`` shows it)."""
    buffer = io.BytesIO()
    segno.make(address, error="m", micro=False).save(
        buffer,
        kind="svg",
        scale=scale,
        border=2,
        title=title,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgclass=None,
    )
    return buffer.getvalue()


def qr_png(address, *, scale=8):
    """PNG bytes of ``address`` (for saving the code to a phone's photos)."""
    buffer = io.BytesIO()
    segno.make(address, error="m", micro=False).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
