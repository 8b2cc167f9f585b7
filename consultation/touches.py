"""Which villages and control lines a comment touches, worked out by PostGIS.

The place a comment points at is the resident's drawn geometry or the geometry of the layer
feature it is about. The layers that count are the plan's public ones in the roles of
layers.models.LayerRoles: village areas (村庄分类 polygons; their feature names are recorded)
and control lines (永久基本农田, 生态保护红线, 城镇开发边界, 洪涝风险控制线; their layer codes are
recorded). ``touch_layers`` finds those layers through ``Layer.objects.public()`` (the
submission keeps the answer with the consultation for a few seconds); ``touches`` intersects the
place with their published revisions in one statement, through the GiST index on geom_3857: the
function ``consultation_touches`` (migration 0011), which the submission's counting INSERT
calls in the same statement.
"""

from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper

from layers.models import Layer, LayerRoles
from planportal.db import execute_quoted

# The lookup itself is the PL/pgSQL function of migration 0011, which keeps its statements
# parsed per connection: sent inline, their parsing and planning cost PostgreSQL more than
# running them (bench/README.md, comments.py).
_TOUCHES_SQL = """
    SELECT villages, control_lines FROM consultation_touches(
        %(touch_drawn)s, %(touch_feature)s, %(touch_village_revisions)s::bigint[],
        %(touch_control_revisions)s::bigint[], %(touch_control_codes)s::text[])
"""


@dataclass(frozen=True)
class Touches:
    villages: list[str] = field(default_factory=list)
    control_lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TouchLayers:
    """The published revisions a plan's comments are matched with."""

    village_revisions: tuple[int, ...] = ()
    control_revisions: tuple[int, ...] = ()
    control_codes: tuple[str, ...] = ()


def touch_layers(plan_id: int) -> TouchLayers:
    """The plan's public village-area and control-line layers, in one query."""
    village, control = LayerRoles.VILLAGE_AREAS.q(), LayerRoles.CONTROL_LINES.q()
    layers = (
        Layer.objects.public()
        .filter(plan_id=plan_id)
        .filter(village | control)
        .annotate(
            is_village=ExpressionWrapper(village, output_field=BooleanField()),
            is_control=ExpressionWrapper(control, output_field=BooleanField()),
        )
        .values_list("published_revision_id", "code", "is_village", "is_control")
        .order_by()
    )
    village_revisions, control_revisions, control_codes = [], [], []
    for revision_id, code, is_village, is_control in layers:
        if is_village:
            village_revisions.append(revision_id)
        if is_control:
            control_revisions.append(revision_id)
            control_codes.append(code.upper())
    return TouchLayers(tuple(village_revisions), tuple(control_revisions), tuple(control_codes))


def touches_query(
    layers: TouchLayers, drawn: GEOSGeometry | None = None, feature_id: int | None = None
) -> tuple[str, dict] | None:
    """The statement ``touches`` runs, with its parameters (named ``touch_*``), for a caller
    that runs it as part of its own: one row of ``villages`` and ``control_lines``. None
    when there is nothing to look up (no place, or no such layers): nothing is touched."""
    if drawn is None and feature_id is None:
        return None
    if not layers.village_revisions and not layers.control_revisions:
        return None
    params = {
        "touch_drawn": bytes(drawn.ewkb) if drawn is not None else None,
        "touch_feature": feature_id,
        "touch_village_revisions": list(layers.village_revisions),
        "touch_control_revisions": list(layers.control_revisions),
        "touch_control_codes": list(layers.control_codes),
    }
    return _TOUCHES_SQL, params


def touches(
    layers: TouchLayers, drawn: GEOSGeometry | None = None, feature_id: int | None = None
) -> Touches:
    """The villages (names) and control lines (layer codes) the target touches; nothing for a
    comment without a place."""
    query = touches_query(layers, drawn, feature_id)
    if query is None:
        return Touches()
    with connection.cursor() as cursor:
        execute_quoted(cursor, *query)
        villages, control_lines = cursor.fetchone()
    return Touches(list(villages or []), list(control_lines or []))
