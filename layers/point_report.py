""" "What does the plan say here": every plan element at a point, and the nearest facilities.

One query per kind of geometry over the published revisions of the plan's public layers:
polygons that contain the point, lines that pass within a short distance of it, and for point
layers the nearest feature of each category. Distances are geodesic metres (geography), so
they are right at this latitude without choosing a projection.

Every sentence built from a layer that is not the approved plan (演示数据, 示意) says so, and
each item of the JSON carries its layer's mark (SJZT). Whether the place lies in the plan's
area is firm only against the official township boundary (layers/boundary.py): outside the
approximate extent the report says the place *may* lie outside, and answers all the same.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from layers.boundary import plan_area
from layers.models import DEMO_MARK, UNOFFICIAL_MARKS, GeometryType, Layer, public_reads
from layers.tiles.sql import GENERALISED_CELLS, GENERALISED_MAX_ZOOM, WEB_MERCATOR_WIDTH_M
from planportal.models import Plan

# A line (road, river) counts as "here" within this many metres of the point.
LINE_NEAR_METRES = 100

_POLYGONS_SQL = """
    SELECT f.revision_id, f.id, f.name, f.category
    FROM layers_feature f
    WHERE f.revision_id = ANY(%(revisions)s)
      AND f.geom_3857 && layers_mercator_box(ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326))
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


class PlanBoundary:
    """What ``inside_plan_area`` was decided against."""

    OFFICIAL = "official"  # the official township boundary: the answer is firm
    APPROXIMATE = "approximate"  # the approximate extent (示意范围): never a firm "outside"
    NONE = "none"  # the plan has no area: every place counts as inside


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
    # True inside the plan's area (official or approximate); False only outside the official
    # boundary; None outside the approximate extent, where nobody can say.
    inside_plan_area: bool | None
    plan_boundary: str
    elements: list[dict] = field(default_factory=list)
    nearby_lines: list[dict] = field(default_factory=list)
    nearest: list[dict] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


def report_at(plan: Plan, lon: float, lat: float) -> PointReport:
    area = plan_area(plan)
    if area.geometry is None:
        boundary, inside = PlanBoundary.NONE, True
    else:
        boundary = PlanBoundary.OFFICIAL if area.official else PlanBoundary.APPROXIMATE
        inside = _inside(area.geometry, lon, lat)
    if not inside and boundary == PlanBoundary.OFFICIAL:
        report = PointReport(lon=lon, lat=lat, inside_plan_area=False, plan_boundary=boundary)
        report.sentences.append(_("This place lies outside the area of this plan."))
        return report
    report = PointReport(
        lon=lon, lat=lat, inside_plan_area=True if inside else None, plan_boundary=boundary
    )

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
    if not inside:
        report.sentences.insert(
            0,
            _(
                "This place may lie outside the area of this plan (the township extent is "
                "approximate)."
            ),
        )
    return report


def _inside(area, lon: float, lat: float) -> bool:
    with public_reads().cursor() as cursor:
        cursor.execute(
            "SELECT ST_Intersects(%s::geometry, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
            [area.ewkb.hex(), lon, lat],
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
        "data_mark": layer.data_mark,
        "is_approximate_boundary": layer.is_approximate_boundary,
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
        "data_mark": layer.data_mark,
        "is_approximate_boundary": layer.is_approximate_boundary,
        "generalised": True,
    }


def _label(item: dict) -> str:
    """The most specific words for a feature: its name, else its category, else the layer."""
    return item["name"] or item["category_label"] or item["layer"]


def _mark_words(mark: str, approximate_boundary: bool = False) -> list[str]:
    """The words a sentence built from such a layer ends with; none for official data."""
    words = []
    if mark == DEMO_MARK:
        words.append(_("demonstration data"))
    elif mark in UNOFFICIAL_MARKS:
        words.append(_("schematic"))
    if approximate_boundary:
        words.append(_("approximate extent, not a legal boundary"))
    return words


def _marked(sentence: str, words: list[str]) -> str:
    """The sentence with "（演示数据）" (in the reader's language) before its final stop."""
    if not words:
        return sentence
    suffix = _(" (%(marks)s)") % {"marks": _(", ").join(words)}
    if sentence.endswith(("。", ".")):
        return sentence[:-1] + suffix + sentence[-1]
    return sentence + suffix


def _item_marked(sentence: str, item: dict) -> str:
    return _marked(sentence, _mark_words(item["data_mark"], item["is_approximate_boundary"]))


def _sentences(report: PointReport, layers) -> list[str]:
    sentences = []
    for item in report.elements:
        if item.get("generalised"):
            sentence = _("This place lies in the approximate extent of %(layer)s.") % {
                "layer": item["layer"]
            }
            sentences.append(_item_marked(sentence, item))
            continue
        name = _label(item)
        if item["category_label"] and item["category_label"] != name:
            name = _("%(name)s (%(category)s)") % {"name": name, "category": item["category_label"]}
        sentence = _("This place is in %(layer)s: %(name)s.") % {
            "layer": item["layer"],
            "name": name,
        }
        sentences.append(_item_marked(sentence, item))
    for item in report.nearby_lines:
        sentence = _("%(name)s (%(layer)s) passes about %(metres)s m away.") % {
            "name": _label(item),
            "layer": item["layer"],
            "metres": item["distance_m"],
        }
        sentences.append(_item_marked(sentence, item))
    for item in report.nearest:
        kind = item["category_label"] or item["layer"]
        sentence = _("The nearest %(kind)s is %(name)s, about %(metres)s m away.") % {
            "kind": kind,
            "name": item["name"] or kind,
            "metres": item["distance_m"],
        }
        sentences.append(_item_marked(sentence, item))
    # A control line the plan says the town does not have (e.g. 生态保护红线) is an empty
    # published layer: its description carries the plan's own sentence.
    empty = [
        layer
        for layer in layers
        if layer.geometry_type == GeometryType.POLYGON
        and layer.published_revision.feature_count == 0
        and layer.description
    ]
    sentences.extend(_marked(layer.description, _mark_words(layer.data_mark)) for layer in empty)
    if not report.elements:
        # Said from the polygon layers' absence here: as reliable as the least official one.
        marks = {layer.data_mark for layer in layers if layer.geometry_type == GeometryType.POLYGON}
        weakest = DEMO_MARK if DEMO_MARK in marks else next(iter(marks & set(UNOFFICIAL_MARKS)), "")
        sentence = _("No zone or control line of the plan covers this exact place.")
        sentences.insert(0, _marked(sentence, _mark_words(weakest)))
    return sentences
