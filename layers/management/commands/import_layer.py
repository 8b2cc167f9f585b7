"""``manage.py import_layer PLAN_SLUG COLLECTION_ID FILE``: the upload pipeline from the
command line.

Creates the layer when it does not exist (geometry type from the data), writes the file as
the layer's next revision, prints its number, the problems and the diff with the published
revision, and publishes it with ``--publish``. A rejected file changes nothing and ends with
a non-zero exit status.
"""

from pathlib import Path

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from layers.ingest import RejectedFile, RevisionDiff, diff_revisions
from layers.ingest.pipeline import Target, ingest_file
from layers.models import Layer
from layers.revisions.publishing import publish_revision
from planportal.audit import RecordedCommand
from planportal.models import Plan

CHANGES_SHOWN = 20


class Command(RecordedCommand):
    help = (
        "Imports a zipped Shapefile or FileGDB, GeoPackage, GeoJSON or KML file as a new "
        "revision of a layer, creating the layer when needed."
    )

    def add_arguments(self, parser):
        parser.add_argument("plan_slug")
        parser.add_argument("collection_id")
        parser.add_argument("file", type=Path)
        parser.add_argument("--layer", dest="layer_name", help="the layer to read from the file")
        parser.add_argument("--key", help="the field that identifies a feature (default BSM)")
        parser.add_argument("--title", help="the layer's title")
        parser.add_argument("--publish", action="store_true", help="publish the new revision")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="SOURCE=TARGET",
            help="map a field of the file to a field of the layer (repeatable)",
        )

    def handle(self, *args, plan_slug, collection_id, file, layer_name, key, title, **options):
        plan = Plan.objects.filter(slug=plan_slug).first()
        if plan is None:
            raise CommandError(_("There is no plan %(slug)s.") % {"slug": plan_slug})
        mapping = _parse_mapping(options["map"])
        layer = Layer.objects.filter(collection_id=collection_id).first()
        if layer is not None and layer.plan_id != plan.pk:
            raise CommandError(
                _("The layer %(layer)s belongs to another plan.") % {"layer": collection_id}
            )
        target = Target(plan, collection_id, layer_name, title or "", key, mapping)
        try:
            with transaction.atomic():
                result = ingest_file(
                    file,
                    target,
                    on_prepared=lambda prepared: self._print_problems(prepared.problems),
                )
                if result.revision is None:
                    raise CommandError(_("The file was rejected."))
                diff = diff_revisions(result.layer, result.revision)
                if options["publish"]:
                    publish_revision(result.layer, result.revision)
        except RejectedFile as rejected:
            self._print_problems(rejected.problems)
            raise CommandError(_("The file was rejected.")) from None
        self._report(result, diff, published=options["publish"])

    def _report(self, result, diff: RevisionDiff, *, published: bool) -> None:
        layer, revision = result.layer, result.revision
        if result.created:
            self.stdout.write(
                _("New layer %(layer)s (%(geometry)s).")
                % {"layer": layer.collection_id, "geometry": layer.geometry_type}
            )
        self.stdout.write(
            _("Revision %(number)s of %(layer)s: %(count)s features (%(crs)s).")
            % {
                "number": revision.number,
                "layer": layer.collection_id,
                "count": revision.feature_count,
                "crs": revision.source_crs,
            }
        )
        self._print_diff(diff)
        if published:
            self.stdout.write(_("Published."))

    def _print_problems(self, problems) -> None:
        for problem in problems:
            label = _("Error") if problem.is_error else _("Warning")
            self.stdout.write(f"  {label}: {problem.message}")

    def _print_diff(self, diff: RevisionDiff) -> None:
        numbers = {
            "against": diff.against,
            "added": diff.added,
            "removed": diff.removed,
            "changed": diff.changed,
            "unchanged": diff.unchanged,
            "before": diff.area_ha_before,
            "after": diff.area_ha_after,
        }
        if diff.against is None:
            self.stdout.write(
                _("Nothing was published before: %(added)s features are new, %(after)s ha.")
                % numbers
            )
            return
        self.stdout.write(
            _(
                "Compared with revision %(against)s: %(added)s added, %(removed)s removed, "
                "%(changed)s changed, %(unchanged)s unchanged; area %(before)s ha, now "
                "%(after)s ha."
            )
            % numbers
        )
        for change in diff.changes[:CHANGES_SHOWN]:
            parts = [
                f"{name}: {values['before']} → {values['after']}"
                for name, values in change.attributes.items()
            ]
            if change.geometry_changed:
                parts.append(_("geometry changed"))
            feature = f"{diff.key_field} {change.key}" if change.key else f"#{change.after_id}"
            self.stdout.write(f"  {feature}: " + "; ".join(parts))


def _parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        source, separator, target = pair.partition("=")
        if not separator or not source or not target:
            raise CommandError(_("--map expects SOURCE=TARGET, not %(value)s.") % {"value": pair})
        mapping[source] = target
    return mapping
