"""Features of one published revision as GeoJSON text, built by PostgreSQL.

Each row comes back as the finished GeoJSON Feature (ST_AsGeoJSON for the geometry, the stored
jsonb for the properties), so Python only joins strings: no geometry objects and no
re-encoding, even for the map's whole-layer requests of up to 10,000 features.
"""

from dataclasses import dataclass
from string import Template

from layers.models import public_reads
from layers.ogc.crs import CRS84, STORAGE_SRID, SupportedCrs
from layers.ogc.params import Envelope

# $geometry is the stored geometry, made multi-part when the revision mixes single and multi
# parts (see `Matches`; $as_multi is a boolean SQL expression: a parameter, or the test below),
# then put into the answer's CRS (see `_in_crs`). Options 0: no "crs" member inside the
# geometry (the answer's Content-Crs header says it), which PostGIS adds for SRIDs but 4326.
# The properties get the layer's data mark merged in (a jsonb parameter: {"SJZT": "演示数据"},
# or {}), so every feature, saved anywhere, still says what it is (layers/marks.py).
FEATURE_JSON = Template("""
    '{"type":"Feature","id":' || f.id
    || ',"geometry":' || ST_AsGeoJSON($geometry, %s, 0)
    || ',"properties":' || (f.properties || %s::jsonb)::text || '}'
""")
STORED_GEOMETRY = Template("CASE WHEN $as_multi THEN ST_Multi(f.geom) ELSE f.geom END")

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
# A box in another CRS (bbox-crs): the index picks candidates by the box put into 4326 (its
# edges densified first, as they curve there, and widened by about 10 cm), and the test is
# made exactly in the box's own CRS.
FOREIGN_ENVELOPE_FILTER = (
    "(f.geom && ST_Expand(ST_Transform(ST_Segmentize("
    "ST_MakeEnvelope(%s, %s, %s, %s, %s::integer), %s), 4326), 0.000001)"
    " AND ST_Intersects(ST_Transform(f.geom, %s::integer),"
    " ST_MakeEnvelope(%s, %s, %s, %s, %s::integer)))"
)
# Segments of a densified box edge: at township scale the curve between them is sub-millimetre.
BOX_EDGE_SEGMENTS = 64


def _envelope_filter(box: Envelope) -> tuple[str, list]:
    corners = [box.min_x, box.min_y, box.max_x, box.max_y]
    if box.srid == STORAGE_SRID:
        return ENVELOPE_FILTER, corners + corners
    segment = max(box.max_x - box.min_x, box.max_y - box.min_y) / BOX_EDGE_SEGMENTS
    # ST_Segmentize refuses a length of 0 (a box that is a point or a line).
    segment = segment or 1.0
    params = [*corners, box.srid, segment, box.srid, *corners, box.srid]
    return FOREIGN_ENVELOPE_FILTER, params


def _where(revision_id: int, envelopes: tuple[Envelope, ...]) -> tuple[str, list]:
    params: list = [revision_id]
    clause = "f.revision_id = %s"
    if envelopes:
        boxes = []
        for box in envelopes:
            sql, box_params = _envelope_filter(box)
            params += box_params
            boxes.append(sql)
        clause += " AND (" + " OR ".join(boxes) + ")"
    return clause, params


def _in_crs(geometry: str, crs: SupportedCrs) -> tuple[str, list]:
    """The SQL of `geometry` in `crs`, in that CRS's axis order, and its parameters."""
    if crs.stored_as_is:
        return geometry, []
    if crs.srid == STORAGE_SRID:
        return f"ST_FlipCoordinates({geometry})", []
    transformed = f"ST_Transform({geometry}, %s::integer)"
    if crs.north_first:
        transformed = f"ST_FlipCoordinates({transformed})"
    return transformed, [crs.srid]


def _feature_json(as_multi: str, crs: SupportedCrs, mark: str) -> tuple[str, list]:
    """The SELECT expression of one GeoJSON Feature and the parameters it takes, in order."""
    geometry, params = _in_crs(STORED_GEOMETRY.substitute(as_multi=as_multi), crs)
    return FEATURE_JSON.substitute(geometry=geometry), [*params, crs.decimals, mark]


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
    crs: SupportedCrs = CRS84,
    mark: str = "{}",
) -> list[str]:
    """One page of features as GeoJSON texts in `crs`, in id order so that pages never
    overlap; ``mark`` is the JSON object merged into each feature's properties
    (marks.mark_properties)."""
    where, params = _where(revision_id, envelopes)
    feature, feature_params = _feature_json("%s", crs, mark)
    sql = (
        f"SELECT {feature} FROM layers_feature f"  # noqa: S608
        f" WHERE {where} ORDER BY f.id LIMIT %s OFFSET %s"
    )
    with public_reads().cursor() as cursor:
        cursor.execute(sql, [as_multi, *feature_params, *params, limit, offset])
        return [row[0] for row in cursor.fetchall()]


def feature_by_id(
    revision_id: int, feature_id: int, crs: SupportedCrs = CRS84, mark: str = "{}"
) -> str | None:
    """The feature as GeoJSON text in `crs` (multi-part and marked as in `feature_page`), or
    None when it is not part of this revision."""
    feature, feature_params = _feature_json(f"({MIXES_SINGLE_AND_MULTI})", crs, mark)
    sql = f"SELECT {feature} FROM layers_feature f WHERE f.id = %s AND f.revision_id = %s"  # noqa: S608
    with public_reads().cursor() as cursor:
        cursor.execute(sql, [revision_id, revision_id, *feature_params, feature_id, revision_id])
        row = cursor.fetchone()
    return row[0] if row else None
