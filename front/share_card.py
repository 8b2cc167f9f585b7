"""The share card: the picture WeChat, QQ and other apps show beside a shared link.

A square PNG (WeChat crops a wide picture to a square thumbnail, which would cut the words) drawn
on the server with Pillow: the portal's name, the plan's title and stage, the village and its
class when the card is a village's, the consultation dates, and the outline of the township
with the village's area filled in, drawn from the plan's own geometry. Everything written on it
comes from the plan's data (``CardContent``); the card's ETag is a hash of that content, so a
card changes exactly when what it shows changes.
"""

import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ImproperlyConfigured
from PIL import Image, ImageDraw, ImageFont

SIZE = 600
MARGIN = 40
INK = (31, 41, 55)
MUTED = (90, 98, 110)
ACCENT = (21, 94, 117)
BAND = (236, 244, 246)
OUTLINE = (74, 59, 107)
VILLAGE_FILL = (242, 153, 74)
CLASS_INK = (180, 83, 9)  # the village's class: the fill's hue, dark enough to read
# fc-match names the file and the face of a Simplified Chinese font (NotoSansCJK-Regular.ttc
# holds five faces; the SC one is not the first).
FONT_QUERY = "Noto Sans CJK SC:lang=zh-cn"


@dataclass(frozen=True)
class CardContent:
    portal: str
    title: str  # the plan's name
    lines: tuple[str, ...]  # stage, consultation dates
    heading: str = ""  # the village's name, on a village's card
    subheading: str = ""  # its class
    outline: GEOSGeometry | None = None  # the township, EPSG:4326
    highlight: GEOSGeometry | None = None  # the village's area, EPSG:4326

    @property
    def etag(self) -> str:
        digest = hashlib.sha256()
        for part in (self.portal, self.title, *self.lines, self.heading, self.subheading):
            digest.update(part.encode() + b"\0")
        for shape in (self.outline, self.highlight):
            digest.update(bytes(shape.wkb) if shape is not None else b"-")
        return f'"card-{digest.hexdigest()[:32]}"'


@lru_cache(maxsize=1)
def font_file() -> tuple[str, int]:
    """The CJK font's file and face: SHARE_CARD_FONT ("path" or "path:index"), else what
    fontconfig finds for Simplified Chinese."""
    configured = getattr(settings, "SHARE_CARD_FONT", "")
    if configured:
        path, _colon, index = configured.partition(":")
        return path, int(index or 0)
    fc_match = shutil.which("fc-match")
    try:
        if fc_match is None:
            raise FileNotFoundError("fc-match")
        # A fixed command and arguments: nothing from a request reaches it.
        found = subprocess.run(  # noqa: S603
            [fc_match, "-f", "%{file}|%{index}", FONT_QUERY],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise ImproperlyConfigured(
            "The share card needs fontconfig (fc-match) and a CJK font: install fonts-noto-cjk "
            "or set SHARE_CARD_FONT to a font file."
        ) from error
    path, _bar, index = found.partition("|")
    if "CJK" not in path:
        raise ImproperlyConfigured(
            f"fc-match found no CJK font ({path or 'nothing'}): install fonts-noto-cjk or set "
            "SHARE_CARD_FONT to a font file."
        )
    return path, int(index or 0)


def _font(size: int) -> ImageFont.FreeTypeFont:
    path, index = font_file()
    try:
        return ImageFont.truetype(path, size, index=index)
    except OSError as error:
        raise ImproperlyConfigured(
            f"The share card's font {path} (face {index}) cannot be read: install "
            "fonts-noto-cjk or set SHARE_CARD_FONT to a font file."
        ) from error


def render_card(content: CardContent) -> bytes:
    image = Image.new("RGB", (SIZE, SIZE), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE, 64), fill=BAND)
    draw.text((MARGIN, 32), content.portal, font=_font(20), fill=ACCENT, anchor="lm")
    y = 92
    if content.heading:
        y = _write(draw, content.heading, _font(52), INK, y, max_lines=1)
        if content.subheading:
            y = _write(draw, content.subheading, _font(28), CLASS_INK, y + 4, max_lines=1)
        y += 12
        y = _write(draw, content.title, _font(24), INK, y, max_lines=2)
    else:
        y = _write(draw, content.title, _font(38), INK, y, max_lines=3)
    y += 6
    for line in content.lines:
        y = _write(draw, line, _font(22), MUTED, y + 2, max_lines=2)
    box = (MARGIN, y + 20, SIZE - MARGIN, SIZE - MARGIN)
    if box[3] - box[1] > 80:
        _draw_shapes(draw, content.outline, content.highlight, box)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _write(draw, text, font, fill, y, *, max_lines) -> int:
    """Writes ``text`` wrapped to the card's width from ``y``; returns the y below it."""
    width = SIZE - 2 * MARGIN
    line_height = int(font.size * 1.35)
    for line in _wrap(text, font, width, max_lines):
        draw.text((MARGIN, y), line, font=font, fill=fill)
        y += line_height
    return y


def _wrap(text: str, font, width: int, max_lines: int) -> list[str]:
    """Chinese wraps between any two characters; a text longer than the lines ends in "…"."""
    lines, current = [], ""
    for char in text:
        if font.getlength(current + char) > width:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _draw_shapes(draw, outline, highlight, box) -> None:
    """The township's outline with the village's area filled, fitted into ``box`` in Web
    Mercator (so the shape looks as it does on the map)."""
    shapes = [_mercator(shape) for shape in (outline, highlight)]
    fitted = [shape for shape in shapes if shape is not None]
    if not fitted:
        return
    west, south, east, north = _extent(fitted)
    scale = min((box[2] - box[0]) / max(east - west, 1), (box[3] - box[1]) / max(north - south, 1))
    left = box[0] + ((box[2] - box[0]) - (east - west) * scale) / 2
    top = box[1] + ((box[3] - box[1]) - (north - south) * scale) / 2

    def to_pixels(ring):
        return [(left + (x - west) * scale, top + (north - y) * scale) for x, y in ring]

    town, village = shapes
    for ring in _rings(village):
        draw.polygon(to_pixels(ring), fill=VILLAGE_FILL, outline=(200, 110, 40))
    for ring in _rings(town):
        draw.line(to_pixels(ring) + to_pixels(ring[:1]), fill=OUTLINE, width=3, joint="curve")


def _mercator(shape: GEOSGeometry | None) -> GEOSGeometry | None:
    if shape is None or shape.empty:
        return None
    projected = shape.clone()
    if projected.srid is None:
        projected.srid = 4326
    projected.transform(3857)
    return projected


def _extent(shapes) -> tuple[float, float, float, float]:
    boxes = [shape.extent for shape in shapes]
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _rings(shape: GEOSGeometry | None) -> list:
    """The outer rings of a polygon or multipolygon, as coordinate lists."""
    if shape is None:
        return []
    if shape.geom_type == "Polygon":
        return [shape[0].coords]
    if shape.geom_type == "MultiPolygon":
        return [polygon[0].coords for polygon in shape]
    return []
