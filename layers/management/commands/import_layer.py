"""``manage.py import_layer PLAN_SLUG COLLECTION_ID FILE``: the upload pipeline from the
command line.

Creates the layer when it does not exist (geometry type from the data), writes the file as
the layer's next revision, prints its number, the problems and the diff with the published
revision, and publishes it with ``--publish``. A rejected file changes nothing and ends with
a non-zero exit status.
"""

from argparse import ArgumentTypeError
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from layers.crosscheck import acknowledgement_needed, revision_report
from layers.ingest import RejectedFile, RevisionDiff, diff_revisions
from layers.ingest.pipeline import Target, ingest_file
from layers.models import Layer
from layers.revisions.gate import (
    REQUIRED,
    SettingsRefused,
    missing_message,
    parse_data_status,
    update_settings,
)
from layers.revisions.publishing import NotPublishable, publish_revision
from planportal.audit import RecordedCommand, attribute_to
from planportal.models import Plan, Section
from planportal.roles import may_manage_layers
from planportal.versions import current_version

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
            "--acknowledge-overlaps",
            action="store_true",
            help="publish although the control lines overlap or lie outside the extent",
        )
        parser.add_argument("--code", default="", help="a new layer's code (要素代码, e.g. YJJBNT)")
        parser.add_argument("--section", help="the section of the plan it shows, e.g. 3.2")
        parser.add_argument(
            "--data-status",
            type=_data_status,
            help="示意 (schematic) or 正式 (official)",
        )
        parser.add_argument("--source", help="where the data comes from")
        parser.add_argument("--note", help="the publication note: why and on whose approval")
        parser.add_argument(
            "--actor", help="the planner's username, recorded as the author and in the audit"
        )
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
        changes = _settings(plan, options)
        if options["publish"]:
            # Refused before anything is written: the layer as it would be after this import.
            missing = _missing_after(layer, changes)
            if missing:
                raise CommandError(missing_message(missing))
        actor = _actor(options["actor"], plan, needed=options["publish"] or bool(changes))
        if actor is not None:
            attribute_to(actor)  # the trail's rows name the planner, not only the command
        target = Target(plan, collection_id, layer_name, title or "", key, mapping, options["code"])
        try:
            with transaction.atomic():
                result = ingest_file(file, target, created_by=actor)
                self._print_problems(result.prepared.problems)
                if result.revision is None:
                    raise CommandError(_("The file was rejected."))
                if changes:
                    update_settings(result.layer, actor, changes)
                diff = diff_revisions(result.layer, result.revision)
                report = revision_report(result.layer, result.revision)
                self._print_crosscheck(report)
                unacknowledged = report.get("warnings") and not options["acknowledge_overlaps"]
                if options["publish"] and unacknowledged:
                    raise CommandError(acknowledgement_needed() + " (--acknowledge-overlaps)")
                if options["publish"]:
                    publish_revision(result.layer, result.revision, actor=actor)
        except RejectedFile as rejected:
            self._print_problems(rejected.problems)
            raise CommandError(_("The file was rejected.")) from None
        except SettingsRefused as refused:
            raise CommandError(str(refused)) from None
        except NotPublishable as refused:
            raise CommandError(str(refused)) from None
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

    def _print_crosscheck(self, report: dict) -> None:
        for overlap in report.get("overlaps", []):
            self.stdout.write(
                _("Overlap %(a)s × %(b)s: %(hectares)s ha in %(count)s places.") % overlap
            )
        for outside in report.get("outside", []):
            self.stdout.write(
                _("Outside the extent, %(layer)s: %(hectares)s ha in %(count)s features.") % outside
            )

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


def _data_status(text: str) -> str:
    status = parse_data_status(text)
    if status is None:
        raise ArgumentTypeError(_("expected 示意, 正式, schematic or official"))
    return status


def _settings(plan: Plan, options: dict) -> dict:
    """The layer settings given on the command line, as update_settings takes them."""
    changes = {}
    if options["section"]:
        section = Section.objects.filter(
            chapter__version=current_version(plan), number=options["section"]
        ).first()
        if section is None:
            raise CommandError(
                _("The plan has no section %(number)s.") % {"number": options["section"]}
            )
        changes["section"] = section
    if options["data_status"]:
        changes["data_status"] = options["data_status"]
    if options["source"]:
        changes["source_note"] = options["source"]
    if options["note"]:
        changes["publication_note"] = options["note"]
    return changes


def _actor(username: str | None, plan: Plan, *, needed: bool):
    if not username:
        if needed:
            raise CommandError(
                _("Name who acts with --actor USERNAME to publish or to change a layer's settings.")
            )
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not may_manage_layers(user, plan):
        raise CommandError(
            _("%(username)s is not an active planner of this plan.") % {"username": username}
        )
    return user


def _missing_after(layer: Layer | None, changes: dict) -> list[str]:
    """What the publish gate would still miss once ``changes`` are applied to the layer (a
    new layer has nothing but them)."""
    present = {
        "section": layer is not None and layer.section_id is not None,
        "data_status": layer is not None and bool(layer.data_status),
        "source_note": layer is not None and bool(layer.source_note.strip()),
        "publication_note": layer is not None and bool(layer.publication_note.strip()),
    }
    for name, value in changes.items():
        present[name] = value is not None and (not isinstance(value, str) or bool(value.strip()))
    return [name for name in REQUIRED if not present[name]]
