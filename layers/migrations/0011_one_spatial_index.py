"""One GiST index on the feature table instead of two: geom_3857's, which the tiles need.

Every insert into a GiST index walks the tree; with two of them, half of PostgreSQL's time in
an upload's COPY went into the indexes, and a million parcels took a quarter longer to load
than with one (bench/README.md, ingest.py). The readers that looked features up by a lon/lat
geometry through the index on ``geom`` (OGC API bbox and S_INTERSECTS, the point report, the
places a comment touches, a village's page, the GCJ-02 check) now ask ``geom_3857`` with
``layers_mercator_box(g)``, and still decide exactly with ``geom``.

Web Mercator maps longitude to x and latitude to y, each monotonically, so the box of a
feature's ``geom_3857`` is its lon/lat box mapped corner by corner: ``geom_3857 &&
layers_mercator_box(g)`` finds the same candidates as ``geom && g``. The box is first cut
to longitudes -180..180 and latitudes -90..90: beyond them PROJ refuses a coordinate or folds
it over (latitude 91 comes out south of the equator). The function is immutable: on a
constant PostgreSQL works the box out once, while planning.
"""

import django.contrib.gis.db.models.fields
from django.db import migrations

FORWARD = """
CREATE FUNCTION layers_mercator_box(lonlat geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ST_Transform(ST_MakeEnvelope(
        least(greatest(ST_XMin(lonlat), -180), 180), least(greatest(ST_YMin(lonlat), -90), 90),
        least(greatest(ST_XMax(lonlat), -180), 180), least(greatest(ST_YMax(lonlat), -90), 90),
        4326), 3857)
$$;
"""

BACKWARD = "DROP FUNCTION layers_mercator_box(geometry);"


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0010_feature_doc"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.AlterField(
            model_name="feature",
            name="geom",
            field=django.contrib.gis.db.models.fields.GeometryField(
                spatial_index=False, srid=4326, verbose_name="geometry"
            ),
        ),
    ]
