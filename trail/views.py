"""The officials' view of a plan's trail: a page with filters, and the same entries as CSV
and XLSX. An export is itself written to the trail (who took the record away, and which part).
"""

from datetime import datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.http import require_GET

from consultation.exports import XLSX_TYPE, attachment, local_time, write_csv, write_xlsx
from planportal.audit import record
from planportal.models import Plan
from planportal.roles import moderated_plans, official_required, require_moderation_right
from trail.entries import KINDS, Entry, Period, plan_trail

PER_PAGE = 100
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TrailFilter(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("trail", "Kind"),
        required=False,
        choices=[("", gettext_lazy("All kinds")), *KINDS.items()],
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE)
    until = forms.DateField(label=gettext_lazy("Until"), required=False, widget=DATE)

    def period(self) -> Period:
        """Whole days in the portal's time zone (China time), both ends included."""
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        return Period(
            since=_start_of(since) if since else None,
            until=_start_of(until + timedelta(days=1)) if until else None,
        )

    def chosen(self) -> dict:
        """The filters as given (for the export's audit event)."""
        if not self.is_valid():
            return {"invalid": True}
        return {
            "kind": self.cleaned_data.get("kind") or "",
            "since": str(self.cleaned_data.get("since") or ""),
            "until": str(self.cleaned_data.get("until") or ""),
        }


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _filtered(request, plan: Plan) -> tuple[TrailFilter, list[Entry]]:
    form = TrailFilter(request.GET)  # every field is optional: no filter is all entries
    if not form.is_valid():
        return form, []
    return form, plan_trail(plan, kind=form.cleaned_data["kind"], period=form.period())


@require_GET
@official_required
def trail_index(request):
    """Every plan the official handles, published or not: a plan's record starts before
    its notice."""
    plans = moderated_plans(request.user).order_by("name")
    if plans.count() == 1:
        return redirect("plan-trail", slug=plans.get().slug)
    return render(request, "trail/index.html", {"plans": plans})


@require_GET
@official_required
def plan_trail_page(request, slug: str):
    plan = get_object_or_404(Plan, slug=slug)
    require_moderation_right(request.user, plan)
    form, entries = _filtered(request, plan)
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"plan": plan, "form": form, "page": page, "query": query.urlencode()}
    return render(request, "trail/plan_trail.html", context)


def header() -> list[str]:
    return [
        _("No."),
        _("Time"),
        _("Who"),
        _("By way of"),
        pgettext("trail", "Kind"),
        _("Action"),
        _("What"),
        _("Changes (before → after)"),
        _("Summary"),
        _("Record"),
    ]


def rows(entries: list[Entry]):
    for number, entry in enumerate(entries, start=1):
        yield [
            number,
            local_time(entry.at),
            entry.actor,
            entry.via,
            entry.kind_label,
            entry.action,
            entry.subject,
            "\n".join(change.as_line() for change in entry.changes),
            entry.summary,
            entry.reference,
        ]


def _export(request, slug: str, *, action: str, make, content_type: str, extension: str):
    plan = get_object_or_404(Plan, slug=slug)
    require_moderation_right(request.user, plan)
    form, entries = _filtered(request, plan)
    content = make(entries)
    record(
        request.user,
        action,
        plan,
        summary=_("Audit trail (%(format)s): %(count)s entries")
        % {"format": extension.upper(), "count": len(entries)},
        after={**form.chosen(), "entries": len(entries)},
    )
    return attachment(content, content_type, f"trail-{plan.slug}.{extension}")


@require_GET
@official_required
def plan_trail_csv(request, slug: str):
    return _export(
        request,
        slug,
        action="trail.export_csv",
        make=lambda entries: write_csv(rows(entries), header()),
        content_type="text/csv; charset=utf-8",
        extension="csv",
    )


@require_GET
@official_required
def plan_trail_xlsx(request, slug: str):
    return _export(
        request,
        slug,
        action="trail.export_xlsx",
        make=lambda entries: write_xlsx(rows(entries), header(), _("Audit trail")),
        content_type=XLSX_TYPE,
        extension="xlsx",
    )
