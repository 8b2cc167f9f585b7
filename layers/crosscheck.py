"""Checks across layers, as the 三条控制线 rules require (不交叉、不重叠): where 永久基本农田,
生态保护红线 and 城镇开发边界 overlap one another, and which features lie (partly) outside the
township extent (XZQ). Computed by PostgreSQL (ST_Intersection, ST_Difference, ST_Area in the
plan's Gauss-Krüger zone), returning totals, the largest cases with the features' keys, and
the pieces as GeoJSON for the result page's map.

    report = check_across(plan, {layer.pk: revision.pk, ...})   # the revisions being checked
    report["warnings"]                                            # 0: nothing to acknowledge

Each control line is taken as the revision being checked when there is one, else the layer's
published revision; a pair is reported only when one side is being checked, so a single-layer
upload of 永久基本农田 is compared with the published 城镇开发边界 and 生态保护红线. The extent is
the XZQ revision being checked (a package with its own XZQ), else the plan's official boundary
(layers/boundary.py); without either there is no extent to check against, and the report says
so. These are warnings: the planner acknowledges them before publishing.
"""

import json
from itertools import combinations

from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _

from layers.ingest.diff import area_srid
from layers.models import DataStatus, Feature, Layer, LayerRoles

CONTROL_LINES = ("YJJBNT", "STBHHX", "CZKFBJ")
BOUNDARY_CODE = "XZQ"
# Pieces smaller than this (m²) are slivers of digitising, not overlaps.
MIN_AREA_M2 = 1.0
CASES_SHOWN = 50
PIECES_ON_MAP = 300
CACHE_SECONDS = 24 * 3600

OVERLAP_SQL = """
WITH pieces AS (
    SELECT COALESCE(NULLIF(a.properties ->> %(a_key)s, ''), '#' || a.id) AS a_key,
           COALESCE(NULLIF(b.properties ->> %(b_key)s, ''), '#' || b.id) AS b_key,
           ST_Intersection(a.geom, b.geom) AS piece
    FROM {table} a JOIN {table} b ON a.geom_3857 && b.geom_3857
    WHERE a.revision_id = %(a)s AND b.revision_id = %(b)s AND ST_Intersects(a.geom, b.geom)
), measured AS (
    SELECT a_key, b_key, piece, ST_Area(ST_Transform(piece, %(srid)s)) AS m2 FROM pieces
)
SELECT a_key, b_key, m2 / 10000.0, ST_AsGeoJSON(piece, 7),
       sum(m2) OVER () / 10000.0, count(*) OVER ()
FROM measured WHERE m2 >= %(min_m2)s ORDER BY m2 DESC LIMIT %(limit)s
"""

OUTSIDE_SQL = """
WITH extent AS MATERIALIZED (
    SELECT ST_Union(geom) AS g FROM {table} WHERE revision_id = ANY(%(extent)s)
), pieces AS (
    SELECT COALESCE(NULLIF(f.properties ->> %(key)s, ''), '#' || f.id) AS k,
           ST_Difference(f.geom, extent.g) AS piece
    FROM {table} f, extent
    WHERE f.revision_id = %(revision)s AND NOT ST_CoveredBy(f.geom, extent.g)
), measured AS (
    SELECT k, piece, ST_Area(ST_Transform(piece, %(srid)s)) AS m2 FROM pieces
    WHERE ST_Dimension(piece) = 2
)
SELECT k, m2 / 10000.0, ST_AsGeoJSON(piece, 7), sum(m2) OVER () / 10000.0, count(*) OVER ()
FROM measured WHERE m2 >= %(min_m2)s ORDER BY m2 DESC LIMIT %(limit)s
"""


def check_across(plan, checked: dict[int, int]) -> dict:
    """The report for the revisions ``checked`` (layer id -> revision id) of ``plan``."""
    layers = {layer.pk: layer for layer in Layer.objects.filter(plan=plan).select_related("plan")}
    srid = area_srid(next(iter(layers.values()))) if layers else 4546
    control = _control_revisions(layers, checked)
    overlaps, pieces = [], []
    for (code_a, (layer_a, rev_a)), (code_b, (layer_b, rev_b)) in combinations(
        sorted(control.items()), 2
    ):
        if layer_a.pk not in checked and layer_b.pk not in checked:
            continue
        found = _overlap(layer_a, rev_a, layer_b, rev_b, srid)
        if found["count"]:
            overlaps.append({"a": code_a, "b": code_b, **found})
            pieces += [
                _piece(case.pop("geometry"), "overlap", f"{code_a} × {code_b}", case["hectares"])
                for case in found["cases"]
            ]
    extent, extent_kind = _extent(plan, layers, checked)
    outside = []
    if extent:
        # A new township extent is checked against every control line; otherwise only the
        # layers being checked are.
        measured = dict(checked)
        if extent_kind == "checked":
            for layer, revision in control.values():
                measured.setdefault(layer.pk, revision)
        for layer_id, revision_id in measured.items():
            layer = layers.get(layer_id)
            if layer is None or LayerRoles.TOWNSHIP_BOUNDARY.matches(layer):
                continue
            found = _outside(layer, revision_id, extent, srid)
            if found["count"]:
                outside.append({"code": layer.code, "layer": layer.collection_id, **found})
                pieces += [
                    _piece(case.pop("geometry"), "outside", layer.title, case["hectares"])
                    for case in found["cases"]
                ]
    return {
        "srid": srid,
        "extent": extent_kind,
        "overlaps": overlaps,
        "outside": outside,
        "warnings": len(overlaps) + len(outside),
        "map": {"type": "FeatureCollection", "features": pieces[:PIECES_ON_MAP]},
    }


def touches_checks(layer: Layer) -> bool:
    """Whether an upload of this layer is checked across layers: a control line or the
    township extent."""
    return layer.code.upper() in CONTROL_LINES or LayerRoles.TOWNSHIP_BOUNDARY.matches(layer)


def revision_report(layer: Layer, revision) -> dict:
    """The checks across layers of one revision against the other layers' published ones
    (empty when the layer is none of the layers checked). Kept in the cache by the revisions
    involved, since every one of them is immutable."""
    if not touches_checks(layer):
        return {}
    others = (
        Layer.objects.filter(plan_id=layer.plan_id, published_revision__isnull=False)
        .exclude(pk=layer.pk)
        .order_by("pk")
        .values_list("published_revision_id", flat=True)
    )
    key = f"crosscheck:{revision.pk}:{'-'.join(map(str, others))}"
    report = cache.get(key)
    if report is None:
        report = check_across(layer.plan, {layer.pk: revision.pk})
        cache.set(key, report, CACHE_SECONDS)
    return report


def _control_revisions(layers: dict, checked: dict[int, int]) -> dict:
    """Code -> (layer, revision id) of the control lines: checked, else published."""
    found = {}
    for layer in layers.values():
        code = layer.code.upper()
        if code not in CONTROL_LINES:
            continue
        revision = checked.get(layer.pk) or layer.published_revision_id
        if revision and (code not in found or layer.pk in checked):
            found[code] = (layer, revision)
    return found


def _extent(plan, layers: dict, checked: dict[int, int]) -> tuple[list[int], str]:
    """The revisions whose union is the extent, and where it comes from."""
    in_package = [
        revision
        for layer_id, revision in checked.items()
        if layer_id in layers and LayerRoles.TOWNSHIP_BOUNDARY.matches(layers[layer_id])
    ]
    if in_package:
        return in_package, "checked"
    official = [
        layer.published_revision_id
        for layer in layers.values()
        if layer.is_official_boundary
        and layer.published_revision_id
        and layer.data_status == DataStatus.OFFICIAL
    ]
    return official, "official" if official else ""


def _overlap(layer_a, rev_a: int, layer_b, rev_b: int, srid: int) -> dict:
    params = {
        "a": rev_a,
        "b": rev_b,
        "a_key": layer_a.key_field or "",
        "b_key": layer_b.key_field or "",
        "srid": srid,
        "min_m2": MIN_AREA_M2,
        "limit": CASES_SHOWN,
    }
    rows = _rows(OVERLAP_SQL, params)
    cases = [
        {"a_key": a_key, "b_key": b_key, "hectares": round(ha, 4), "geometry": geometry}
        for a_key, b_key, ha, geometry, _total, _count in rows
    ]
    return _summary(rows, cases, total_at=4)


def _outside(layer, revision_id: int, extent: list[int], srid: int) -> dict:
    params = {
        "extent": extent,
        "revision": revision_id,
        "key": layer.key_field or "",
        "srid": srid,
        "min_m2": MIN_AREA_M2,
        "limit": CASES_SHOWN,
    }
    rows = _rows(OUTSIDE_SQL, params)
    cases = [
        {"key": key, "hectares": round(ha, 4), "geometry": geometry}
        for key, ha, geometry, _total, _count in rows
    ]
    return _summary(rows, cases, total_at=3)


def _summary(rows, cases: list[dict], *, total_at: int) -> dict:
    if not rows:
        return {"hectares": 0.0, "count": 0, "cases": []}
    return {
        "hectares": round(float(rows[0][total_at]), 4),
        "count": int(rows[0][total_at + 1]),
        "cases": cases,
    }


def _rows(sql: str, params: dict) -> list[tuple]:
    table = connection.ops.quote_name(Feature._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)
        return cursor.fetchall()


def _piece(geometry: str, kind: str, label: str, hectares: float) -> dict:
    return {
        "type": "Feature",
        "geometry": json.loads(geometry),
        "properties": {"kind": kind, "label": label, "hectares": hectares},
    }


def map_config(plan, report: dict) -> dict:
    """What static/js/crosscheck-map.js draws: the pieces, the plan's outline, the words."""
    return {
        "pieces": report.get("map"),
        "outline": plan.extent.geojson if plan.extent else None,
        "strings": {
            "map_label": _("Overlaps and features outside the extent on the map"),
            "overlap": _("Overlap"),
            "outside": _("Outside the extent"),
            "hectares": _("ha"),
        },
    }


def acknowledgement_needed() -> str:
    return _(
        "The checks across layers found overlaps of the control lines or features outside "
        "the extent: acknowledge them to publish."
    )
