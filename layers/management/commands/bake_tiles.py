"""``manage.py bake_tiles [COLLECTION_ID ...]``: bakes the tiles of the published revisions
(layers/tiles/bake.py) and writes their features' OGC API texts (layers/ogc/docs.py), of every
public layer or of those named. What a publish queues as a job, for a server without a worker,
after a change of a layer's tile settings, or to make sure.
Safe to run again: a revision already baked with the layer's settings is left as it is.
``--prune`` then deletes the bakes and texts no layer serves any more."""

from django.core.management.base import BaseCommand, CommandError

from layers.models import Layer
from layers.ogc.docs import prune_feature_docs, write_feature_docs
from layers.tiles.bake import bake_revision, prune_bakes


class Command(BaseCommand):
    help = "Bake the tiles of published layer revisions (overviews, rows tables)."

    def add_arguments(self, parser):
        parser.add_argument("collections", nargs="*", help="collection ids (default: all)")
        parser.add_argument(
            "--prune", action="store_true", help="also delete the bakes no layer serves any more"
        )

    def handle(self, *args, collections, prune, **options):
        layers = Layer.objects.filter(published_revision__isnull=False).order_by("collection_id")
        if collections:
            layers = layers.filter(collection_id__in=collections)
            missing = set(collections) - {layer.collection_id for layer in layers}
            if missing:
                raise CommandError(f"No published layer: {', '.join(sorted(missing))}")
        # -v 0 (make run, after every start): bake what is missing, say nothing.
        say = self.stdout.write if options["verbosity"] else (lambda line: None)
        for layer in layers:
            written = write_feature_docs(layer.published_revision_id)
            if written:
                say(f"{layer.collection_id}: OGC API texts of {written} features written")
            bake = bake_revision(layer.published_revision_id)
            if bake is None:
                say(f"{layer.collection_id}: not baked (generalised)")
            elif bake.detail_zoom:
                say(
                    f"{layer.collection_id}: no tile below z{bake.min_zoom}, overview tiles "
                    f"z{bake.min_zoom}-{bake.detail_zoom - 1} ({bake.tiles.count()}), parcels "
                    f"from z{bake.detail_zoom}; tile rows {'yes' if bake.has_rows else 'no'}"
                )
            else:
                say(
                    f"{layer.collection_id}: parcels at every zoom; rows table "
                    f"{'yes' if bake.has_rows else 'no'}"
                )
        if prune:
            self.stdout.write(f"pruned {prune_bakes()} bakes nobody serves any more")
            self.stdout.write(f"pruned {prune_feature_docs()} feature texts nobody serves any more")
