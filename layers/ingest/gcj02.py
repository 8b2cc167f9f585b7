"""Uploads in GCJ-02 ("Mars" coordinates, exported from 高德/Amap or 腾讯/Tencent maps) are
refused rather than stored about 550 m off.

GCJ-02 is longitude/latitude like CGCS2000, with an obfuscating offset that varies smoothly
(here about +0.0062° longitude, +0.0003…0.0008° latitude: some 550-600 m east-north-east). A
file carries no mark of it (no .prj names it, or it claims WGS 84), so it can only be told by
comparing its features with positions known to be right:

1. **The published revision of the layer being replaced.** Vertices of the upload (up to
   `MAX_SAMPLES`, spread over the file) are measured to the nearest published feature (to the
   outline of a polygon), as they are and after removing the GCJ-02 offset (prcoords' exact
   inverse). When the offset explains the difference — the median distance drops below a
   quarter of what it was, from at least `MIN_SHIFTED_METRES` — the file is GCJ-02.
2. **Named places whose true position is known** (`fixtures/data/places.csv` and
   `villages.csv`: the 阳泉曲 town seat and 阳泉曲村委会, geocoded by Amap and converted to
   WGS 84 there, and the other township seats of 孝义市): a point feature named like one of
   them that lies near its GCJ-02 position and far from its true one is GCJ-02.

How reliable this is (measured in tests/layers/ingest/test_ingest_gcj02.py on the demonstration
layers: village points, roads and 2,838 farmland parcels). Median distance to the published
revision as uploaded / with the offset removed, in metres:

    layer                  GCJ-02       unchanged    jitter 3 m   jitter 30 m   jitter 100 m
    31 village points      557 / 0      0 / 559      2 / 560      21 / 553      72 / 541
    roads (300 vertices)   277 / 0      0 / 279      1 / 279      9 / 275       31 / 268
    2,838 parcels          84 / 0       0 / 80       1.5 / 82     7 / 81        9 / 74
    31 village areas       232 / 0      0 / 225      1 / 227      10 / 232      31 / 246
    grid of 35 m parcels   3.8 / 0

GCJ-02 plus a drawing error of up to 10 m (as if traced on Amap's imagery) measured 558 / 7,
278 / 3, 82 / 3 and 233 / 3 on the four demo layers above: refused too.

The check costs one query and a shapely STRtree: 0.4 s for a revision of 50,000 parcels.

- It catches a re-upload of a layer (or of most of it) converted to GCJ-02, dense or sparse:
  the shifted vertices stand metres (dense parcels) to hundreds of metres (points) from the
  nearest published feature, and on it once the offset is removed. A layer traced again on
  Amap's imagery lines up only as well as it was drawn: it is caught while the drawing error
  stays under a quarter of the as-uploaded distance.
- It does not refuse an unchanged or slightly moved revision (a random jitter of metres), nor
  a revision whose changes are real edits: removing the offset lines those up only by chance,
  which a median over hundreds of vertices does not do.
- By name it can only check point features named like one of the known places, and the plan
  area has two (阳泉曲村委会 and the town seat, 60 m apart): enough for a villages or seats
  layer, nothing for polygons or facilities.
- It misses what it has nothing to compare with: a brand-new layer (no published revision)
  whose points carry none of the known names, which is most new layers, and a layer whose
  published revision was itself GCJ-02. Both are stored as they are; the planner still sees
  the layer on the map beside the others before publishing.
- Outside China GCJ-02 has no offset, so nothing is checked there.
"""

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import prcoords
import shapely
from django.conf import settings
from django.db import connection
from pyproj import Transformer

from . import problems
from .crs import zone_epsg_for_longitude
from .problems import Problem

MAX_SAMPLES = 300
# The published features compared with each sample: the nearest few by the spatial index (a
# point inside overlapping polygons is 0 from each; their outlines decide).
NEIGHBOURS = 8
# The median distance to the published data must be at least this before the file can be
# taken as shifted: a revision that lines up within a couple of metres is not 550 m off. Not
# more: in a dense layer a shifted vertex is never far from some other parcel's edge (3.8 m in
# a grid of 35 m parcels).
MIN_SHIFTED_METRES = 2.0
# ... and removing the offset must bring it below this share of what it was.
LINE_UP_SHARE = 0.25
# A named point is in GCJ-02 when it is this near its place's GCJ-02 position and at least
# `NAMED_FAR_METRES` from its true one (the offset being ~550 m, the two cannot both hold for a
# point drawn at the true position).
NAMED_NEAR_METRES = 150.0
NAMED_FAR_METRES = 350.0
REFERENCE_FILES = ("places.csv", "villages.csv")
# Fields that name the feature itself (名称, 行政区/村名称, 统计名称), compared in capitals; not
# those that say where it is (SZC 所在村): a school of 阳泉曲村 may stand anywhere in the village.
NAME_FIELDS = frozenset({"MC", "NAME", "名称", "XZQMC", "CMC", "村名", "TJMC", "DMMC", "地名"})
# shapely type ids of points and multi-points
POINT_TYPE_IDS = (0, 4)


@dataclass(frozen=True)
class KnownPlace:
    true_lonlat: tuple[float, float]  # WGS 84 = CGCS2000 at this scale
    gcj02_lonlat: tuple[float, float]


def check_gcj02(
    geometries_4326: np.ndarray, published_revision_id: int | None, attributes: pd.DataFrame
) -> list[Problem]:
    """An error when the upload is recognisably GCJ-02, else nothing."""
    shifted, true = named_point_tally(geometries_4326, attributes)
    return gcj02_verdict(_sample_vertices(geometries_4326), published_revision_id, shifted, true)


def gcj02_verdict(
    samples: np.ndarray, published_revision_id: int | None, shifted: list[str], true: int
) -> list[Problem]:
    """The same verdict from what a streaming read gathered batch by batch: up to MAX_SAMPLES
    vertices (lon, lat) spread over the file, and the named points' tally."""
    if len(samples) == 0 or not _in_china(samples):
        return []
    metres = _offset_metres(samples)
    if published_revision_id is not None:
        as_is, corrected = _median_distances(
            published_revision_id, samples, _without_offset(samples)
        )
        if as_is is not None and corrected is not None and _lines_up(as_is, corrected):
            return [problems.error("crs_gcj02_against_published", metres=metres)]
    if shifted and len(shifted) > true:
        return [
            problems.error("crs_gcj02_against_places", metres=metres, places="、".join(shifted))
        ]
    return []


def _lines_up(as_is: float, corrected: float) -> bool:
    return as_is >= MIN_SHIFTED_METRES and corrected < as_is * LINE_UP_SHARE


def _sample_vertices(geometries: np.ndarray) -> np.ndarray:
    """Up to MAX_SAMPLES vertices (lon, lat), evenly spread over the file's vertices, so the
    same file always gives the same samples."""
    present = geometries[~(shapely.is_missing(geometries) | shapely.is_empty(geometries))]
    vertices = shapely.get_coordinates(present)
    if len(vertices) > MAX_SAMPLES:
        vertices = vertices[np.linspace(0, len(vertices) - 1, MAX_SAMPLES).astype(int)]
    return vertices


def _in_china(lonlat: np.ndarray) -> bool:
    lon, lat = lonlat.mean(axis=0)
    return prcoords.sanity_in_china_p(prcoords.Coords(lat, lon))


def _without_offset(lonlat: np.ndarray) -> np.ndarray:
    """GCJ-02 to WGS 84 by prcoords' iterative (centimetre-exact) inverse."""
    corrected = [prcoords.gcj_wgs_bored((lat, lon)) for lon, lat in lonlat]
    return np.array([(point.lon, point.lat) for point in corrected])


def _offset_metres(lonlat: np.ndarray) -> int:
    """How far GCJ-02 moves the middle of the data, rounded to 10 m, for the message."""
    lon, lat = lonlat.mean(axis=0)
    true = prcoords.Coords(lat, lon)
    return int(round(true.distance(prcoords.wgs_gcj(true)), -1))


# The published features near the samples, polygons as their outlines (a vertex inside a
# polygon is not "on" it), in the plan's Gauss-Krüger zone so that distances are metres. One
# query and a shapely STRtree: a nearest-neighbour query per sample in SQL cost seconds per
# sample on a 50,000-parcel revision whenever the planner chose the revision index.
REFERENCE_SQL = """
    SELECT ST_AsBinary(ST_Transform(
        CASE WHEN ST_Dimension(f.geom) = 2 THEN ST_Boundary(f.geom) ELSE f.geom END, %s::integer))
    FROM layers_feature f
    WHERE f.revision_id = %s
      AND f.geom_3857 && layers_mercator_box(ST_MakeEnvelope(%s, %s, %s, %s, 4326))
"""
# How far around the samples (degrees, about 2 km) published features are fetched: further
# away, nothing lines up anyway.
REFERENCE_MARGIN_DEGREES = 0.02


def _median_distances(revision_id: int, *sample_sets: np.ndarray) -> list[float | None]:
    """For each set of points (lon, lat): the median distance (m) from its points to the
    nearest published feature of the revision; None when there is none near."""
    every = np.vstack(sample_sets)
    west, south = every.min(axis=0) - REFERENCE_MARGIN_DEGREES
    east, north = every.max(axis=0) + REFERENCE_MARGIN_DEGREES
    zone = zone_epsg_for_longitude(float(every[:, 0].mean()))
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, [zone, revision_id, west, south, east, north])
        reference = shapely.from_wkb([bytes(row[0]) for row in cursor.fetchall()])
    if len(reference) == 0:
        return [None] * len(sample_sets)
    tree = shapely.STRtree(reference)
    to_zone = _to_zone(zone)
    medians: list[float | None] = []
    for lonlat in sample_sets:
        points = shapely.points(np.column_stack(to_zone.transform(lonlat[:, 0], lonlat[:, 1])))
        _, distances = tree.query_nearest(points, return_distance=True, all_matches=False)
        medians.append(float(np.median(distances)))
    return medians


@cache
def _to_zone(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def named_point_tally(geometries: np.ndarray, attributes: pd.DataFrame) -> tuple[list[str], int]:
    """The names of known places whose point in the upload sits at the GCJ-02 position, and
    how many sit at their true one (the upload is GCJ-02 when the first outnumber the
    second)."""
    places = known_places()
    is_point = np.isin(shapely.get_type_id(geometries), POINT_TYPE_IDS)
    if not places or not is_point.any():
        return [], 0
    columns = [column for column in attributes.columns if str(column).upper() in NAME_FIELDS]
    if not columns:
        return [], 0
    names_of = attributes[columns]
    shifted, true = [], 0
    for index in np.flatnonzero(is_point):
        names = {value.strip() for value in names_of.iloc[index].tolist() if isinstance(value, str)}
        for name in sorted(names & places.keys()):
            place = places[name]
            point = shapely.get_coordinates(geometries[index])[0]
            here = prcoords.Coords(point[1], point[0])
            to_true = here.distance(prcoords.Coords(*reversed(place.true_lonlat)))
            to_gcj02 = here.distance(prcoords.Coords(*reversed(place.gcj02_lonlat)))
            if to_gcj02 <= NAMED_NEAR_METRES and to_true >= NAMED_FAR_METRES:
                shifted.append(name)
            elif to_true <= NAMED_NEAR_METRES:
                true += 1
    return shifted, true


@cache
def known_places() -> dict[str, KnownPlace]:
    """Every name (NBS 2023 and 2016 names, short names) of a place in fixtures/data with
    both its GCJ-02 and its derived WGS 84 position; {} when the files are not there."""
    places: dict[str, KnownPlace] = {}
    folder = Path(settings.BASE_DIR) / "fixtures" / "data"
    for file_name in REFERENCE_FILES:
        path = folder / file_name
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as rows:
            for row in csv.DictReader(rows):
                place = _place(row)
                if place is None:
                    continue
                for column in ("name", "name_nbs2023", "name_nbs2016", "short_name"):
                    if row.get(column):
                        places[row[column].strip()] = place
    return places


def _place(row: dict[str, str]) -> KnownPlace | None:
    try:
        true = (float(row["lon_wgs84_derived"]), float(row["lat_wgs84_derived"]))
        gcj02 = (float(row["lon_gcj02"]), float(row["lat_gcj02"]))
    except (KeyError, TypeError, ValueError):
        return None
    return KnownPlace(true, gcj02)
