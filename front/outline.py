"""A region's outline as a small SVG path for its page and the home page: an equirectangular
drawing scaled by the cosine of the latitude (at county size the difference from a proper
projection is invisible), north up. Only a sketch of the shape, labelled as such; the map pages
draw real geometry."""

import math
from dataclasses import dataclass

from django.contrib.gis.geos import MultiPolygon

WIDTH = 240.0


@dataclass(frozen=True)
class OutlineSketch:
    view_box: str
    path: str


def sketch(outline: MultiPolygon | None, tolerance: float = 0.002) -> OutlineSketch | None:
    if outline is None or outline.empty:
        return None
    simple = outline.simplify(tolerance, preserve_topology=True)
    west, south, east, north = simple.extent
    x_scale = math.cos(math.radians((south + north) / 2))
    width = (east - west) * x_scale
    height = north - south
    if width <= 0 or height <= 0:
        return None
    factor = WIDTH / width

    def point(lon: float, lat: float) -> str:
        return f"{(lon - west) * x_scale * factor:.1f},{(north - lat) * factor:.1f}"

    polygons = [simple] if simple.geom_type == "Polygon" else list(simple)
    parts = []
    for polygon in polygons:
        for ring in polygon:
            parts.append("M" + "L".join(point(*xy[:2]) for xy in ring.coords) + "Z")
    return OutlineSketch(f"0 0 {WIDTH:.0f} {height * factor:.0f}", "".join(parts))
