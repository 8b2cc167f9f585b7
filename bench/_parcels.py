"""Synthetic farmland parcels for the tile benchmarks, made in PostGIS: star-shaped, always
valid polygons (10-40 vertices) clustered around the demo plan's village points and inside
its township outline shrunk by 60 m, with BSM, DLBM, DLMC, XZQDM, ZLDWMC and TBMJ, as the
audit's generator made them (shared/audits/2026-12/perf-scripts/gen_data.py). At 50,000 the
area is log-uniform over 150-2,000 m²; above, it is scaled by 50,000/N, so the covered area
stays the same and density grows. Deterministic (setseed, a serial plan, the villages in
order of their position, not of their ids, which differ from one demo load to the next)."""

ATTRIBUTES = ("BSM", "DLBM", "DLMC", "XZQDM", "ZLDWMC", "TBMJ")
SCHEMA = [
    {"name": "BSM", "type": "string", "label": "标识码"},
    {"name": "DLBM", "type": "string", "label": "地类编码"},
    {"name": "DLMC", "type": "string", "label": "地类名称"},
    {"name": "XZQDM", "type": "string", "label": "行政区代码"},
    {"name": "ZLDWMC", "type": "string", "label": "坐落单位名称"},
    {"name": "TBMJ", "type": "number", "label": "图斑面积"},
]

_GENERATE = """
SET LOCAL max_parallel_workers_per_gather = 0;
SELECT setseed(0.2026);
CREATE TABLE {table} AS
WITH villages AS (
    SELECT row_number() OVER (ORDER BY ST_X(f.geom_3857), ST_Y(f.geom_3857)) AS k,
           f.geom_3857 AS g, f.name AS name
    FROM layers_feature f JOIN layers_layer l ON l.published_revision_id = f.revision_id
    WHERE l.collection_id = 'yangquanqu-xzc'
), township AS (
    SELECT ST_Transform(ST_Buffer(ST_Transform(f.geom, 4546), -60), 3857) AS g
    FROM layers_feature f JOIN layers_layer l ON l.published_revision_id = f.revision_id
    WHERE l.collection_id = 'yangquanqu-xzq'
), candidates AS (
    SELECT i, v.k, v.name,
           ST_X(v.g) + 800 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS cx,
           ST_Y(v.g) + 800 * sqrt(-2 * ln(1 - random())) * sin(2 * pi() * random()) AS cy
    FROM generate_series(1, %(candidates)s) AS i
    JOIN villages v ON v.k = 1 + i %% (SELECT count(*) FROM villages)
), inside AS (
    SELECT row_number() OVER (ORDER BY c.i) AS fid, c.*
    FROM candidates c, township t
    WHERE ST_Intersects(t.g, ST_SetSRID(ST_MakePoint(c.cx, c.cy), 3857))
), parcels AS (
    SELECT fid, k, name, cx, cy,
           exp(ln(150) + random() * (ln(2000) - ln(150))) * 50000.0 / %(n)s AS area,
           10 + floor(random() * 31)::int AS corners, floor(random() * 3)::int AS kind
    FROM inside WHERE fid <= %(n)s
)
SELECT p.fid::int AS fid,
       ST_Transform(ST_SetSRID(ST_MakePolygon(ST_AddPoint(ring.line, ST_StartPoint(ring.line))), 3857), 4326) AS geom,
       '1403021' || lpad(p.fid::text, 11, '0') AS "BSM",
       (ARRAY['0101', '0102', '0103'])[p.kind + 1] AS "DLBM",
       (ARRAY['水田', '水浇地', '旱地'])[p.kind + 1] AS "DLMC",
       '140302101' || lpad(p.k::text, 3, '0') AS "XZQDM",
       p.name AS "ZLDWMC",
       round(p.area::numeric, 2)::double precision AS "TBMJ"
FROM parcels p,
LATERAL (
    SELECT ST_MakeLine(ST_MakePoint(
               p.cx + r * cos(2 * pi() * j / p.corners), p.cy + r * sin(2 * pi() * j / p.corners)
           ) ORDER BY j) AS line
    FROM generate_series(0, p.corners - 1) AS j,
         LATERAL (SELECT 1.25 * sqrt(p.area / pi()) * (0.75 + 0.5 * random()) AS r) AS radius
) AS ring;
ALTER TABLE {table} ADD PRIMARY KEY (fid);
CREATE INDEX ON {table} USING gist (geom);
ANALYZE {table};
"""  # noqa: S608, E501 (the table name is the benchmark's own)


def generate(cursor, table: str, n: int) -> int:
    """Writes n parcels into ``table`` (schema-qualified, made of the benchmark's own words);
    returns how many were made."""
    cursor.execute(_GENERATE.format(table=table), {"n": n, "candidates": int(n * 1.6)})
    cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
    return cursor.fetchone()[0]
