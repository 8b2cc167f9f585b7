"""The feature -> revision reference checked by two constraint triggers instead of a foreign
key, so that a bulk load skips the per-row check of a revision it has just created.

A foreign key queues one check per inserted row and runs them one by one at commit: 0.9 s per
200,000 parcels, 4-5 s per million, on one core after Python is done (bench/README.md,
ingest.py). The pipeline (layers/ingest/write.py ``start_revision``) creates the revision in
the same transaction as its features, so no other transaction can see or remove it: it
names it in ``layers.loading_revision`` (a transaction-local setting) and rows of that
revision are not checked. Every other insert or update of ``revision_id`` is checked as the
foreign key did (the revision row locked FOR KEY SHARE at commit), and a revision cannot be
deleted while features point at it (the key's NO ACTION), also at commit. Django's own
cascade (``on_delete``) is unaffected: it deletes features before their revision.
"""

from django.db import migrations, models

FORWARD = """
CREATE FUNCTION layers_feature_revision_exists() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM layers_layerrevision WHERE id = NEW.revision_id FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'insert or update on table "layers_feature" violates the reference '
            'to layers_layerrevision: revision % does not exist', NEW.revision_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER layers_feature_revision_exists
AFTER INSERT OR UPDATE OF revision_id ON layers_feature
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
WHEN (NEW.revision_id IS DISTINCT FROM
      nullif(current_setting('layers.loading_revision', true), '')::bigint)
EXECUTE FUNCTION layers_feature_revision_exists();

CREATE FUNCTION layers_revision_without_features() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM layers_feature WHERE revision_id = OLD.id) THEN
        RAISE EXCEPTION 'update or delete on table "layers_layerrevision" violates the '
            'reference from layers_feature: revision % still has features', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER layers_revision_without_features
AFTER DELETE OR UPDATE OF id ON layers_layerrevision
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW
EXECUTE FUNCTION layers_revision_without_features();
"""

BACKWARD = """
DROP TRIGGER layers_revision_without_features ON layers_layerrevision;
DROP FUNCTION layers_revision_without_features();
DROP TRIGGER layers_feature_revision_exists ON layers_feature;
DROP FUNCTION layers_feature_revision_exists();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("layers", "0008_tile_bake"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feature",
            name="revision",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=models.deletion.CASCADE,
                related_name="features",
                to="layers.layerrevision",
            ),
        ),
        migrations.RunSQL(FORWARD, reverse_sql=BACKWARD),
    ]
