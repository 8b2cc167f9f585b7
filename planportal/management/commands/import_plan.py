"""``manage.py import_plan PATH --slug SLUG``: a plan's text from its document (DOCX, PDF with
a text layer, text or Markdown), for a new plan, as the next version of an existing one
(``--new-version``), or into the draft version an existing plan is preparing.

A new plan needs ``--name`` and ``--region-code`` (12 digits, checked against the region
hierarchy); its period is read from the document's title ("2021-2035年") unless ``--period``
gives it. A published version is never changed: the text of an existing plan whose latest
version is published goes into a new version, copied from it (indicators and figures carried
over), and only with ``--new-version``. ``--publish`` publishes the version (and shows the plan
on the portal). The chapters and sections found and every line treated as layout are printed;
a refused file exits non-zero.
"""

import re
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from planportal.audit import RecordedCommand, attribute_to
from planportal.importing import ImportRefused, parse_document
from planportal.importing.saving import create_import, save_import
from planportal.models import Plan, VersionKind
from planportal.plans import create_plan, publish_plan
from planportal.versions import (
    VersionRefused,
    latest_version,
    new_draft,
    publish_version,
    working_draft,
)

PERIOD = re.compile(r"((?:19|20)\d{2})\s*[-—–~～至]\s*((?:19|20)\d{2})")
REGION_CODE = re.compile(r"^\d{12}$")


class Command(RecordedCommand):
    help = "Imports a plan's text from a DOCX, PDF (text layer), text or Markdown file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", help="the plan's name (needed for a new plan)")
        parser.add_argument("--region-code", help="12-digit region code (needed for a new plan)")
        parser.add_argument("--region-name", default="", help="e.g. 阳泉曲镇")
        parser.add_argument("--organisation", default="", help="组织编制机关")
        parser.add_argument("--period", help="START-END, e.g. 2021-2035 (else from the title)")
        parser.add_argument(
            "--new-version",
            action="store_true",
            help="import as the next version of an existing plan (its latest is published)",
        )
        parser.add_argument(
            "--kind",
            choices=[kind.value for kind in VersionKind],
            default=VersionKind.REVISED,
            help="what the new version is (default: revised, 修改稿)",
        )
        parser.add_argument("--label", default="", help="e.g. 修改稿（第二次公示）")
        parser.add_argument(
            "--publish", action="store_true", help="publish the version and show the plan"
        )
        parser.add_argument("--actor", help="the planner's username, recorded in the audit")

    def handle(self, *args, path: Path, slug: str, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        actor = _actor(options["actor"])
        if actor is not None:
            attribute_to(actor)
        try:
            structure = parse_document(data, path.name)
            with transaction.atomic():
                plan = Plan.objects.filter(slug=slug).first()
                created = plan is None
                if created:
                    plan = _new_plan(slug, structure, options, actor)
                else:
                    _check_target(plan, options)
                text_import = create_import(plan, data, path.name, actor)
                if working_draft(plan) is None:
                    new_draft(plan, actor, kind=options["kind"], label=options["label"])
                save_import(text_import, actor)
                version = latest_version(plan)
                if options["publish"]:
                    if not version.is_published:
                        version = publish_version(version, actor)
                    if not plan.is_published:
                        plan = publish_plan(actor, plan)
        except (ImportRefused, VersionRefused) as refused:
            raise CommandError(f"refused: {refused}") from None
        self._report(plan, version, text_import.structure, created=created)

    def _report(self, plan: Plan, version, structure: dict, *, created: bool) -> None:
        verb = "created plan" if created else "imported the text of plan"
        state = "published" if plan.is_published else "not published"
        self.stdout.write(f"{verb} {plan.slug} ({plan.name}, {state}) from {structure['format']}")
        version_state = "published" if version.is_published else "draft"
        self.stdout.write(
            f"version {version.number} ({version.get_kind_display()}, {version_state})"
        )
        for chapter in structure["chapters"]:
            self.stdout.write(f"chapter {chapter['number']} {chapter['title']}")
            for section in chapter["sections"]:
                kinds = Counter(block["type"] for block in section["blocks"])
                summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
                self.stdout.write(f"  {section['number']} {section['title']}: {summary or 'empty'}")
        layout = structure["layout"]
        self.stdout.write(f"treated as layout ({len(layout)} lines):")
        for item in layout:
            page = f" p.{item['page']}" if item.get("page") else ""
            self.stdout.write(f"  [{item['kind']}{page}] {item['text']}")


def _check_target(plan: Plan, options: dict) -> None:
    """An existing plan's published latest version is changed only by a new version."""
    latest = latest_version(plan)
    if latest.is_published and not options["new_version"]:
        raise CommandError(
            f"version {latest.number} of {plan.slug} is published and cannot change: "
            "give --new-version to import the text as the next version"
        )


def _actor(username: str | None):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"there is no active user {username}")
    return user


def _new_plan(slug: str, structure: dict, options: dict, actor) -> Plan:
    name, code = options["name"], options["region_code"]
    if not name or not code or not options["organisation"]:
        raise CommandError(
            f"there is no plan {slug}: a new plan needs --name, --region-code and --organisation"
        )
    if not REGION_CODE.match(code):
        raise CommandError("--region-code must have exactly 12 digits (统计用区划代码)")
    start, end = _period(options["period"] or " ".join([name, *structure["cover"]]))
    if start is None:
        raise CommandError("the period is not in the document's title: give --period START-END")
    if start >= end:
        raise CommandError("the period must start before it ends")
    fields = {
        "slug": slug,
        "name": name,
        "region_code": code,
        "region_name": options["region_name"] or "",
        "organisation": options["organisation"],
        "period_start": start,
        "period_end": end,
    }
    try:
        # The same rules as the staff page and the API: the region hierarchy, audited.
        return create_plan(actor, **fields)
    except ValidationError as refused:
        if hasattr(refused, "error_dict"):
            raise CommandError(
                "; ".join(
                    f"{field}: {' '.join(errors)}" for field, errors in refused.message_dict.items()
                )
            ) from None
        raise CommandError(" ".join(refused.messages)) from None


def _period(text: str) -> tuple[int | None, int | None]:
    match = PERIOD.search(text)
    return (int(match[1]), int(match[2])) if match else (None, None)
