"""Features of one published revision as GeoJSON text, built by PostgreSQL.

Each row comes back as the finished GeoJSON Feature (ST_AsGeoJSON for the geometry, the stored
jsonb for the properties), so Python only joins strings: no geometry objects and no
re-encoding, even for the map's whole-layer requests of up to 10,000 features.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from string import Template

from psycopg.adapt import Loader

from layers.models import DATA_MARK_FIELD, public_reads
from layers.ogc.crs import CRS84, STORAGE_SRID, SupportedCrs
from layers.ogc.params import Envelope
from layers.ogc.selection import Selection
from planportal.db import SMALL_STATEMENT_SETTINGS, select_last_result

# $geometry is the stored geometry (made multi-part when the revision mixes single and multi
# parts: RevisionSummary.mixes_single_and_multi, stored on the revision) put into the answer's
# CRS (see `_in_crs`). Options 0: no "crs" member inside the geometry (the answer's Content-Crs
# header says it), which PostGIS adds for SRIDs but 4326. $properties is the properties' JSON
# text with the layer's data mark in it (see `_marked`), made from the columns the statement
# selects per feature (`FeatureSql.columns`): `props`, the properties' text, and `pj`, their
# jsonb, where the mark needs it.
FEATURE_JSON = Template("""
    '{"type":"Feature","id":' || f.id
    || ',"geometry":' || ST_AsGeoJSON($geometry, %s, 0)
    || ',"properties":' || $properties || '}'
""")
# The properties with the mark ({"SJZT": "演示数据"}) in them, so every feature, saved anywhere,
# still says what it is (layers/marks.py). The mark is written after the properties' text, in
# jsonb's own style (", " and ": "); empty properties (nothing to write it after) are the
# mark's own text. Comparing and splicing the text that is sent anyway costs a fraction of
# merging two jsonb values per feature (bench/README.md, OGC API items).
MARKED_TEXT = """
    CASE WHEN f.props = '{}' THEN (%s::jsonb)::text ELSE left(f.props, -1) || %s END
"""
# When some feature of the revision carries the mark's key itself (its summary says so), the
# two are merged as jsonb for those features, and the mark wins.
MARKED_MERGE = """
    CASE WHEN f.pj ? %s OR f.props = '{}' THEN (f.pj || %s::jsonb)::text
         ELSE left(f.props, -1) || %s END
"""

# A feature as its FeatureDoc holds it (made after the publish: layers/ogc/docs.py), with the
# closing braces and the mark added here, or, should it have none, as $live writes it from the
# feature's row, read again by id. Only the id goes through the page's sort and window, and a
# probe of the docs' key replaces ST_AsGeoJSON and the properties' text per feature: a page
# statement of 900 parcels in 2.6 ms instead of 3.3 (bench/README.md, OGC API items).
FROM_DOC = Template("""
    coalesce(
        (SELECT d.text || CASE WHEN d.bare THEN %s ELSE %s END
         FROM layers_featuredoc d WHERE d.fid = f.id),
        (SELECT $live FROM (SELECT $columns FROM (
            SELECT g.id, g.geom, g.properties FROM layers_feature g WHERE g.id = f.id) f) f))
""")

# `&&` lets the GiST index on geom_3857 pick the candidates (the box in Web Mercator:
# layers migration 0011); ST_Intersects then decides exactly.
ENVELOPE_FILTER = (
    "(f.geom_3857 && layers_mercator_box(ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
    " AND ST_Intersects(f.geom, ST_MakeEnvelope(%s, %s, %s, %s, 4326)))"
)
# A box in another CRS (bbox-crs): the index picks candidates by the box put into 4326 (its
# edges densified first, as they curve there, and widened by about 10 cm), and the test is
# made exactly in the box's own CRS.
FOREIGN_ENVELOPE_FILTER = (
    "(f.geom_3857 && layers_mercator_box(ST_Expand(ST_Transform(ST_Segmentize("
    "ST_MakeEnvelope(%s, %s, %s, %s, %s::integer), %s), 4326), 0.000001))"
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


def _where(revision_id: int, selection: Selection) -> tuple[str, list]:
    params: list = [revision_id]
    clause = "f.revision_id = %s"
    if selection.envelopes:
        boxes = []
        for box in selection.envelopes:
            sql, box_params = _envelope_filter(box)
            params += box_params
            boxes.append(sql)
        clause += " AND (" + " OR ".join(boxes) + ")"
    if selection.condition is not None:
        clause += f" AND {selection.condition.sql}"
        params += selection.condition.params
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


def _marked(mark: str, carries_mark_key: bool) -> tuple[str, list]:
    """The SQL of the properties' text with the JSON object ``mark`` (one key, or none) in it,
    and its parameters, in order; ``carries_mark_key``: a feature may have that key itself."""
    marks = json.loads(mark)
    if not marks:
        return "f.props", []
    (key,) = marks
    # ', "SJZT": "演示数据"}': the mark's own text (json.dumps' separators are jsonb's).
    after = ", " + json.dumps(marks, ensure_ascii=False)[1:]
    if carries_mark_key:
        return MARKED_MERGE, [key, mark, after]
    return MARKED_TEXT, [mark, after]


@dataclass(frozen=True)
class FeatureSql:
    # The SELECT expression of one GeoJSON Feature over the rows of `columns`, and its
    # parameters in order.
    feature: str
    feature_params: tuple
    # What the feature expression reads (of the feature's row f), selected once per feature
    # by a subquery (so the properties' text is made once), and its parameters.
    columns: str
    column_params: tuple
    # What the feature's row carries through the page's sort and window (only what `columns`
    # reads: PostgreSQL sorts whatever a sorted subquery selects).
    row: str = "f.id, f.geom, f.properties"


def docs_serve(crs: SupportedCrs, dropped: tuple[str, ...], carries_mark_key: bool) -> bool:
    """Whether FeatureDoc texts are what such a request answers: CRS84 (what they are written
    in), every property, and no feature with the mark's key of its own (the mark is then
    merged as jsonb)."""
    return crs == CRS84 and not dropped and not carries_mark_key


def doc_endings(mark: str) -> tuple[str, str]:
    """What a FeatureDoc's text is closed with, for empty properties and for others: the mark
    (the JSON object ``mark``, one key or none) in the live statement's own words, then the
    properties' and the feature's braces."""
    marks = json.loads(mark)
    if not marks:
        return "}}", "}}"
    # '"SJZT": "演示数据"}': the mark's own text without its opening brace (json.dumps'
    # separators are jsonb's, as in `_marked`).
    inner = json.dumps(marks, ensure_ascii=False)[1:]
    return inner + "}", ", " + inner + "}"


@lru_cache(maxsize=256)
def _feature_sql(
    as_multi: bool,
    crs: SupportedCrs,
    mark: str,
    dropped: tuple[str, ...] = (),
    carries_mark_key: bool = True,
    from_docs: bool = False,
) -> FeatureSql:
    """How one feature becomes GeoJSON; `properties=` drops the other keys (``dropped``)
    before the mark is added; ``carries_mark_key``: some feature of the revision has the
    mark's key (RevisionSummary.property_types); ``from_docs``: read a feature's FeatureDoc
    where it has one and the request allows it (`docs_serve`). Kept per arguments: a
    collection's requests ask for the same few, and building one decodes the mark's JSON."""
    if from_docs and docs_serve(crs, dropped, carries_mark_key):
        live = _feature_sql(as_multi, crs, mark, dropped, carries_mark_key, from_docs=False)
        feature = FROM_DOC.substitute(live=live.feature, columns=live.columns)
        params = (*doc_endings(mark), *live.feature_params, *live.column_params)
        return FeatureSql(feature, params, "f.id", (), row="f.id")
    geometry, params = _in_crs("ST_Multi(f.geom)" if as_multi else "f.geom", crs)
    properties, property_params = "f.properties", []
    if dropped:
        properties, property_params = "(f.properties - %s::text[])", [list(dropped)]
    carries_mark_key = carries_mark_key and DATA_MARK_FIELD not in dropped
    marked, marked_params = _marked(mark, carries_mark_key)
    columns = f"f.id, f.geom, ({properties})::text AS props"
    column_params = property_params
    if carries_mark_key:
        columns += f", {properties} AS pj"
        column_params = property_params * 2
    return FeatureSql(
        FEATURE_JSON.substitute(geometry=geometry, properties=marked),
        (*params, crs.decimals, *marked_params),
        columns,
        tuple(column_params),
    )


def unmarked_feature_sql(as_multi: bool) -> FeatureSql:
    """A feature in CRS84 with its properties as stored, written as a page writes it: what
    FeatureDoc texts are made from (layers/ogc/docs.py)."""
    return _feature_sql(as_multi, CRS84, "{}", (), False)


class Utf8Bytes(Loader):
    """A text value as the bytes PostgreSQL sent (UTF-8, the client encoding Django sets):
    a page of 1,000 features is a few hundred kB that the answer sends as bytes anyway, so
    decoding it to str and encoding it again would only cost time."""

    def load(self, data) -> bytes:
        return bytes(data)


@dataclass(frozen=True)
class Page:
    # The page's features as GeoJSON texts joined with commas, in the selection's order, as
    # UTF-8 bytes.
    features: bytes
    returned: int
    # Whether more features match after this page (one row past the page was found).
    more: bool
    # How many match in all, when the page itself tells (see `known_matches`), else None.
    matched: int | None


def known_matches(offset: int, returned: int, more: bool) -> int | None:
    """How many features match, when a page tells without counting: the last page that holds
    at least one feature (or the first page, even empty) ends the matches."""
    if more or (returned == 0 and offset > 0):
        return None
    return offset + returned


def feature_page(
    revision_id: int,
    selection: Selection,
    limit: int,
    offset: int,
    as_multi: bool,
    crs: SupportedCrs = CRS84,
    mark: str = "{}",
    carries_mark_key: bool = True,
    from_docs: bool = False,
) -> Page:
    """One page of features in `crs`, in one statement: the page's rows and one more (which
    says whether a next page exists) are found in the selection's order (the bbox through the
    GiST index on geom) and only the page's rows become GeoJSON, joined into one text by
    PostgreSQL. The order ends with the feature id, so pages never overlap. ``mark`` is the
    JSON object merged into each feature's properties (marks.mark_properties);
    ``carries_mark_key``: some feature of the revision may have the mark's key itself;
    ``from_docs``: the revision has FeatureDoc texts (layers/ogc/docs.py), read where the
    request allows.

    Matches are not counted here: OGC API - Features Part 1 makes numberMatched optional, and
    an exact count reads every match of the box (its geometry too, for ST_Intersects), which
    cost the items request about half its time at 200,000 parcels (bench/README.md,
    ogc_items). `count_matches` counts when the caller needs the number."""
    where, params = _where(revision_id, selection)
    made = _feature_sql(as_multi, crs, mark, selection.dropped, carries_mark_key, from_docs)
    order = ", ".join(term.sql for term in selection.order)
    order_params = [param for term in selection.order for param in term.params]
    # One pass over limit + 1 rows in the selection's order: the window numbers them as they
    # come (from 1) and the FILTER leaves the extra row out of the page. string_agg takes the
    # rows in the order the sorted subquery gives them, which PostgreSQL guarantees for an
    # aggregate over a sorted subquery with nothing between (its manual's own example, 4.2.7;
    # the raw SQL floor of bench/ogc_items.py relies on it too). An ORDER BY inside
    # string_agg over a materialised CTE, as before, cost about 1 ms of a 5 ms page of 1,000
    # (bench/README.md, OGC API items).
    # Without a parallel plan: PostgreSQL chooses one for a large revision (it prices
    # ST_Intersects high), whose worker takes longer to start than the page's work.
    sql = f"""{SMALL_STATEMENT_SETTINGS}
        SELECT count(*), coalesce(string_agg({made.feature}, ',') FILTER (WHERE f.n <= %s), '')
        FROM (
            SELECT {made.columns}, row_number() OVER () AS n
            FROM (
                SELECT {made.row}
                FROM layers_feature f WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s
            ) f
        ) f
    """  # noqa: S608 - only placeholders and module constants are interpolated
    with public_reads().cursor() as cursor:
        cursor.cursor.adapters.register_loader("text", Utf8Bytes)
        arguments = [*made.feature_params, limit, *made.column_params, *params, *order_params]
        cursor.execute(sql, [*arguments, limit + 1, offset])
        select_last_result(cursor)  # the SELECT after SET LOCAL
        found, features = cursor.fetchone()
    more = found > limit
    returned = min(found, limit)
    return Page(features, returned, more, known_matches(offset, returned, more))


def count_matches(revision_id: int, selection: Selection) -> int:
    """How many features of the revision the selection matches: ids only, no GeoJSON."""
    where, params = _where(revision_id, selection)
    sql = f"SELECT count(*) FROM layers_feature f WHERE {where}"  # noqa: S608
    with public_reads().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def feature_by_id(
    revision_id: int,
    feature_id: int,
    as_multi: bool,
    crs: SupportedCrs = CRS84,
    mark: str = "{}",
    carries_mark_key: bool = True,
) -> str | None:
    """The feature as GeoJSON text in `crs` (multi-part and marked as in `feature_page`), or
    None when it is not part of this revision."""
    made = _feature_sql(as_multi, crs, mark, (), carries_mark_key)
    sql = f"""
        SELECT {made.feature}
        FROM (SELECT {made.columns} FROM layers_feature f
              WHERE f.id = %s AND f.revision_id = %s) f
    """  # noqa: S608 - only placeholders and module constants are interpolated
    with public_reads().cursor() as cursor:
        cursor.execute(sql, [*made.feature_params, *made.column_params, feature_id, revision_id])
        row = cursor.fetchone()
    return row[0] if row else None
