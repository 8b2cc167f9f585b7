""" "What does the plan say here": every plan element at a point, and the nearest facilities.

One query per kind of geometry over the published revisions of the plan's public layers:
polygons that contain the point, lines that pass within a short distance of it, and for point
layers the nearest feature of each category. Distances are geodesic metres (geography), so
they are right at this latitude without choosing a projection.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from layers.models import GeometryType, Layer, public_reads
from layers.tiles.sql import GENERALISED_CELLS, GENERALISED_MAX_ZOOM, WEB_MERCATOR_WIDTH_M
from planportal.models import Plan

# A line (road, river) counts as "here" within this many metres of the point.
LINE_NEAR_METRES = 100

_POLYGONS_SQL = """
    SELECT f.revision_id, f.id, f.name, f.category
    FROM layers_feature f
    WHERE f.revision_id = ANY(%(revisions)s)
      AND ST_Intersects(f.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
    ORDER BY f.revision_id, f.id
"""

_LINES_SQL = """
    SELECT f.revision_id, f.id, f.name, f.category,
           ST_Distance(f.geom::geography, ST_MakePoint(%(lon)s, %(lat)s)::geography) AS metres
    FROM layers_feature f
    WHERE f.revision_id = ANY(%(revisions)s)
      AND ST_DWithin(f.geom::geography, ST_MakePoint(%(lon)s, %(lat)s)::geography, %(near)s)
    ORDER BY metres
"""

# Nearest feature per (layer, category): DISTINCT ON keeps the first row of each group.
_NEAREST_SQL = """
    SELECT DISTINCT ON (f.revision_id, f.category)
           f.revision_id, f.id, f.name, f.category,
           ST_Distance(f.geom::geography, ST_MakePoint(%(lon)s, %(lat)s)::geography) AS metres
    FROM layers_feature f
    WHERE f.revision_id = ANY(%(revisions)s)
    ORDER BY f.revision_id, f.category, metres
"""


# Generalised layers (永久基本农田, ...) answer as their tiles draw them: "here" is the centre
# of the z13 tile grid cell holding the point (layers/tiles/sql.py), so asking point by point
# reveals no more of a parcel's outline than the map, and the answer names no parcel.
GENERALISED_CELL_M = WEB_MERCATOR_WIDTH_M / 2**GENERALISED_MAX_ZOOM / GENERALISED_CELLS

_GENERALISED_SQL = """
    WITH here AS (
        SELECT ST_Transform(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), 3857) AS p
    ), centre AS (
        SELECT ST_SetSRID(ST_Centroid(ST_Square(
            %(cell)s, floor(ST_X(p) / %(cell)s)::int, floor(ST_Y(p) / %(cell)s)::int
        )), 3857) AS c
        FROM here
    )
    SELECT DISTINCT f.revision_id
    FROM layers_feature f, centre
    WHERE f.revision_id = ANY(%(revisions)s) AND ST_Intersects(f.geom_3857, centre.c)
    ORDER BY f.revision_id
"""


@dataclass
class PointReport:
    lon: float
    lat: float
    inside_plan_area: bool
    elements: list[dict] = field(default_factory=list)
    nearby_lines: list[dict] = field(default_factory=list)
    nearest: list[dict] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


def report_at(plan: Plan, lon: float, lat: float) -> PointReport:
    inside = _inside_plan_area(plan, lon, lat)
    report = PointReport(lon=lon, lat=lat, inside_plan_area=inside)
    if not inside:
        report.sentences.append(_("This place lies outside the area of this plan."))
        return report

    layers = {
        layer.published_revision_id: layer
        for layer in Layer.objects.public()
        .filter(plan=plan)
        .select_related("published_revision", "section", "chapter")
    }
    by_type: dict[str, list[int]] = {}
    generalised: list[int] = []
    for revision_id, layer in layers.items():
        if layer.is_generalised:
            # Only whether the place is in its generalised extent: no parcel, no distance.
            if layer.geometry_type == GeometryType.POLYGON:
                generalised.append(revision_id)
        elif layer.geometry_type != GeometryType.POINT or layer.is_facility:
            by_type.setdefault(layer.geometry_type, []).append(revision_id)
    params = {"lon": lon, "lat": lat, "near": LINE_NEAR_METRES}

    for (revision_id,) in _rows(
        _GENERALISED_SQL, {**params, "cell": GENERALISED_CELL_M, "revisions": generalised}
    ):
        report.elements.append(_describe_generalised(layers[revision_id]))

    for row in _rows(_POLYGONS_SQL, {**params, "revisions": by_type.get(GeometryType.POLYGON, [])}):
        report.elements.append(_describe(layers[row[0]], row))
    for row in _rows(_LINES_SQL, {**params, "revisions": by_type.get(GeometryType.LINE, [])}):
        report.nearby_lines.append(_describe(layers[row[0]], row, metres=row[4]))
    for row in _rows(_NEAREST_SQL, {**params, "revisions": by_type.get(GeometryType.POINT, [])}):
        report.nearest.append(_describe(layers[row[0]], row, metres=row[4]))
    report.nearest.sort(key=lambda item: (item["layer_position"], item["distance_m"]))

    report.sentences = _sentences(report, layers.values())
    return report


def _inside_plan_area(plan: Plan, lon: float, lat: float) -> bool:
    if plan.extent is None:
        return True
    with public_reads().cursor() as cursor:
        cursor.execute(
            "SELECT ST_Intersects(%s::geometry, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            [plan.extent.ewkb.hex(), lon, lat],
        )
        return bool(cursor.fetchone()[0])


def _rows(sql: str, params: dict) -> list[tuple]:
    if not params["revisions"]:
        return []
    with public_reads().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _describe(layer: Layer, row: tuple, metres: float | None = None) -> dict:
    _revision, feature_id, name, category = row[:4]
    labels = {str(item.get("value")): item.get("label", "") for item in layer.legend}
    item = {
        "collection_id": layer.collection_id,
        "layer": layer.title,
        "layer_position": layer.position,
        "feature_id": feature_id,
        "name": name,
        "category": category,
        "category_label": labels.get(category, ""),
        "section": layer.section.number if layer.section else None,
        "section_anchor": layer.section.anchor if layer.section else None,
        "is_demo": layer.is_demo,
    }
    if metres is not None:
        item["distance_m"] = round(metres)
    return item


def _describe_generalised(layer: Layer) -> dict:
    """A generalised layer's element: which layer, never which parcel."""
    return {
        "collection_id": layer.collection_id,
        "layer": layer.title,
        "layer_position": layer.position,
        "feature_id": None,
        "name": "",
        "category": "",
        "category_label": "",
        "section": layer.section.number if layer.section else None,
        "section_anchor": layer.section.anchor if layer.section else None,
        "is_demo": layer.is_demo,
        "generalised": True,
    }


def _label(item: dict) -> str:
    """The most specific words for a feature: its name, else its category, else the layer."""
    return item["name"] or item["category_label"] or item["layer"]


def _sentences(report: PointReport, layers) -> list[str]:
    sentences = []
    for item in report.elements:
        if item.get("generalised"):
            sentences.append(
                _("This place lies in the approximate extent of %(layer)s.")
                % {"layer": item["layer"]}
            )
            continue
        name = _label(item)
        if item["category_label"] and item["category_label"] != name:
            name = _("%(name)s (%(category)s)") % {"name": name, "category": item["category_label"]}
        sentences.append(
            _("This place is in %(layer)s: %(name)s.") % {"layer": item["layer"], "name": name}
        )
    for item in report.nearby_lines:
        sentences.append(
            _("%(name)s (%(layer)s) passes about %(metres)s m away.")
            % {"name": _label(item), "layer": item["layer"], "metres": item["distance_m"]}
        )
    for item in report.nearest:
        kind = item["category_label"] or item["layer"]
        sentences.append(
            _("The nearest %(kind)s is %(name)s, about %(metres)s m away.")
            % {"kind": kind, "name": item["name"] or kind, "metres": item["distance_m"]}
        )
    # A control line the plan says the town does not have (e.g. 生态保护红线) is an empty
    # published layer: its description carries the plan's own sentence.
    empty = [
        layer
        for layer in layers
        if layer.geometry_type == GeometryType.POLYGON
        and layer.published_revision.feature_count == 0
        and layer.description
    ]
    sentences.extend(layer.description for layer in empty)
    if not report.elements:
        sentences.insert(0, _("No zone or control line of the plan covers this exact place."))
    return sentences
