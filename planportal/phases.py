"""The plan's procedure after (and between) its rounds of 公示: hearings and review meetings,
the congress's review, the submission, the approval and the publication of the approved plan
(批后公布), each a ``PlanPhase`` with its records (minutes, resolutions, the 批复).

    phase = add_phase(user, plan, kind="approval", starts_at=..., authority=..., ...)
    update_phase(user, phase, outcome="...")
    add_record(user, phase, name="批复.pdf", content=b"%PDF-...", title="批复")
    deadline_warnings(plan, today)

The legal dates:

- 批后公布 lasts at least 30 days, counted as the law counts a 公示 (planportal/periods.py: the
  day it starts is not counted, a last day on a statutory rest day moves to the next working
  day). An announcement step shorter than that is refused.
- 批后公布 starts within ``ANNOUNCEMENT_START_DAYS`` (20) days of the approval's date: the rule
  of issue 12 of this project, which the domain notes do not tie to an article, hence a
  setting. The days are counted from the day after the approval, in calendar days, and a
  deadline on a holiday is *not* moved: the warning should rather come a day early.
- A hearing or review meeting is announced before it takes place. No rule of the domain notes
  fixes how long before, so ``HEARING_NOTICE_DAYS`` is the office's own advance notice: a
  meeting recorded (and so shown) fewer days ahead is flagged, not refused.

``deadline_warnings`` says what is due, overdue or worth a look; ``manage.py check_deadlines``
prints the warnings of every plan and fails when something is overdue (for cron). Every change
writes its audit event (``phase.add``, ``phase.edit``, ``phase.delete``, ``phase.record_add``,
``phase.record_delete``) in the same transaction, with the facts before and after.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from planportal import figures
from planportal.audit import record
from planportal.models import PhaseKind, PhaseRecord, Plan, PlanPhase, PlanVersion
from planportal.periods import CHINA, MINIMUM_DAYS, china_date, lawful_close, lawful_period

# The fields of a step a person fills in, in the order of the form.
PHASE_FIELDS = (
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "place",
    "how_to_take_part",
    "outcome",
    "authority",
    "document_number",
    "version",
    "is_public",
)
TEXT_FIELDS = ("title", "place", "how_to_take_part", "outcome", "authority", "document_number")
# Meetings the public is invited to: they need a place and an advance notice.
MEETINGS = (PhaseKind.EXPERT_REVIEW, PhaseKind.HEARING)
RECORD_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


class RecordRefused(ValueError):
    """A record's file that cannot be accepted; the message is for the person uploading."""


# --- The legal dates (pure functions) -------------------------------------------------------


def announcement_start_days() -> int:
    return int(settings.ANNOUNCEMENT_START_DAYS)


def hearing_notice_days() -> int:
    return int(settings.HEARING_NOTICE_DAYS)


def announcement_deadline(approved_on: date) -> date:
    """The last day on which 批后公布 may start after an approval of ``approved_on``."""
    return approved_on + timedelta(days=announcement_start_days())


def announcement_earliest_end(starts_at: datetime) -> datetime:
    """The earliest lawful end of 批后公布 starting at ``starts_at``: 24:00 of its 30th day,
    moved past statutory rest days, as a 公示 round's."""
    return lawful_close(starts_at)


def announcement_too_short(starts_at: datetime, ends_at: datetime | None) -> bool:
    return ends_at is None or ends_at < announcement_earliest_end(starts_at)


def too_short_message(starts_at: datetime) -> str:
    return _(
        "The approved plan must be shown for at least %(days)s days, counted from the day "
        "after it starts (Civil Code Arts. 201 and 203): the earliest lawful end is %(last)s "
        "24:00 China time."
    ) % {"days": MINIMUM_DAYS, "last": lawful_period(starts_at).last_day.isoformat()}


def notice_days(created_at: datetime, starts_at: datetime) -> int:
    """Whole days between the day a meeting was put on the timeline and the day it meets."""
    return (china_date(starts_at) - china_date(created_at)).days


# --- Checking a step -------------------------------------------------------------------------


def unknown_version_message() -> str:
    return _("That version is not one of this plan's.")


def clean_fields(plan: Plan, fields: dict) -> dict:
    """The step's fields, trimmed and checked together; ``ValidationError`` with a message
    per field (in the request's language) when the law or the form is not satisfied."""
    cleaned = {name: fields.get(name) for name in PHASE_FIELDS}
    for name in TEXT_FIELDS:
        cleaned[name] = (cleaned[name] or "").strip()
    cleaned["is_public"] = bool(cleaned["is_public"])
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = cleaned["kind"]
    if kind not in PhaseKind.values:
        refuse("kind", _("Choose the kind of step."))
    for name in TEXT_FIELDS:
        limit = PlanPhase._meta.get_field(name).max_length
        if limit and len(cleaned[name]) > limit:
            refuse(name, _("Too long: at most %(max)s characters.") % {"max": limit})
    starts_at, ends_at = cleaned["starts_at"], cleaned["ends_at"]
    if starts_at is None:
        if kind == PhaseKind.APPROVAL:
            refuse("starts_at", _("An approval needs the date it was given."))
        else:
            refuse("starts_at", _("Give the date (or the start) of the step."))
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        refuse("ends_at", _("The end must be after the start."))
    if kind == PhaseKind.APPROVAL:
        if not cleaned["authority"]:
            refuse("authority", _("An approval needs the authority that gave it (批准机关)."))
        if not cleaned["document_number"]:
            refuse("document_number", _("An approval needs its document number (文号)."))
    if kind in MEETINGS and not cleaned["place"]:
        refuse("place", _("The notice of a hearing or review meeting needs its place."))
    if kind == PhaseKind.ANNOUNCEMENT and starts_at is not None:
        if ends_at is None:
            refuse(
                "ends_at",
                _("The publication of the approved plan needs an end (at least 30 days)."),
            )
        elif ends_at > starts_at and announcement_too_short(starts_at, ends_at):
            refuse("ends_at", too_short_message(starts_at))
    version = cleaned["version"]
    if version is not None and (not isinstance(version, PlanVersion) or version.plan_id != plan.pk):
        refuse("version", unknown_version_message())
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Changes ---------------------------------------------------------------------------------


def _moment(value: datetime | None) -> str | None:
    return value.astimezone(CHINA).isoformat() if value else None


def facts(phase: PlanPhase) -> dict:
    """What the audit trail keeps of a step."""
    return {
        "kind": phase.kind,
        "title": phase.title,
        "starts_at": _moment(phase.starts_at),
        "ends_at": _moment(phase.ends_at),
        "place": phase.place,
        "how_to_take_part": phase.how_to_take_part,
        "outcome": phase.outcome,
        "authority": phase.authority,
        "document_number": phase.document_number,
        "version": phase.version.number if phase.version_id else None,
        "is_public": phase.is_public,
    }


def summary(phase: PlanPhase) -> str:
    number = f" {phase.document_number}" if phase.document_number else ""
    day = china_date(phase.starts_at).isoformat()
    return f"{phase.plan.slug}: {phase.get_kind_display()} {day} {phase.title}{number}".strip()


def add_phase(actor, plan: Plan, **fields) -> PlanPhase:
    """Checks the step, saves it and writes ``phase.add``."""
    cleaned = clean_fields(plan, fields)
    with transaction.atomic():
        phase = PlanPhase.objects.create(plan=plan, **cleaned)
        record(actor, "phase.add", phase, summary=summary(phase), after=facts(phase))
    return phase


def update_phase(actor, phase: PlanPhase, **changes) -> PlanPhase:
    """Changes the fields given, checked together with the rest of the step, and writes
    ``phase.edit`` with the changed facts before and after; nothing when nothing changes."""
    with transaction.atomic():
        locked = (
            PlanPhase.objects.select_for_update(of=("self",))
            .select_related("plan", "version")
            .get(pk=phase.pk)
        )
        before = facts(locked)
        current = {name: getattr(locked, name) for name in PHASE_FIELDS}
        unknown = set(changes) - set(PHASE_FIELDS)
        if unknown:
            raise TypeError(f"not fields of a step: {sorted(unknown)}")
        cleaned = clean_fields(locked.plan, {**current, **changes})
        for name, value in cleaned.items():
            setattr(locked, name, value)
        after = facts(locked)
        changed = [key for key in after if after[key] != before[key]]
        if changed:
            locked.save()
            record(
                actor,
                "phase.edit",
                locked,
                summary=summary(locked),
                before={key: before[key] for key in changed},
                after={key: after[key] for key in changed},
            )
    return locked


def _record_facts(item: PhaseRecord) -> dict:
    return {
        "phase": item.phase_id,
        "title": item.title,
        "original_name": item.original_name,
        "file": item.file.name,
        "content_type": item.content_type,
        "size": item.size,
        "sha256": item.sha256,
    }


def delete_phase(actor, phase: PlanPhase) -> None:
    """Removes the step and its records with ``phase.delete`` holding what they were; the
    files go once the deletion has committed."""
    with transaction.atomic():
        locked = (
            PlanPhase.objects.select_for_update(of=("self",))
            .select_related("plan", "version")
            .get(pk=phase.pk)
        )
        records = list(locked.records.all())
        record(
            actor,
            "phase.delete",
            locked,
            summary=summary(locked),
            before={
                "plan": locked.plan_id,
                **facts(locked),
                "records": [_record_facts(item) for item in records],
            },
        )
        locked.delete()
        names = [item.file.name for item in records]
        transaction.on_commit(lambda: _remove_files(names))


# --- Records of a step -----------------------------------------------------------------------


def record_max_bytes() -> int:
    return int(settings.PHASE_RECORD_MAX_BYTES)


def record_too_large_message() -> str:
    return _("The file is too large: at most %(mb)s MB.") % {
        "mb": record_max_bytes() // (1024 * 1024)
    }


def check_record_file(name: str, content: bytes) -> figures.CheckedFile:
    """The file as a record, or ``RecordRefused``: a PDF, PNG or JPEG whose content is what its
    name says (read as the figures' files are, planportal/figures.py)."""
    if len(content) > record_max_bytes():
        raise RecordRefused(record_too_large_message())
    extension = PurePath(name or "").suffix.lower()
    if extension not in (".pdf", *figures.IMAGE_EXTENSIONS):
        raise RecordRefused(
            _("Only PDF files and PNG or JPEG images can be uploaded as records (not %(name)s).")
            % {"name": name}
        )
    try:
        return figures.check_content(name, content)
    except figures.FigureRefused as refused:
        raise RecordRefused(str(refused)) from None


def _original_name(name: str) -> str:
    # Only the last part of whatever path the browser sent, without control characters.
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(char for char in base if char.isprintable())
    return base[-255:] or "record"


def add_record(
    actor, phase: PlanPhase, *, name: str, content: bytes, title: str = ""
) -> PhaseRecord:
    """Checks the file, stores it under a server-made name with its SHA-256 and writes
    ``phase.record_add``; the file is removed again when the row cannot be saved."""
    checked = check_record_file(name, content)
    original = _original_name(name)
    title = " ".join((title or "").split()) or PurePath(original).stem or original
    if len(title) > PhaseRecord._meta.get_field("title").max_length:
        raise RecordRefused(_("The title is too long (at most 200 characters)."))
    item = PhaseRecord(
        phase=phase,
        title=title,
        original_name=original,
        content_type=checked.content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    extension = RECORD_EXTENSIONS[checked.content_type]
    try:
        item.file.save(f"{secrets.token_hex(12)}{extension}", ContentFile(content), save=False)
        with transaction.atomic():
            item.save(force_insert=True)
            record(
                actor,
                "phase.record_add",
                item,
                summary=f"{summary(phase)}: {item.title}",
                after=_record_facts(item),
            )
    except BaseException:
        _remove_files([item.file.name])
        raise
    return item


def delete_record(actor, item: PhaseRecord) -> None:
    with transaction.atomic():
        locked = (
            PhaseRecord.objects.select_for_update(of=("self",))
            .select_related("phase__plan")
            .get(pk=item.pk)
        )
        record(
            actor,
            "phase.record_delete",
            locked,
            summary=f"{summary(locked.phase)}: {locked.title}",
            before=_record_facts(locked),
        )
        locked.delete()
        name = locked.file.name
        transaction.on_commit(lambda: _remove_files([name]))


def _remove_files(names: list[str]) -> None:
    storage = PhaseRecord._meta.get_field("file").storage
    for name in names:
        if name:
            storage.delete(name)


# --- Warnings --------------------------------------------------------------------------------

OVERDUE = "overdue"  # a deadline has passed and what it asked for is still missing
DUE = "due"  # a deadline ahead
CHECK = "check"  # a recorded step does not meet a rule: worth a look, nothing to wait for


@dataclass(frozen=True)
class DeadlineWarning:
    plan: Plan
    level: str
    message: str
    phase: PlanPhase | None = None

    @property
    def is_overdue(self) -> bool:
        return self.level == OVERDUE


def deadline_warnings(
    plan: Plan, today: date, phases: list[PlanPhase] | None = None
) -> list[DeadlineWarning]:
    """What an official should know about the plan's dates on ``today`` (a China date):
    批后公布 due or overdue after an approval, started late, too short or not public, and
    meetings announced with less than the office's notice or not shown publicly."""
    if phases is None:
        phases = list(plan.phases.all())
    phases = sorted(phases, key=lambda phase: (phase.starts_at, phase.pk or 0))
    warnings = []

    def warn(level: str, message: str, phase: PlanPhase | None) -> None:
        warnings.append(DeadlineWarning(plan, level, message, phase))

    approvals = [phase for phase in phases if phase.kind == PhaseKind.APPROVAL]
    announcements = [phase for phase in phases if phase.kind == PhaseKind.ANNOUNCEMENT]
    for position, approval in enumerate(approvals):
        approved_on = china_date(approval.starts_at)
        if approved_on > today:
            continue
        following = approvals[position + 1] if position + 1 < len(approvals) else None
        answering = [
            phase
            for phase in announcements
            if china_date(phase.starts_at) >= approved_on
            and (following is None or phase.starts_at < following.starts_at)
        ]
        deadline = announcement_deadline(approved_on)
        facts_of = {
            "number": approval.document_number,
            "approved": approved_on.isoformat(),
            "deadline": deadline.isoformat(),
            "days": announcement_start_days(),
        }
        if not answering:
            left = (deadline - today).days
            if left < 0:
                warn(
                    OVERDUE,
                    _(
                        "Overdue by %(late)s days: the plan was approved on %(approved)s "
                        "(%(number)s) and its publication had to start within %(days)s days, "
                        "by %(deadline)s; no publication of the approved plan is recorded."
                    )
                    % {**facts_of, "late": -left},
                    approval,
                )
            else:
                warn(
                    DUE,
                    _(
                        "%(left)s days left: the plan was approved on %(approved)s "
                        "(%(number)s); the publication of the approved plan must start by "
                        "%(deadline)s."
                    )
                    % {**facts_of, "left": left},
                    approval,
                )
            continue
        first = answering[0]
        if china_date(first.starts_at) > deadline:
            warn(
                CHECK,
                _(
                    "The publication of the approved plan started on %(started)s, later than "
                    "%(days)s days after the approval of %(approved)s (by %(deadline)s)."
                )
                % {**facts_of, "started": china_date(first.starts_at).isoformat()},
                first,
            )
    for phase in announcements:
        if announcement_too_short(phase.starts_at, phase.ends_at):
            warn(CHECK, too_short_message(phase.starts_at), phase)
        if not phase.is_public:
            warn(
                CHECK,
                _(
                    "The publication of the approved plan of %(start)s is not shown on the "
                    "public timeline."
                )
                % {"start": china_date(phase.starts_at).isoformat()},
                phase,
            )
    for phase in phases:
        if phase.kind not in MEETINGS or china_date(phase.starts_at) < today:
            continue
        meets_on = china_date(phase.starts_at).isoformat()
        if not phase.is_public:
            warn(
                CHECK,
                _("The %(kind)s of %(day)s is not shown on the public timeline.")
                % {"kind": phase.get_kind_display(), "day": meets_on},
                phase,
            )
        elif phase.created_at and notice_days(phase.created_at, phase.starts_at) < (
            hearing_notice_days()
        ):
            warn(
                CHECK,
                _(
                    "The %(kind)s of %(day)s was announced only %(notice)s days ahead; the "
                    "office gives at least %(days)s days' notice."
                )
                % {
                    "kind": phase.get_kind_display(),
                    "day": meets_on,
                    "notice": notice_days(phase.created_at, phase.starts_at),
                    "days": hearing_notice_days(),
                },
                phase,
            )
    order = {OVERDUE: 0, DUE: 1, CHECK: 2}
    return sorted(warnings, key=lambda warning: order[warning.level])


def warnings_for_plans(plans, today: date) -> list[DeadlineWarning]:
    """``deadline_warnings`` of each plan of a queryset, in two queries."""
    found = []
    for plan in plans.order_by("region_code", "name").prefetch_related("phases"):
        found.extend(deadline_warnings(plan, today, list(plan.phases.all())))
    return found


def today_in_china() -> date:
    return china_date(timezone.now())


# --- Queries for the pages -------------------------------------------------------------------


def public_phases(plan: Plan):
    """The steps the public sees, in date order, with their records and versions."""
    return (
        plan.phases.filter(is_public=True)
        .select_related("version")
        .prefetch_related("records")
        .order_by("starts_at", "id")
    )


def approval_of(version: PlanVersion | None) -> PlanPhase | None:
    """The public approval step of an approved version (its 文号 and date), if recorded."""
    if version is None or not version.is_approved:
        return None
    return (
        version.phases.filter(kind=PhaseKind.APPROVAL, is_public=True)
        .order_by("-starts_at", "-id")
        .first()
    )
