"""The map frame of a sheet: which piece of the world (EPSG:3857) goes into how many
millimetres of paper, the scale that makes, a scale bar of a round length and the zoom of the
web map that shows the same detail (for the generalised layers, drawn as their tiles are)."""

import math
from dataclasses import dataclass

from layers.tiles.sql import GENERALISED_MAX_ZOOM, WEB_MERCATOR_WIDTH_M

# Paper sizes in millimetres (portrait): the two a village office prints on.
PAPERS = {"a4": (210, 297), "a3": (297, 420)}
ORIENTATIONS = ("portrait", "landscape")
MARGIN_MM = 10
# A CSS pixel is 1/96 inch: the web map's zoom that shows a frame's detail assumes it.
MM_PER_PX = 25.4 / 96
TILE_PX = 256
EARTH_RADIUS_M = 6378137.0
# Coordinates on the sheet are written to 0.1 mm: finer is invisible on paper and only
# makes the PDF bigger.
PRECISION_MM = 0.1


@dataclass(frozen=True)
class Paper:
    size: str = "a4"
    orientation: str = "portrait"

    @property
    def width_mm(self) -> int:
        short, long = PAPERS[self.size]
        return long if self.orientation == "landscape" else short

    @property
    def height_mm(self) -> int:
        short, long = PAPERS[self.size]
        return short if self.orientation == "landscape" else long

    @property
    def css_size(self) -> str:
        """The @page size (only these module constants, never a request's text)."""
        return f"{self.size.upper()} {self.orientation}"

    def map_size(self, *, share: float) -> tuple[float, float]:
        """The map frame (width, height) in mm: the paper's width inside its margins, and
        ``share`` of its height (the rest holds the title, legend and notes); on a landscape
        sheet a column of 62 mm stays free for the legend."""
        width = self.width_mm - 2 * MARGIN_MM
        if self.orientation == "landscape":
            return width - 62, self.height_mm - 2 * MARGIN_MM - 64
        return width, (self.height_mm - 2 * MARGIN_MM) * share


def to_mercator(lon: float, lat: float) -> tuple[float, float]:
    x = math.radians(lon) * EARTH_RADIUS_M
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * EARTH_RADIUS_M
    return x, y


def to_lonlat(x: float, y: float) -> tuple[float, float]:
    lon = math.degrees(x / EARTH_RADIUS_M)
    lat = math.degrees(2 * math.atan(math.exp(y / EARTH_RADIUS_M)) - math.pi / 2)
    return lon, lat


@dataclass(frozen=True)
class Frame:
    """A bbox in EPSG:3857 drawn into width_mm x height_mm, north up."""

    xmin: float
    ymin: float
    xmax: float
    ymax: float
    width_mm: float
    height_mm: float

    @classmethod
    def around(cls, bbox_lonlat, width_mm: float, height_mm: float, pad: float = 0.0) -> "Frame":
        """The frame that shows ``bbox_lonlat`` (w, s, e, n) whole, widened to the frame's
        shape and by ``pad`` of its size on each side."""
        west, south, east, north = bbox_lonlat
        x0, y0 = to_mercator(west, south)
        x1, y1 = to_mercator(east, north)
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        span_x = max(x1 - x0, 1.0) * (1 + 2 * pad)
        span_y = max(y1 - y0, 1.0) * (1 + 2 * pad)
        per_mm = max(span_x / width_mm, span_y / height_mm)
        half_x, half_y = per_mm * width_mm / 2, per_mm * height_mm / 2
        return cls(cx - half_x, cy - half_y, cx + half_x, cy + half_y, width_mm, height_mm)

    @property
    def units_per_mm(self) -> float:
        """EPSG:3857 units per millimetre of paper."""
        return (self.xmax - self.xmin) / self.width_mm

    @property
    def centre_lonlat(self) -> tuple[float, float]:
        return to_lonlat((self.xmin + self.xmax) / 2, (self.ymin + self.ymax) / 2)

    @property
    def ground_m_per_mm(self) -> float:
        """Metres on the ground per mm of paper at the frame's centre (Web Mercator
        stretches by 1/cos(latitude))."""
        return self.units_per_mm * math.cos(math.radians(self.centre_lonlat[1]))

    @property
    def scale_denominator(self) -> int:
        """N of "1:N" at the centre, rounded to two significant figures."""
        n = self.ground_m_per_mm * 1000
        step = 10 ** max(int(math.log10(n)) - 1, 0)
        return int(round(n / step) * step)

    @property
    def scale_words(self) -> str:
        return f"{self.scale_denominator:,}"

    @property
    def tolerance(self) -> float:
        """What a vertex may move when simplified, in EPSG:3857 units: half the written
        precision."""
        return self.units_per_mm * PRECISION_MM / 2

    @property
    def web_zoom(self) -> float:
        """The zoom of the web map that shows as much detail as this frame."""
        units_per_px = self.units_per_mm * MM_PER_PX
        return math.log2(WEB_MERCATOR_WIDTH_M / (TILE_PX * units_per_px))

    @property
    def generalised_zoom(self) -> int:
        """The zoom whose generalised tiles the sheet draws: the map's, but never finer than
        the tiles are served (GENERALISED_MAX_ZOOM)."""
        return max(0, min(int(self.web_zoom), GENERALISED_MAX_ZOOM))

    def bbox_lonlat(self) -> tuple[float, float, float, float]:
        west, south = to_lonlat(self.xmin, self.ymin)
        east, north = to_lonlat(self.xmax, self.ymax)
        return west, south, east, north

    def to_sheet(self, x: float, y: float) -> tuple[float, float]:
        """A point of EPSG:3857 in mm from the frame's top left corner."""
        return (x - self.xmin) / self.units_per_mm, (self.ymax - y) / self.units_per_mm


@dataclass(frozen=True)
class ScaleBar:
    metres: int
    length_mm: float
    share: float  # of the frame's width, so the bar stays true when a screen scales the map

    @property
    def percent(self) -> str:
        return f"{self.share * 100:.2f}"

    @property
    def kilometres(self) -> float | None:
        return self.metres / 1000 if self.metres >= 1000 else None


def scale_bar(frame: Frame, *, longest_share: float = 0.3) -> ScaleBar:
    """A scale bar of a round length (1, 2 or 5 times a power of ten metres) no longer than
    ``longest_share`` of the frame."""
    longest_m = frame.ground_m_per_mm * frame.width_mm * longest_share
    power = 10 ** math.floor(math.log10(longest_m))
    metres = max(step * power for step in (1, 2, 5) if step * power <= longest_m)
    length_mm = metres / frame.ground_m_per_mm
    return ScaleBar(int(metres), length_mm, length_mm / frame.width_mm)
