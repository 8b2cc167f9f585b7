"""The villages and control lines a comment's place touches, worked out by a PL/pgSQL function.

The submission used to send this lookup as a common table expression of its counting INSERT
(consultation/touches.py). PostgreSQL then parsed, analysed and planned its three sub-queries
again for every comment with a place: 0.3-0.4 ms of its CPU per comment, more than running them
(bench/README.md, comments.py). A PL/pgSQL function keeps its statements parsed for the life of
the connection.

Each call still gets a plan made for its own place and revisions (``plan_cache_mode =
force_custom_plan``), as the inline statement did: the feature table holds every layer of every
plan, and a plan made once for unknown revisions could read a large layer's features where the
place's box through the GiST index reads a handful.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION consultation_touches(
    drawn bytea, feature bigint,
    village_revisions bigint[], control_revisions bigint[], control_codes text[],
    OUT villages text[], OUT control_lines text[])
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    place geometry;
    box geometry;
BEGIN
    -- The drawn place, or the geometry of the feature the comment is about.
    IF drawn IS NOT NULL THEN
        place := ST_GeomFromEWKB(drawn);
    ELSIF feature IS NOT NULL THEN
        SELECT f.geom INTO place FROM layers_feature f WHERE f.id = feature;
    END IF;
    villages := '{}';
    control_lines := '{}';
    IF place IS NULL THEN
        RETURN;
    END IF;
    box := layers_mercator_box(place);
    villages := ARRAY(
        SELECT DISTINCT f.name
        FROM layers_feature f
        WHERE f.revision_id = ANY(village_revisions)
          AND f.name <> ''
          AND f.geom_3857 && box AND ST_Intersects(f.geom, place)
        ORDER BY 1);
    -- The control lines in one pass over the features the place's box meets, each tested
    -- with ST_Intersects only when it belongs to a control line's revision.
    control_lines := ARRAY(
        SELECT DISTINCT c.code
        FROM unnest(control_revisions, control_codes) AS c(revision_id, code)
        WHERE c.revision_id IN (
            SELECT f.revision_id
            FROM layers_feature f
            WHERE f.revision_id = ANY(control_revisions)
              AND f.geom_3857 && box AND ST_Intersects(f.geom, place))
        ORDER BY 1);
END
$$;
"""

BACKWARD = "DROP FUNCTION consultation_touches(bytea, bigint, bigint[], bigint[], text[]);"


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0010_comment_form_token_used_once"),
        ("layers", "0011_one_spatial_index"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
