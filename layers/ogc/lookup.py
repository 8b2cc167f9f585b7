"""The collection behind an items request, kept in-process for a couple of seconds, so that
an items request costs its feature statement and not also the ORM's read of the layer, its
plan and its revision (1-2 ms of a 10 ms request: bench/README.md, OGC API items).

What is kept is what the items answer depends on besides the features: the published
revision, the data mark and notice, the revision's queryables and whether its features'
texts are written (layers/ogc/docs.py; a page written within LAYER_LOOKUP_SECONDS of them
makes its features itself, with the same bytes). Only layers whose features
may be downloaded (``Layer.objects.with_features()``) are ever kept; anything else is looked
up again each time and answers 404. Saving or deleting a layer or a plan in this process
clears the lookup at once and again when the transaction commits (receivers connected in
LayersConfig.ready(), as for the tiles' lookup); other processes see a publish, an
unpublish or a change of the public policy within LAYER_LOOKUP_SECONDS, as tiles do.
"""

import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef

from layers.marks import data_notice, mark_properties
from layers.models import FeatureDoc, Layer
from layers.ogc.queryables import Queryables, queryables_of
from layers.tiles.lookup import LAYER_LOOKUP_SECONDS


@dataclass(frozen=True)
class ItemsSource:
    collection_id: str
    revision_id: int
    # The JSON object merged into each feature's properties (marks.mark_properties).
    mark: str
    # The collection's notice (marks.data_notice), blank for official layers.
    notice: str
    queryables: Queryables
    # Serve every geometry multi-part (RevisionSummary.mixes_single_and_multi).
    as_multi: bool
    # Some feature has the mark's key (SJZT) itself: then the mark is merged as jsonb.
    carries_mark_key: bool = True
    # The revision's features have their FeatureDoc texts (layers/ogc/docs.py).
    has_docs: bool = False


_sources: dict[str, tuple[float, ItemsSource]] = {}


def _downloadable_layers():
    return Layer.objects.with_features().select_related("published_revision")


def downloadable_layer(collection_id: str) -> Layer | None:
    """The published layer whose features the public may download, with its revision; None
    for a tiles-only, generalised, unpublished or unknown one."""
    return _downloadable_layers().filter(collection_id=collection_id).first()


def items_source(collection_id: str) -> ItemsSource | None:
    """The downloadable layer behind a collection id, or None (a tiles-only, unpublished or
    unknown layer). Kept for LAYER_LOOKUP_SECONDS; a miss is never kept."""
    now = time.monotonic()
    cached = _sources.get(collection_id)
    if cached is not None and cached[0] > now:
        return cached[1]
    # Whether the revision's features' texts are written, in the same query.
    docs = FeatureDoc.objects.filter(revision_id=OuterRef("published_revision_id"))
    layers = _downloadable_layers().annotate(has_docs=Exists(docs))
    layer = layers.filter(collection_id=collection_id).first()
    if layer is None:
        _sources.pop(collection_id, None)
        return None
    queryables, summary = queryables_of(layer.published_revision)
    source = ItemsSource(
        collection_id=layer.collection_id,
        revision_id=layer.published_revision_id,
        mark=mark_properties(layer),
        notice=data_notice(layer),
        queryables=queryables,
        as_multi=summary.mixes_single_and_multi,
        carries_mark_key=summary.carries_mark_key,
        has_docs=layer.has_docs,
    )
    _sources[collection_id] = (now + LAYER_LOOKUP_SECONDS, source)
    return source


def forget_items_sources() -> None:
    _sources.clear()


def forget_after_a_save(using=None, **_kwargs) -> None:
    """The receiver of saves and deletes of layers and plans: clears the lookup now, and again
    when the transaction commits (a request served in between by another thread of this
    process could otherwise keep the old row). Outside a transaction on_commit runs at once."""
    _sources.clear()
    transaction.on_commit(_sources.clear, using=using)
