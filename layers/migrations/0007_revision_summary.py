"""Each revision keeps its geometry types and attribute types (layers/summary.py), worked out
here for the revisions that exist, so that no OGC API request has to scan a revision."""

from django.db import migrations, models

# The same statement as layers/summary.py SUMMARY_SQL at the time of writing, for every
# revision in one pass (a migration must not depend on code that may change later).
BACKFILL = """
    UPDATE layers_layerrevision r
    SET geometry_types = coalesce(g.types, '[]'::jsonb),
        property_types = coalesce(p.types, '{}'::jsonb)
    FROM layers_layerrevision r0
    LEFT JOIN (
        SELECT f.revision_id, jsonb_agg(DISTINCT GeometryType(f.geom)) AS types
        FROM layers_feature f GROUP BY f.revision_id
    ) g ON g.revision_id = r0.id
    LEFT JOIN (
        SELECT k.revision_id, jsonb_object_agg(k.key, k.types) AS types
        FROM (SELECT f.revision_id, e.key, jsonb_agg(DISTINCT jsonb_typeof(e.value)) AS types
              FROM layers_feature f, jsonb_each(f.properties) e
              GROUP BY f.revision_id, e.key) k
        GROUP BY k.revision_id
    ) p ON p.revision_id = r0.id
    WHERE r.id = r0.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0006_version_layers"),
    ]

    operations = [
        migrations.AddField(
            model_name="layerrevision",
            name="geometry_types",
            field=models.JSONField(blank=True, null=True, verbose_name="geometry types"),
        ),
        migrations.AddField(
            model_name="layerrevision",
            name="property_types",
            field=models.JSONField(blank=True, null=True, verbose_name="attribute types"),
        ),
        migrations.RunSQL(BACKFILL, reverse_sql=migrations.RunSQL.noop),
    ]
