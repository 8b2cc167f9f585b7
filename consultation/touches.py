"""Which villages and control lines a comment touches, worked out by PostGIS.

The place a comment points at is the resident's drawn geometry or the geometry of the layer
feature it is about. One statement intersects it with the published revisions of the plan's
village layer(s) (their feature names) and of its control-line layers (their layer codes),
using the GiST index on ``layers_feature.geom``.

Village areas: public polygon layers of the plan whose code is one of
COMMENT_VILLAGE_LAYER_CODES (default the village classification, 村庄分类 "CZFL"), or whose
collection id ends with one of COMMENT_VILLAGE_LAYER_SUFFIXES. Control lines: public layers
whose code is one of COMMENT_CONTROL_LINE_CODES (永久基本农田, 生态保护红线, 城镇开发边界,
洪涝风险控制线).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import connection

DEFAULT_VILLAGE_CODES = ("CZFL",)
DEFAULT_VILLAGE_SUFFIXES = ("-village-class", "-village-areas", "-village-territories")
DEFAULT_CONTROL_LINE_CODES = ("YJJBNT", "STBHHX", "CZKFBJ", "HLFXKZX")

_TOUCHES_SQL = """
    WITH target AS (
        SELECT COALESCE(
            ST_GeomFromEWKB(%(drawn)s),
            (SELECT geom FROM layers_feature WHERE id = %(feature)s)
        ) AS geom
    ),
    public_layers AS (
        SELECT l.id, l.code, l.collection_id, l.geometry_type, l.published_revision_id
        FROM layers_layer l JOIN planportal_plan p ON p.id = l.plan_id
        WHERE l.plan_id = %(plan)s AND p.is_published AND l.published_revision_id IS NOT NULL
    )
    SELECT
        ARRAY(
            SELECT DISTINCT f.name
            FROM public_layers l
            JOIN layers_feature f ON f.revision_id = l.published_revision_id
            CROSS JOIN target t
            WHERE l.geometry_type = 'Polygon'
              AND (upper(l.code) = ANY(%(village_codes)s)
                   OR l.collection_id LIKE ANY(%(village_patterns)s))
              AND f.name <> ''
              AND ST_Intersects(f.geom, t.geom)
            ORDER BY 1
        ),
        ARRAY(
            SELECT DISTINCT upper(l.code)
            FROM public_layers l CROSS JOIN target t
            WHERE upper(l.code) = ANY(%(control_codes)s)
              AND EXISTS (
                  SELECT 1 FROM layers_feature f
                  WHERE f.revision_id = l.published_revision_id AND ST_Intersects(f.geom, t.geom)
              )
            ORDER BY 1
        )
"""


@dataclass(frozen=True)
class Touches:
    villages: list[str] = field(default_factory=list)
    control_lines: list[str] = field(default_factory=list)


def _codes(name: str, default: tuple[str, ...]) -> list[str]:
    return [code.upper() for code in getattr(settings, name, default)]


def touches(plan_id: int, drawn: GEOSGeometry | None = None, feature_id: int | None = None):
    """The villages (names) and control lines (layer codes) the target touches; nothing for a
    comment without a place."""
    if drawn is None and feature_id is None:
        return Touches()
    suffixes = list(getattr(settings, "COMMENT_VILLAGE_LAYER_SUFFIXES", DEFAULT_VILLAGE_SUFFIXES))
    params = {
        "drawn": bytes(drawn.ewkb) if drawn is not None else None,
        "feature": feature_id,
        "plan": plan_id,
        "village_codes": _codes("COMMENT_VILLAGE_LAYER_CODES", DEFAULT_VILLAGE_CODES),
        "village_patterns": [f"%{suffix}" for suffix in suffixes],
        "control_codes": _codes("COMMENT_CONTROL_LINE_CODES", DEFAULT_CONTROL_LINE_CODES),
    }
    with connection.cursor() as cursor:
        cursor.execute(_TOUCHES_SQL, params)
        villages, control_lines = cursor.fetchone()
    return Touches(list(villages or []), list(control_lines or []))
