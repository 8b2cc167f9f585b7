"""FeatureDoc texts: a published revision's features written once as the OGC API items answer
writes them (layers/ogc/features.py), so that a page reads them instead of making each one.

    write_feature_docs(revision_id)   # after a publish (layers/tasks.py), manage.py bake_tiles
    prune_feature_docs()              # hourly: the docs of revisions no longer published

Measured (bench/README.md, OGC API items): ST_AsGeoJSON and the properties' text cost about a
third of a page statement of 1,000 parcels. Only revisions of layers whose features the public
may download get docs. Until they exist, and for any feature without one, a page makes the
feature as before, so docs made late, pruned under a running request or never made change the
time an answer takes, not its bytes.
"""

from django.db import connection, transaction

from layers.models import FeatureDoc, Layer, LayerRevision, PublicPolicy
from layers.ogc.features import unmarked_feature_sql
from layers.ogc.queryables import queryables_of

DOCS_LOCK = "layers.feature_docs"

# Both closing braces (the properties' and the feature's) are left off the text: the mark is
# added after the properties when the page is sent. Empty properties leave "properties":{.
WRITE_SQL = """
    INSERT INTO layers_featuredoc (fid, revision_id, text, bare)
    SELECT f.id, %s, left({feature}, -2), f.props = '{{}}'
    FROM (SELECT {columns} FROM layers_feature f WHERE f.revision_id = %s) f
    ORDER BY f.id
"""


def write_feature_docs(revision_id: int) -> int | None:
    """Writes the docs of the revision when it is the published revision of a layer whose
    features may be downloaded (its plan may not be public yet); how many were written (0
    when it has them already), or None when it gets none. Two runs at once wait for each
    other (an advisory lock per revision)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [DOCS_LOCK, revision_id]
            )
        published = Layer.objects.filter(
            published_revision_id=revision_id, public_policy=PublicPolicy.FEATURES
        )
        if not published.exists():
            return None
        if FeatureDoc.objects.filter(revision_id=revision_id).exists():
            return 0
        _, summary = queryables_of(LayerRevision.objects.get(pk=revision_id))
        made = unmarked_feature_sql(summary.mixes_single_and_multi)
        sql = WRITE_SQL.format(feature=made.feature, columns=made.columns)
        with connection.cursor() as cursor:
            cursor.execute(
                sql, [revision_id, *made.feature_params, *made.column_params, revision_id]
            )
            return cursor.rowcount


def prune_feature_docs() -> int:
    """Deletes the docs of revisions that are no layer's published revision; how many went.
    A request still serving such a revision makes its features itself."""
    published = Layer.objects.filter(published_revision__isnull=False).values(
        "published_revision_id"
    )
    stale = FeatureDoc.objects.exclude(revision_id__in=published)
    deleted, _ = stale.delete()
    return deleted
