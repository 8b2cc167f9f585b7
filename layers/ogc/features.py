"""Features of one published revision as GeoJSON text, built by PostgreSQL.

Each row comes back as the finished GeoJSON Feature (ST_AsGeoJSON for the geometry, the stored
jsonb for the properties), so Python only joins strings: no geometry objects and no
re-encoding, even for the map's whole-layer requests of up to 10,000 features.
"""

from dataclasses import dataclass
from string import Template

from layers.models import public_reads
from layers.ogc.params import Envelope

# 7 decimals of a degree is about 1 cm: as precise as the plan data, and short. The geometry is
# made multi-part when the revision mixes single and multi parts (see `Matches`).
# $as_multi is a boolean SQL expression (a parameter, or the test below). The properties get
# the layer's data mark merged in (a jsonb parameter: {"SJZT": "演示数据"}, or {}), so every
# feature, saved anywhere, still says what it is (layers/marks.py).
FEATURE_JSON = Template("""
    '{"type":"Feature","id":' || f.id
    || ',"geometry":' || ST_AsGeoJSON(CASE WHEN $as_multi THEN ST_Multi(f.geom) ELSE f.geom END, 7)
    || ',"properties":' || (f.properties || %s::jsonb)::text || '}'
""")

# A revision that has both Polygon and MultiPolygon features (common in planners' files) would
# reach GIS clients as a layer of no single type: GDAL then reports "Unknown (any)" and QGIS
# splits it. Such a revision is served all multi-part, so every page agrees on one type.
MIXES_SINGLE_AND_MULTI = """
    EXISTS (SELECT 1 FROM layers_feature m
            WHERE m.revision_id = %s AND GeometryType(m.geom) LIKE 'MULTI%%')
    AND EXISTS (SELECT 1 FROM layers_feature s
                WHERE s.revision_id = %s AND GeometryType(s.geom) NOT LIKE 'MULTI%%')
"""

# `&&` lets the GiST index on geom pick the candidates; ST_Intersects then decides exactly.
ENVELOPE_FILTER = (
    "(f.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
    " AND ST_Intersects(f.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326)))"
)


def _where(revision_id: int, envelopes: tuple[Envelope, ...]) -> tuple[str, list]:
    params: list = [revision_id]
    clause = "f.revision_id = %s"
    if envelopes:
        boxes = []
        for box in envelopes:
            corners = [box.min_x, box.min_y, box.max_x, box.max_y]
            params += corners + corners
            boxes.append(ENVELOPE_FILTER)
        clause += " AND (" + " OR ".join(boxes) + ")"
    return clause, params


@dataclass(frozen=True)
class Matches:
    count: int
    # Whether the revision's geometries are served multi-part; pass it on to the page query.
    as_multi: bool


def match_features(revision_id: int, envelopes: tuple[Envelope, ...]) -> Matches:
    where, params = _where(revision_id, envelopes)
    sql = (
        f"SELECT (SELECT count(*) FROM layers_feature f WHERE {where}),"  # noqa: S608
        f" {MIXES_SINGLE_AND_MULTI}"
    )
    with public_reads().cursor() as cursor:
        cursor.execute(sql, [*params, revision_id, revision_id])
        count, as_multi = cursor.fetchone()
    return Matches(count, as_multi)


def feature_page(
    revision_id: int,
    envelopes: tuple[Envelope, ...],
    limit: int,
    offset: int,
    as_multi: bool,
    mark: str = "{}",
) -> list[str]:
    """One page of features as GeoJSON texts, in id order so that pages never overlap;
    ``mark`` is the JSON object merged into each feature's properties (marks.mark_properties)."""
    where, params = _where(revision_id, envelopes)
    sql = (
        f"SELECT {FEATURE_JSON.substitute(as_multi='%s')} FROM layers_feature f"  # noqa: S608
        f" WHERE {where} ORDER BY f.id LIMIT %s OFFSET %s"
    )
    with public_reads().cursor() as cursor:
        cursor.execute(sql, [as_multi, mark, *params, limit, offset])
        return [row[0] for row in cursor.fetchall()]


def feature_by_id(revision_id: int, feature_id: int, mark: str = "{}") -> str | None:
    """The feature as GeoJSON text (multi-part and marked as in `feature_page`), or None when
    it is not part of this revision."""
    sql = (
        f"SELECT {FEATURE_JSON.substitute(as_multi=f'({MIXES_SINGLE_AND_MULTI})')}"  # noqa: S608
        " FROM layers_feature f WHERE f.id = %s AND f.revision_id = %s"
    )
    with public_reads().cursor() as cursor:
        cursor.execute(sql, [revision_id, revision_id, mark, feature_id, revision_id])
        row = cursor.fetchone()
    return row[0] if row else None
