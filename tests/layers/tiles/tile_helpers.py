"""Tile numbers and the demo layers the tile tests read."""

import math

FARMLAND_ID = "yangquanqu-yjjbnt"
VILLAGE = (111.5312, 37.0731)  # a made-up village point inside the demo plan's area


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x, y of the z tile holding a point."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y
