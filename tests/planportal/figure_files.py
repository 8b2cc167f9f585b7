"""Sample figure files made in the test: real PNG, JPEG and PDF bytes, and disguised ones."""

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter


def png(width: int = 800, height: int = 600, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (200, 30, 30) if mode == "RGB" else None).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int = 800, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 30)).save(out, "JPEG")
    return out.getvalue()


def pdf(pages: int = 1, password: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=842, height=595)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG signature and IHDR claiming ``width`` × ``height``, then an empty IDAT: nothing
    to decode."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _chunk(b"IDAT", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
