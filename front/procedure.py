"""The plan's procedure as residents see it: every round of 公示 (consultation.Consultation) and
every public step (planportal.PlanPhase) in date order, with what comes next, on the plan page
(templates/front/_procedure.html), at ``/plans/<slug>/procedure/`` and in the API
(front/procedure_api.py); and the records of public steps as downloads.

Only what is public shows: steps marked public, of a published plan; a version is named only
once it is published (a draft's number would lead nowhere)."""

from dataclasses import dataclass, field
from datetime import datetime, time

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from consultation.models import Consultation
from planportal.models import PhaseKind, PhaseRecord, Plan, PlanPhase, PlanVersion
from planportal.periods import CHINA, period_text
from planportal.phases import public_phases

PAST, CURRENT, UPCOMING = "past", "current", "upcoming"


def moment_text(moment: datetime | None) -> str:
    """2026-05-08 09:30 in China time, or the date alone for a step given as a day."""
    if moment is None:
        return ""
    local = moment.astimezone(CHINA)
    if local.time() == time.min:
        return local.date().isoformat()
    return local.strftime("%Y-%m-%d %H:%M")


@dataclass
class Entry:
    """One line of the timeline: a round of 公示 or a step."""

    kind: str  # "round" or one of PhaseKind
    label: str
    title: str
    starts_at: datetime
    ends_at: datetime | None
    when: str
    state: str
    version: PlanVersion | None = None
    consultation: Consultation | None = None
    phase: PlanPhase | None = None
    records: list[PhaseRecord] = field(default_factory=list)
    is_next: bool = False

    @property
    def is_round(self) -> bool:
        return self.consultation is not None


def _state(starts_at: datetime, ends_at: datetime | None, now: datetime) -> str:
    if now < starts_at:
        return UPCOMING
    if ends_at is not None and now < ends_at:
        return CURRENT
    return PAST


def _published(version: PlanVersion | None) -> PlanVersion | None:
    return version if version is not None and version.is_published else None


def _step_when(phase: PlanPhase) -> str:
    if phase.kind == PhaseKind.ANNOUNCEMENT and phase.ends_at:
        return period_text(phase.starts_at, phase.ends_at)
    if phase.ends_at:
        return f"{moment_text(phase.starts_at)} – {moment_text(phase.ends_at)}"
    return moment_text(phase.starts_at)


def timeline(plan: Plan, now: datetime | None = None, phases=None) -> list[Entry]:
    """The rounds and public steps of ``plan`` in date order (``phases``: the steps to show,
    by default the public ones); the first that has not started yet is marked ``is_next``."""
    now = now or timezone.now()
    entries = []
    rounds = Consultation.objects.filter(plan=plan).select_related("version")
    for consultation in rounds.order_by("opens_at", "id"):
        entries.append(
            Entry(
                kind="round",
                label=_("Public notice and consultation (公示)"),
                title=consultation.title,
                starts_at=consultation.opens_at,
                ends_at=consultation.closes_at,
                when=consultation.period_text,
                state=_state(consultation.opens_at, consultation.closes_at, now),
                version=_published(consultation.version),
                consultation=consultation,
            )
        )
    for phase in public_phases(plan) if phases is None else phases:
        entries.append(
            Entry(
                kind=phase.kind,
                label=phase.get_kind_display(),
                title=phase.title,
                starts_at=phase.starts_at,
                ends_at=phase.ends_at,
                when=_step_when(phase),
                state=_state(phase.starts_at, phase.ends_at, now),
                version=_published(phase.version),
                phase=phase,
                records=list(phase.records.all()),
            )
        )
    entries.sort(key=lambda entry: (entry.starts_at, entry.is_round is False))
    upcoming = [entry for entry in entries if entry.state == UPCOMING]
    if upcoming:
        upcoming[0].is_next = True
    return entries


def procedure_context(plan: Plan) -> dict:
    entries = timeline(plan)
    return {
        "plan": plan,
        "entries": entries,
        "next_entry": next((entry for entry in entries if entry.is_next), None),
    }


@require_safe
def plan_procedure(request, slug: str):
    """``/plans/<slug>/procedure/``: the whole path of the plan, for residents."""
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    return render(request, "front/plan_procedure.html", procedure_context(plan))


@require_safe
def procedure_record(request, slug: str, record_id: int):
    """A record of a public step of a published plan, under the name it was uploaded with."""
    item = get_object_or_404(
        PhaseRecord.objects.select_related("phase"),
        pk=record_id,
        phase__plan__in=Plan.objects.public(),
        phase__plan__slug=slug,
        phase__is_public=True,
    )
    return serve_record(item, public=True)


def serve_record(item: PhaseRecord, *, public: bool):
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        raise Http404("The record's file is not in the media storage.") from None
    response = FileResponse(
        handle, content_type=item.content_type, as_attachment=True, filename=item.original_name
    )
    # The type was read from the content when it was uploaded: browsers must not guess another.
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Content-SHA256"] = item.sha256
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
