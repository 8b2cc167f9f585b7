"""``manage.py import_package PLAN_SLUG PATH``: a 汇交 database (zipped FileGDB or GeoPackage)
in one go, from the command line, through the same services as the staff page and the API
(layers/packages/service.py).

Each layer of the file is matched to the plan's layers by its standard code or name
(``--map NAME=TARGET`` says otherwise: a layer's collection id, ``new``, ``new:CODE`` or
``skip``; a layer nothing matches is skipped and named), written as a new revision, and the
set is checked across layers. ``--publish`` publishes every layer or none; it is refused
(exit status 1, nothing published) when a layer was refused, lacks a publish-gate setting, or
when the checks across layers found overlaps or features outside the extent and
``--acknowledge-overlaps`` was not given.
"""

from argparse import ArgumentTypeError
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from layers.ingest import RejectedFile
from layers.models import PackageJob, PackageState
from layers.packages.service import (
    SKIP,
    PackageRefused,
    choose,
    publish_package,
    receive_package,
    run_package_job,
)
from layers.revisions.gate import parse_data_status
from planportal.audit import RecordedCommand, attribute_to
from planportal.models import Plan
from planportal.roles import may_manage_layers


class Command(RecordedCommand):
    help = "Imports a 汇交 database (zipped FileGDB or GeoPackage) of many layers in one go."

    def add_arguments(self, parser):
        parser.add_argument("plan_slug")
        parser.add_argument("path", type=Path)
        parser.add_argument("--publish", action="store_true", help="publish every layer or none")
        parser.add_argument(
            "--acknowledge-overlaps",
            action="store_true",
            help="publish although layers overlap or lie outside the extent (the report is shown)",
        )
        parser.add_argument("--actor", required=True, help="the planner's username")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="NAME=TARGET",
            help="a layer of the file to a collection id, new, new:CODE or skip (repeatable)",
        )
        parser.add_argument("--section", help="new layers' section of the plan, e.g. 3.2")
        parser.add_argument("--data-status", type=_data_status, help="new layers': 示意 or 正式")
        parser.add_argument("--source", help="new layers' source")
        parser.add_argument("--note", help="new layers' publication note")

    def handle(self, *args, plan_slug, path, **options):
        plan = Plan.objects.filter(slug=plan_slug).first()
        if plan is None:
            raise CommandError(_("There is no plan %(slug)s.") % {"slug": plan_slug})
        actor = _actor(options["actor"], plan)
        attribute_to(actor)
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        try:
            with path.open("rb") as handle:
                job = receive_package(actor, plan, File(handle, name=path.name))
        except RejectedFile as rejected:
            for problem in rejected.problems:
                self.stdout.write(f"  {_('Error')}: {problem.message}")
            raise CommandError(_("The file was rejected.")) from None
        defaults = {
            "section": options["section"],
            "data_status": options["data_status"],
            "source_note": options["source"],
            "publication_note": options["note"],
        }
        try:
            job = choose(job, actor, _parse_mapping(options["map"]), defaults, defer=False)
        except ValueError as refused:
            raise CommandError(str(refused)) from None
        run_package_job(job.pk)
        job.refresh_from_db()
        self._report(job)
        if job.error:
            raise CommandError(job.error)
        if not options["publish"]:
            if job.state == PackageState.FAILED:
                raise CommandError(_("A layer was refused: the package cannot be published."))
            return
        try:
            publish_package(job, actor, acknowledge_overlaps=options["acknowledge_overlaps"])
        except PackageRefused as refused:
            for reason in refused.reasons:
                self.stderr.write(f"  {reason}")
            raise CommandError(_("Nothing was published.")) from None
        self.stdout.write(_("Published: every layer of the package."))

    def _report(self, job: PackageJob) -> None:
        for entry in job.entries:
            if entry["action"] == SKIP:
                self.stdout.write(_("%(name)s: skipped.") % {"name": entry["name"]})
                continue
            if entry["state"] != "done":
                self.stdout.write(
                    _("%(name)s → %(layer)s: refused.")
                    % {"name": entry["name"], "layer": entry["collection_id"]}
                )
            else:
                diff = entry["diff"]
                self.stdout.write(
                    _(
                        "%(name)s → %(layer)s%(new)s: revision %(number)s, %(count)s features; "
                        "%(added)s added, %(removed)s removed, %(changed)s changed."
                    )
                    % {
                        "name": entry["name"],
                        "layer": entry["collection_id"],
                        "new": _(" (new layer)") if entry["action"] == "new" else "",
                        "number": entry["number"],
                        "count": entry["features"],
                        "added": diff["added"],
                        "removed": diff["removed"],
                        "changed": diff["changed"],
                    }
                )
            for problem in entry["problems"]:
                label = _("Error") if problem.get("severity") == "error" else _("Warning")
                self.stdout.write(f"    {label}: {problem.get('message', problem.get('code'))}")
        self._report_crosscheck(job.crosscheck or {})

    def _report_crosscheck(self, report: dict) -> None:
        for overlap in report.get("overlaps", []):
            self.stdout.write(
                _("Overlap %(a)s × %(b)s: %(hectares)s ha in %(count)s places.") % overlap
            )
            for case in overlap["cases"][:10]:
                self.stdout.write(
                    f"    {overlap['a']} {case['a_key']} × {overlap['b']} {case['b_key']}: "
                    f"{case['hectares']} ha"
                )
        for outside in report.get("outside", []):
            self.stdout.write(
                _("Outside the extent, %(layer)s: %(hectares)s ha in %(count)s features.") % outside
            )
            for case in outside["cases"][:10]:
                self.stdout.write(f"    {case['key']}: {case['hectares']} ha")
        if report and not report.get("extent"):
            self.stdout.write(
                _("No official extent (XZQ): features outside the plan's area were not checked.")
            )


def _parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        name, separator, target = pair.partition("=")
        if not separator or not name or not target:
            raise CommandError(_("--map expects NAME=TARGET, not %(value)s.") % {"value": pair})
        mapping[name] = target
    return mapping


def _data_status(text: str) -> str:
    status = parse_data_status(text)
    if status is None:
        raise ArgumentTypeError(_("expected 示意, 正式, schematic or official"))
    return status


def _actor(username: str, plan):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not may_manage_layers(user, plan):
        raise CommandError(_("%(username)s is not an active planner.") % {"username": username})
    return user
