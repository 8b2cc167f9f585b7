"""What changed between two revisions of a layer, computed by PostgreSQL.

Features are paired in three steps, each on what the previous left unpaired:

1. by the layer's key field (BSM by default): same key, same occurrence of that key;
2. by identical geometry (normalised WKB on a 1e-9° grid, so ring start, orientation and
   floating-point noise do not matter);
3. by high overlap: polygons whose intersection covers at least 90% of their union, lines
   and points within 5 m (Hausdorff distance on the stored EPSG:3857 copies, using their
   GiST index).

A pair is changed when its attributes differ (jsonb equality, so 1 and 1.0 are the same) or
its geometry does; unpaired features of the new revision are added, of the old one removed.
Areas are summed in hectares in the plan's Gauss-Krüger zone (EPSG:4546 for 111°E).
"""

import json
from dataclasses import asdict, dataclass, field

from django.db import connection

from layers.models import Feature, Layer, LayerRevision

from .crs import zone_epsg_for_longitude

MIN_OVERLAP = 0.9
NEAR_METRES = 5.0
# Coordinates closer than this (degrees, about 0.1 mm) are the same: a GK -> 4326 round trip
# must not make every parcel "changed".
GRID_DEGREES = 1e-9
DETAIL_LIMIT = 500

PAIRS_SQL = """
WITH a AS MATERIALIZED (
    SELECT id, geom, geom_3857, properties, NULLIF(btrim(properties ->> %(key)s), '') AS k
    FROM {table} WHERE revision_id = %(before)s
), b AS MATERIALIZED (
    SELECT id, geom, geom_3857, properties, NULLIF(btrim(properties ->> %(key)s), '') AS k
    FROM {table} WHERE revision_id = %(after)s
), by_key AS (
    SELECT ka.id AS a_id, kb.id AS b_id
    FROM (SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY id) AS n
          FROM a WHERE k IS NOT NULL) AS ka
    JOIN (SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY id) AS n
          FROM b WHERE k IS NOT NULL) AS kb ON ka.k = kb.k AND ka.n = kb.n
), ga AS (
    SELECT id, row_number() OVER (PARTITION BY h ORDER BY id) AS n, h
    FROM (SELECT id, md5(ST_AsBinary(ST_Normalize(ST_SnapToGrid(geom, %(grid)s)))) AS h
          FROM a WHERE id NOT IN (SELECT a_id FROM by_key)) AS hashed
), gb AS (
    SELECT id, row_number() OVER (PARTITION BY h ORDER BY id) AS n, h
    FROM (SELECT id, md5(ST_AsBinary(ST_Normalize(ST_SnapToGrid(geom, %(grid)s)))) AS h
          FROM b WHERE id NOT IN (SELECT b_id FROM by_key)) AS hashed
), by_geometry AS (
    SELECT ga.id AS a_id, gb.id AS b_id FROM ga JOIN gb ON ga.h = gb.h AND ga.n = gb.n
), near_pairs AS MATERIALIZED (
    -- Each unpaired old feature looks up its new neighbours through the GiST index alone
    -- ("revision_id + 0": a freshly written revision has no statistics yet, and combining
    -- with the revision index would read all its rows for every lookup). NOT IN over a CTE
    -- becomes a hashed lookup, whatever the estimates.
    SELECT fa.id AS a_id, fb.id AS b_id, fa.geom_3857 AS old_shape, fb.geom_3857 AS new_shape,
           ST_Dimension(fa.geom) = 2 AND ST_Dimension(fb.geom) = 2 AS areal
    FROM a AS fa
    JOIN {table} AS fb
      ON fb.geom_3857 && ST_Expand(fa.geom_3857, %(near)s) AND fb.revision_id + 0 = %(after)s
    WHERE fa.id NOT IN (SELECT a_id FROM by_key) AND fa.id NOT IN (SELECT a_id FROM by_geometry)
      AND fb.id NOT IN (SELECT b_id FROM by_key) AND fb.id NOT IN (SELECT b_id FROM by_geometry)
), measured AS MATERIALIZED (
    SELECT a_id, b_id, areal,
           CASE WHEN areal THEN ST_Area(ST_Intersection(old_shape, new_shape)) END AS overlap,
           CASE WHEN areal THEN ST_Area(old_shape) + ST_Area(new_shape) END AS area_sum,
           CASE WHEN NOT areal THEN ST_HausdorffDistance(old_shape, new_shape) END AS distance
    FROM near_pairs
), candidates AS (
    SELECT a_id, b_id, areal, distance,
           CASE WHEN areal THEN overlap / NULLIF(area_sum - overlap, 0)
                ELSE 1.0 / (1.0 + distance) END AS score
    FROM measured
), best_for_a AS (
    SELECT DISTINCT ON (a_id) a_id, b_id, score FROM candidates
    WHERE (areal AND score >= %(overlap)s) OR (NOT areal AND distance <= %(near)s)
    ORDER BY a_id, score DESC, b_id
), by_overlap AS (
    SELECT DISTINCT ON (b_id) a_id, b_id FROM best_for_a ORDER BY b_id, score DESC, a_id
), pairs AS (
    SELECT a_id, b_id FROM by_key
    UNION ALL SELECT a_id, b_id FROM by_geometry
    UNION ALL SELECT a_id, b_id FROM by_overlap
), compared AS (
    SELECT p.a_id, p.b_id, fa.properties AS pa, fb.properties AS pb,
           CASE WHEN fa.geom = fb.geom THEN false
                WHEN ST_AsBinary(ST_Normalize(ST_SnapToGrid(fa.geom, %(grid)s)))
                     = ST_AsBinary(ST_Normalize(ST_SnapToGrid(fb.geom, %(grid)s))) THEN false
                ELSE true END AS geometry_changed,
           fa.properties IS DISTINCT FROM fb.properties AS attributes_changed
    FROM pairs AS p
    JOIN {table} AS fa ON fa.id = p.a_id  -- by primary key: never a scan per pair
    JOIN {table} AS fb ON fb.id = p.b_id
), changed AS (
    SELECT * FROM compared WHERE geometry_changed OR attributes_changed
), listed AS (
    SELECT c.a_id AS before_id, c.b_id AS after_id, c.geometry_changed,
           COALESCE(c.pb ->> %(key)s, c.pa ->> %(key)s) AS key,
           (SELECT COALESCE(jsonb_object_agg(
                       name, jsonb_build_object('before', c.pa -> name, 'after', c.pb -> name)),
                       '{{}}'::jsonb)
            FROM (SELECT jsonb_object_keys(c.pa) AS name
                  UNION SELECT jsonb_object_keys(c.pb)) AS names
            WHERE (c.pa -> name) IS DISTINCT FROM (c.pb -> name)) AS attributes
    FROM changed AS c ORDER BY c.b_id LIMIT %(limit)s
)
SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM b), (SELECT count(*) FROM pairs),
       (SELECT count(*) FROM changed),
       (SELECT COALESCE(jsonb_agg(to_jsonb(listed) ORDER BY after_id), '[]'::jsonb) FROM listed),
       {ids}
"""
IDS_SQL = """
       (SELECT COALESCE(array_agg(id ORDER BY id), '{{}}') FROM b
        WHERE id NOT IN (SELECT b_id FROM pairs)),
       (SELECT COALESCE(array_agg(id ORDER BY id), '{{}}') FROM a
        WHERE id NOT IN (SELECT a_id FROM pairs)),
       (SELECT COALESCE(array_agg(b_id ORDER BY b_id), '{{}}') FROM changed)
"""
AREA_SQL = """
SELECT COALESCE(SUM(ST_Area(ST_Transform(geom, %s))), 0) / 10000.0
FROM {table} WHERE revision_id = %s
"""


@dataclass
class FeatureChange:
    before_id: int
    after_id: int
    key: str | None
    geometry_changed: bool
    attributes: dict[str, dict]  # name -> {"before": value, "after": value}


@dataclass
class RevisionDiff:
    revision: int
    against: int | None  # None: nothing published yet, everything is added
    key_field: str  # "" when features are matched by geometry only
    added: int
    removed: int
    changed: int
    unchanged: int
    area_ha_before: float
    area_ha_after: float
    area_srid: int
    changes: list[FeatureChange] = field(default_factory=list)  # the first DETAIL_LIMIT
    # Feature ids per kind, for the map (only when asked for: with_ids=True).
    added_ids: list[int] | None = None
    removed_ids: list[int] | None = None
    changed_ids: list[int] | None = None

    @property
    def changes_truncated(self) -> bool:
        return len(self.changes) < self.changed

    def as_dict(self) -> dict:
        data = asdict(self)
        data["changes_truncated"] = self.changes_truncated
        return data


def diff_revisions(
    layer: Layer,
    revision: LayerRevision,
    against: LayerRevision | None = None,
    *,
    detail_limit: int = DETAIL_LIMIT,
    with_ids: bool = False,
) -> RevisionDiff:
    """Compares ``revision`` with ``against`` (default: the layer's published revision)."""
    if against is None:
        published_id = (
            Layer.objects.filter(pk=layer.pk).values_list("published_revision", flat=True).first()
        )
        against = LayerRevision.objects.filter(pk=published_id).first() if published_id else None
    if against is None:
        return _all_added(layer, revision, with_ids=with_ids)
    table = connection.ops.quote_name(Feature._meta.db_table)
    parameters = {
        "key": layer.key_field or "",
        "before": against.pk if against else -1,
        "after": revision.pk,
        "near": NEAR_METRES,
        "overlap": MIN_OVERLAP,
        "grid": GRID_DEGREES,
        "limit": detail_limit,
    }
    sql = PAIRS_SQL.format(table=table, ids=IDS_SQL.format() if with_ids else "NULL, NULL, NULL")
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        count_a, count_b, paired, changed, listed, added_ids, removed_ids, changed_ids = (
            cursor.fetchone()
        )
    srid = area_srid(layer, revision)
    if isinstance(listed, str):
        listed = json.loads(listed)
    return RevisionDiff(
        revision=revision.number,
        against=against.number if against else None,
        key_field=layer.key_field or "",
        added=count_b - paired,
        removed=count_a - paired,
        changed=changed,
        unchanged=paired - changed,
        area_ha_before=_area_ha(against, srid) if against else 0.0,
        area_ha_after=_area_ha(revision, srid),
        area_srid=srid,
        changes=[FeatureChange(**item) for item in listed],
        added_ids=added_ids,
        removed_ids=removed_ids,
        changed_ids=changed_ids,
    )


def _all_added(layer: Layer, revision: LayerRevision, *, with_ids: bool) -> RevisionDiff:
    """Nothing published to compare with (a brand-new layer): every feature is added, and
    no feature is paired with anything, so the pairing query is not run at all (it read the
    whole revision twice: 1.5 s for 200,000 parcels)."""
    srid = area_srid(layer, revision)
    added_ids = None
    if with_ids:
        added_ids = list(
            Feature.objects.filter(revision=revision).order_by("id").values_list("id", flat=True)
        )
    return RevisionDiff(
        revision=revision.number,
        against=None,
        key_field=layer.key_field or "",
        added=len(added_ids) if added_ids is not None else revision.features.count(),
        removed=0,
        changed=0,
        unchanged=0,
        area_ha_before=0.0,
        area_ha_after=_area_ha(revision, srid),
        area_srid=srid,
        added_ids=added_ids,
        removed_ids=[] if with_ids else None,
        changed_ids=[] if with_ids else None,
    )


def area_srid(layer: Layer, revision: LayerRevision | None = None) -> int:
    """The plan's Gauss-Krüger zone (from its extent's centroid), else the revision's."""
    for extent in (layer.plan.extent, revision.extent if revision else None):
        if extent is not None:
            return zone_epsg_for_longitude(extent.transform(4326, clone=True).centroid.x)
    return zone_epsg_for_longitude(111.0)


def _area_ha(revision: LayerRevision, srid: int) -> float:
    table = connection.ops.quote_name(Feature._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(AREA_SQL.format(table=table), [srid, revision.pk])
        return round(float(cursor.fetchone()[0]), 4)
