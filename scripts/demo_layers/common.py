"""The working frame, geometry helpers, the Layer record and the writer.

All synthetic geometry is built in EPSG:4546 (CGCS2000 / 3-degree Gauss-Krüger CM 111E, metres),
placed by kilometre offsets from the real 阳泉曲镇 seat, and converted to lon/lat (EPSG:4326,
CGCS2000 taken as WGS84) only when written.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, mapping

TOWN_CODE = "141181101000"
TOWN_NAME = "阳泉曲镇"
DEMO_SOURCE = "演示数据，由 scripts/build_demo_layers.py 生成"
DEMO_NOTE = "演示数据（示意），非批准规划成果"
DEMO_PUBLICATION_NOTE = (
    "演示数据（示意）：依草案文字示意，位置、范围和面积不是规划成果，不作为任何权利或审批的依据；"
    "以依法批准的规划成果为准。"
)
SCHEMATIC, OFFICIAL = "schematic", "official"  # layers.models.DataStatus values
# The plan layers' 要素代码 are made up ("21" + chapter + section + serial + "00", see
# catalogue.py); a GIS user must not take them for the 数据库规范's codes.
ILLUSTRATIVE_YSDM_PREFIX = "21"
ILLUSTRATIVE_YSDM_LABEL = "要素代码（示意编码，非数据库规范代码）"
ILLUSTRATIVE_YSDM_NOTE = (
    "要素代码（YSDM）为示意编码（“21”+章+节+序号+“00”），非国土空间规划数据库规范的要素代码。"
)
BSM_PREFIX = "141181"

TO_METRIC = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True)
TO_LONLAT = Transformer.from_crs("EPSG:4546", "EPSG:4326", always_xy=True)

GEOMETRY_KINDS = {
    "Point": ("Point", "MultiPoint"),
    "LineString": ("LineString", "MultiLineString"),
    "Polygon": ("Polygon", "MultiPolygon"),
}


# ---------------------------------------------------------------- frames


def _transformed(transformer: Transformer, geom):
    def move(coords):
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, move)


def to_metric(geom):
    return _transformed(TO_METRIC, geom)


def to_lonlat(geom):
    return _transformed(TO_LONLAT, geom)


class Frame:
    """Kilometre offsets (east, north) from an origin, in EPSG:4546 metres."""

    def __init__(self, origin_lonlat: tuple[float, float]):
        self.x0, self.y0 = TO_METRIC.transform(*origin_lonlat)

    def xy(self, dx: float, dy: float) -> tuple[float, float]:
        return (self.x0 + 1000.0 * dx, self.y0 + 1000.0 * dy)

    def point(self, dx: float, dy: float) -> Point:
        return Point(self.xy(dx, dy))

    def polygon(self, vertices_km) -> Polygon:
        return Polygon([self.xy(dx, dy) for dx, dy in vertices_km])

    def km(self, point: Point) -> tuple[float, float]:
        return ((point.x - self.x0) / 1000.0, (point.y - self.y0) / 1000.0)


# ---------------------------------------------------------------- shapes


def spline(points_xy, step: float = 40.0) -> LineString:
    """A Catmull-Rom curve through the points, sampled about every `step` metres."""
    p = np.asarray(points_xy, dtype=float)
    p = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    parts = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        n = max(2, int(np.linalg.norm(p2 - p1) / step))
        t = np.linspace(0.0, 1.0, n, endpoint=False)[:, None]
        parts.append(
            0.5
            * (
                2 * p1
                + (p2 - p0) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t**2
                + (3 * p1 - p0 - 3 * p2 + p3) * t**3
            )
        )
    parts.append(p[-2][None, :])
    return LineString(np.vstack(parts))


def meander(line: LineString, rng: np.random.Generator, amplitude: float, step=25.0):
    """Offsets the line sideways by a sum of sines of its arc length (a gentle meander)."""
    n = max(3, int(line.length / step))
    s = np.linspace(0.0, line.length, n)
    xy = np.array([line.interpolate(d).coords[0] for d in s])
    tangent = np.gradient(xy, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1)[:, None]
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    offset = np.zeros(n)
    for wavelength, share in ((900.0, 0.6), (420.0, 0.3), (190.0, 0.1)):
        phase = rng.uniform(0, 2 * math.pi)
        offset += amplitude * share * np.sin(2 * math.pi * s / wavelength + phase)
    taper = np.clip(np.minimum(s, s[-1] - s) / 150.0, 0.0, 1.0)
    return LineString(xy + normal * (offset * taper)[:, None])


def blob(
    center_xy, radius: float, rng: np.random.Generator, stretch=1.0, angle=0.0, rough=0.22, n=30
) -> Polygon:
    """An irregular star-shaped polygon (always valid): a wobbly ellipse."""
    t = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    r = np.ones(n)
    for k in (2, 3, 5):
        r += rough / k * rng.uniform(-1, 1) * np.cos(k * t + rng.uniform(0, 2 * math.pi))
    x, y = radius * stretch * r * np.cos(t), radius * r * np.sin(t)
    a = math.radians(angle)
    return Polygon(
        np.column_stack(
            [
                center_xy[0] + x * math.cos(a) - y * math.sin(a),
                center_xy[1] + x * math.sin(a) + y * math.cos(a),
            ]
        )
    )


def parts(geom) -> list:
    """The parts of a (multi) geometry, as a list."""
    return list(getattr(geom, "geoms", [geom]))


def largest(geom):
    return max(parts(geom), key=lambda g: g.area)


def close(geom, distance: float = 40.0):
    """Morphological closing: fuses near-touching parts, rounds notches."""
    return geom.buffer(distance, quad_segs=4).buffer(-distance, quad_segs=4)


# ---------------------------------------------------------------- layers


@dataclass
class Layer:
    """A catalogue entry and its features (geometry, properties without BSM/YSDM/MJ)."""

    slug: str
    code: str
    title: str
    description: str
    chapter: int
    section: str
    geometry_type: str
    name_field: str
    category_field: str | None
    attributes: list[tuple]  # (name, label, type[, required]); BSM, YSDM are added
    features: list[tuple]
    style: dict
    ysdm: str
    categories: list = field(default_factory=list)
    is_demo: bool = True
    data_status: str = SCHEMATIC
    source_note: str = DEMO_SOURCE
    publication_note: str = DEMO_PUBLICATION_NOTE
    public_policy: str = "features"
    min_zoom: int = 0
    lonlat: bool = False  # True when the geometries are already lon/lat (real inputs)
    decimals: int = 6


def category(value: str, label: str | None = None, **style) -> dict:
    return {"value": value, "label": label or value, "style": style}


AUTOMATIC = {"BSM", "YSDM", "MJ", "MJGQ"}


def output_geometry(geom, lonlat: bool, decimals: int):
    """To lon/lat, snapped to the decimal grid (topology-preserving), rings RFC 7946."""
    g = geom if lonlat else to_lonlat(geom)
    if not g.is_valid:  # a metre-valid ring can pinch by 1e-12 degrees on reprojection
        kind = g.geom_type.removeprefix("Multi")
        g = shapely.union_all([p for p in parts(shapely.make_valid(g)) if p.geom_type == kind])
    g = shapely.set_precision(g, 10.0**-decimals)
    if g.geom_type in ("Polygon", "MultiPolygon"):
        g = shapely.orient_polygons(g)
    return g


def _rounded(value, decimals: int):
    if isinstance(value, (list, tuple)):
        return [_rounded(v, decimals) for v in value]
    return round(float(value), decimals)


def metric_area(geom_lonlat) -> float:
    return to_metric(geom_lonlat).area


def render(layer: Layer, number: int) -> tuple[dict, str]:
    """Catalogue entry and GeoJSON text of a layer; checks every feature on the way."""
    illustrative = layer.ysdm.startswith(ILLUSTRATIVE_YSDM_PREFIX)
    ysdm_label = ILLUSTRATIVE_YSDM_LABEL if illustrative else "要素代码"
    specs = [("BSM", "标识码", "string"), ("YSDM", ysdm_label, "string"), *layer.attributes]
    names = [s[0] for s in specs]
    lines = []
    for serial, (geom, given) in enumerate(layer.features, start=1):
        expected = [n for n in names if n not in AUTOMATIC]
        assert sorted(given) == sorted(expected), (layer.slug, sorted(given), expected)
        out = output_geometry(geom, layer.lonlat, layer.decimals)
        assert out.is_valid and not out.is_empty, (layer.slug, serial, shapely.is_valid_reason(out))
        assert out.geom_type in GEOMETRY_KINDS[layer.geometry_type], (layer.slug, out.geom_type)
        props = {"BSM": f"{BSM_PREFIX}{number:02d}{serial:010d}", "YSDM": layer.ysdm}
        area = metric_area(out) if "MJ" in names else 0.0
        for name in names[2:]:
            if name == "MJ":
                props[name] = round(area, 2)
            elif name == "MJGQ":
                props[name] = round(area / 10000.0, 2)
            else:
                props[name] = given[name]
        geometry = mapping(out)
        geometry = {
            "type": geometry["type"],
            "coordinates": _rounded(geometry["coordinates"], layer.decimals),
        }
        feature = {"type": "Feature", "properties": props, "geometry": geometry}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    if lines:
        text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    else:
        text = '{"type":"FeatureCollection","features":[]}\n'
    entry = {
        "collection_id": f"yangquanqu-{layer.slug}",
        "code": layer.code,
        "title": layer.title,
        # an empty layer has no codes to disclose (and its description is what the point
        # report quotes, as for the 生态保护红线 the town does not have)
        "description": layer.description
        + (ILLUSTRATIVE_YSDM_NOTE if illustrative and layer.features else ""),
        "chapter": layer.chapter,
        "section": layer.section,
        "geometry_type": layer.geometry_type,
        "file": f"layers/{layer.slug}.geojson",
        "public_policy": layer.public_policy,
        "is_demo": layer.is_demo,
        "data_status": layer.data_status,
        "source_note": layer.source_note,
        "publication_note": layer.publication_note,
        "key_field": "BSM",
        "name_field": layer.name_field,
        "category_field": layer.category_field,
        "min_zoom": layer.min_zoom,
        "style": layer.style,
        "categories": layer.categories,
        "attributes": [
            {
                "name": s[0],
                "label": s[1],
                "type": s[2],
                "required": s[3] if len(s) > 3 else True,
            }
            for s in specs
        ],
    }
    assert layer.name_field in names and (layer.category_field in names + [None])
    assert layer.data_status in (SCHEMATIC, OFFICIAL) and layer.publication_note
    assert layer.is_demo == (layer.data_status == SCHEMATIC), layer.slug
    return entry, text


def write_all(layers: list[Layer], out_dir: Path) -> list[tuple[str, int, int]]:
    """Writes layers/<slug>.geojson and layers.json; returns (file, features, bytes)."""
    (out_dir / "layers").mkdir(parents=True, exist_ok=True)
    entries, report = [], []
    for number, layer in enumerate(layers, start=1):
        entry, text = render(layer, number)
        data = text.encode("utf-8")
        (out_dir / entry["file"]).write_bytes(data)
        entries.append(entry)
        report.append((entry["file"], len(layer.features), len(data)))
    catalogue = json.dumps({"layers": entries}, ensure_ascii=False, indent=1) + "\n"
    (out_dir / "layers.json").write_text(catalogue, encoding="utf-8")
    return report
