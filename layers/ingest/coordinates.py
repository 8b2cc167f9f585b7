"""Coordinates no map can hold: NaN, infinity, and values far beyond any coordinate system.

A GIS writes NaN for a vertex it could not compute, and a broken export writes 1e308. Such a
feature is refused by its number, never repaired: GEOS's repair drops a NaN vertex, so a
square parcel would be stored as a triangle. They are found in two places:

- at reading, a ring whose first vertex is NaN cannot even be built (NaN is not equal to the
  NaN that should close it), so the reader gives no geometry; its WKB is read here through
  GDAL (which builds any ring) to tell the planner which coordinate is wrong;
- after reading, every other geometry's coordinates are checked at once with numpy.

Values in messages are written with 3 significant digits (1e+308, not 309 digits).
"""

from collections.abc import Mapping

import numpy as np
import shapely
from django.contrib.gis.gdal import GDALException, OGRGeometry

from . import problems
from .problems import Problem, feature_where

# No coordinate system the portal reads comes near this: Gauss-Krüger eastings with their zone
# number reach 4.5e7 m, northings 1e7 m, degrees 360. A larger value is a broken file.
COORDINATE_LIMIT = 1e9


def format_coordinate(value: float) -> str:
    """A coordinate for a message: as written up to the metre, else 3 significant digits."""
    if not np.isfinite(value):
        return str(value)
    if abs(value) < 1000:
        return f"{value:.6g}"
    if abs(value) < COORDINATE_LIMIT:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _problem(xy: np.ndarray, index: int, keys: list[str | None]) -> Problem | None:
    """The problem of the first unusable vertex among a feature's coordinates ``xy`` (n x 2),
    None when all are usable."""
    bad = np.flatnonzero(~_usable_vertices(xy))
    if not len(bad):
        return None
    vertex = int(bad[0])
    where = feature_where(index, keys)
    if not np.isfinite(xy[vertex]).all():
        return problems.error("coordinate_not_finite", vertex=vertex + 1, **where)
    value = max(xy[vertex], key=abs)
    return problems.error(
        "coordinate_out_of_range", vertex=vertex + 1, value=format_coordinate(value), **where
    )


def check_coordinates(
    geometries: np.ndarray, unreadable: Mapping[int, bytes], keys: list[str | None]
) -> tuple[np.ndarray, list[Problem]]:
    """The features to refuse (a boolean mask) and their problems: those with a coordinate
    that is NaN, infinite or beyond COORDINATE_LIMIT, and those the reader could not build
    (``unreadable``: row -> WKB)."""
    refused = np.zeros(len(geometries), dtype=bool)
    if not unreadable and _all_usable(shapely.get_coordinates(geometries)):
        # The common case, in two passes over the coordinates instead of six and without
        # the feature of each (0.8 -> 0.2 s of CPU at 1,000,000 parcels).
        return refused, []
    found: dict[int, Problem] = {}
    xy, rows = shapely.get_coordinates(geometries, return_index=True)
    for index in np.unique(rows[~_usable_vertices(xy)]):
        # get_coordinates lists the features in order: each one's rows are a slice.
        start, stop = np.searchsorted(rows, index, "left"), np.searchsorted(rows, index, "right")
        found[int(index)] = _problem(xy[start:stop], int(index), keys)
    for index, wkb in unreadable.items():
        found[index] = _problem(_wkb_coordinates(wkb), index, keys) or problems.error(
            "geometry_unreadable", **feature_where(index, keys)
        )
    refused[list(found)] = True
    return refused, [found[index] for index in sorted(found)]


def _all_usable(xy: np.ndarray) -> bool:
    """``_usable_vertices(xy).all()``, as two reductions over the whole array."""
    return bool(np.isfinite(xy).all()) and (not len(xy) or np.abs(xy).max() <= COORDINATE_LIMIT)


def _usable_vertices(xy: np.ndarray) -> np.ndarray:
    """Per vertex (a row of ``xy``): finite, and within COORDINATE_LIMIT."""
    finite = np.isfinite(xy)
    return finite.all(axis=1) & (np.abs(np.where(finite, xy, 0)) <= COORDINATE_LIMIT).all(axis=1)


def _wkb_coordinates(wkb: bytes) -> np.ndarray:
    """Every x, y of a WKB geometry as GDAL reads it (n x 2); empty when GDAL cannot."""
    try:
        coords = OGRGeometry(memoryview(bytes(wkb))).coords
    except (GDALException, TypeError, ValueError):
        return np.empty((0, 2))
    flat: list[float] = []
    _flatten(coords, flat)
    if not flat:
        return np.empty((0, 2))
    # OGR gives 2 or 3 numbers per position; the innermost tuples are the positions.
    width = _position_width(coords)
    return np.asarray(flat, dtype=float).reshape(-1, width)[:, :2]


def _flatten(value, into: list[float]) -> None:
    if isinstance(value, tuple | list):
        for item in value:
            _flatten(item, into)
    else:
        into.append(float(value))


def _position_width(coords) -> int:
    while isinstance(coords, tuple | list) and coords and isinstance(coords[0], tuple | list):
        coords = coords[0]
    return len(coords) if isinstance(coords, tuple | list) and coords else 2
