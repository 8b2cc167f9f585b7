"""What the OGC API tests share: the CRS they answer in, made-up points, and reading answers."""

import json

from django.contrib.gis.geos import Point

from layers.models import LayerRevision
from tests.factories import square

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# The CRSs a collection offers besides CRS84 (OGC API - Features Part 2), in the listed order.
CGCS2000 = "http://www.opengis.net/def/crs/EPSG/0/4490"
GK_CM_111E = "http://www.opengis.net/def/crs/EPSG/0/4546"
GK_ZONE_37 = "http://www.opengis.net/def/crs/EPSG/0/4525"
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"
PART_2_CRSS = [CGCS2000, GK_CM_111E, GK_ZONE_37, WGS84]


def points(count: int, x0: float = 111.0, y: float = 37.0) -> list[Point]:
    """A row of points 0.01 degrees apart, from west to east."""
    return [Point(x0 + index * 0.01, y, srid=4326) for index in range(count)]


def feature_ids(revision: LayerRevision) -> list[int]:
    return list(revision.features.order_by("id").values_list("id", flat=True))


def get_json(client, url: str, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    return response, json.loads(response.content)


def link(document: dict, rel: str) -> dict | None:
    found = [item for item in document["links"] if item["rel"] == rel]
    assert len(found) <= 1
    return found[0] if found else None


# Six squares 0.01° apart along 37°N with what a farmland layer carries: a code, a name
# (one missing, one null), an area and a flag (the filter tests' parcels).
ROWS = [
    {"BSM": "P1", "DLBM": "0101", "DLMC": "水田", "TBMJ": 120.5, "SFJZ": True},
    {"BSM": "P2", "DLBM": "0102", "DLMC": "水浇地", "TBMJ": 800, "SFJZ": False},
    {"BSM": "P3", "DLBM": "0103", "DLMC": "旱地", "TBMJ": 1500, "SFJZ": True},
    {"BSM": "P4", "DLBM": "0103", "DLMC": None, "TBMJ": 40, "SFJZ": False},
    {"BSM": "P5", "DLBM": "0101", "TBMJ": 2000, "SFJZ": True},
    {"BSM": "P6", "DLBM": "0201", "DLMC": "果园", "TBMJ": 300, "SFJZ": False},
]


def parcel_shapes(x0: float = 111.0) -> list[dict]:
    return [
        {"geom": square(x0 + index * 0.01, 37.0, 0.005), "properties": row}
        for index, row in enumerate(ROWS)
    ]
