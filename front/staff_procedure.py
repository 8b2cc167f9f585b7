"""Staff pages of a plan's procedure: ``/staff/procedure/`` (the plans, with their deadline
warnings), ``/staff/plans/<slug>/procedure/`` (the timeline with every step, public or not,
the warnings and a new step), each step's edit page with its records, and the deletions.
Planners and officials of the plan; every change goes through planportal/phases.py, which
checks the legal dates and writes the audit events."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from front.procedure import serve_record, timeline
from planportal import phases
from planportal.models import PhaseKind, PhaseRecord, Plan, PlanPhase, PlanVersion
from planportal.roles import procedure_plans, procedure_required, require_procedure_right

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _datetime_field(label, *, required: bool, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class PhaseForm(forms.Form):
    """The fields of a step; the checks that join them (an approval's 文号, a meeting's place,
    批后公布's 30 days) are planportal/phases.py's, so the API applies the same ones."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind of step"), choices=PhaseKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200, required=False)
    starts_at = _datetime_field(
        gettext_lazy("Date (or start)"),
        required=False,
        help_text=gettext_lazy("The day of an approval, the time a meeting starts (China time)."),
    )
    ends_at = _datetime_field(
        gettext_lazy("End"),
        required=False,
        help_text=gettext_lazy(
            "When the step ends. A publication of the approved plan lasts at least 30 days: "
            "its whole last day ends at 24:00, that is 00:00 of the next day."
        ),
    )
    place = forms.CharField(label=gettext_lazy("Meeting place"), max_length=300, required=False)
    how_to_take_part = forms.CharField(
        label=gettext_lazy("How to take part"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    outcome = forms.CharField(
        label=gettext_lazy("Outcome"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    authority = forms.CharField(
        label=gettext_lazy("Authority (机关)"), max_length=200, required=False
    )
    document_number = forms.CharField(
        label=gettext_lazy("Document number (文号)"), max_length=100, required=False
    )
    version = forms.ModelChoiceField(
        label=gettext_lazy("Version concerned"), queryset=PlanVersion.objects.none(), required=False
    )
    is_public = forms.BooleanField(
        label=gettext_lazy("Shown on the public timeline"), required=False, initial=True
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = plan.versions.order_by("number")
        self.fields["version"].label_from_instance = lambda version: (
            f"{version.title} · {version.get_state_display()}"
        )


class RecordForm(forms.Form):
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("For example: minutes of the hearing. Blank: the file's name."),
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A PDF, or a PNG or JPEG image."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


def _plan(request, slug: str) -> Plan:
    plan = get_object_or_404(Plan, slug=slug)
    require_procedure_right(request.user, plan)
    return plan


def _phase(request, slug: str, phase_id: int) -> PlanPhase:
    phase = get_object_or_404(
        PlanPhase.objects.select_related("plan", "version"), pk=phase_id, plan__slug=slug
    )
    require_procedure_right(request.user, phase.plan)
    return phase


def _fields(form: PhaseForm) -> dict:
    return {name: form.cleaned_data.get(name) for name in phases.PHASE_FIELDS}


@procedure_required
def procedure_plans_page(request):
    plans = list(procedure_plans(request.user).order_by("region_code", "name"))
    warnings = phases.warnings_for_plans(
        Plan.objects.filter(pk__in=[plan.pk for plan in plans]), phases.today_in_china()
    )
    return render(request, "staff/procedure_plans.html", {"plans": plans, "warnings": warnings})


@procedure_required
def plan_procedure(request, slug: str):
    """The timeline with every step, the warnings, and the form of a new step (POST)."""
    plan = _plan(request, slug)
    form = PhaseForm(plan=plan)
    if request.method == "POST":
        form = PhaseForm(request.POST, plan=plan)
        if form.is_valid():
            try:
                phase = phases.add_phase(request.user, plan, **_fields(form))
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                messages.success(request, _("Step “%(step)s” added.") % {"step": phase})
                return redirect("staff-plan-procedure", plan.slug)
    steps = plan.phases.select_related("version").prefetch_related("records")
    entries = timeline(plan, phases=steps.order_by("starts_at", "id"))
    warnings = phases.deadline_warnings(plan, phases.today_in_china(), list(steps))
    return render(
        request,
        "staff/plan_procedure.html",
        {"plan": plan, "entries": entries, "warnings": warnings, "form": form},
        status=400 if form.errors else 200,
    )


@procedure_required
def edit_phase(request, slug: str, phase_id: int):
    phase = _phase(request, slug, phase_id)
    initial = {name: getattr(phase, name) for name in phases.PHASE_FIELDS}
    form = PhaseForm(initial=initial, plan=phase.plan)
    if request.method == "POST":
        form = PhaseForm(request.POST, plan=phase.plan)
        if form.is_valid():
            try:
                phases.update_phase(request.user, phase, **_fields(form))
            except ValidationError as refused:
                form.add_error(None, refused)
            else:
                messages.success(request, _("Step saved."))
                return redirect("staff-plan-procedure", slug)
    return _edit_page(request, phase, form, RecordForm())


def _edit_page(request, phase: PlanPhase, form: PhaseForm, record_form: RecordForm):
    bad = form.errors or record_form.errors
    return render(
        request,
        "staff/phase_edit.html",
        {
            "plan": phase.plan,
            "phase": phase,
            "form": form,
            "record_form": record_form,
            "records": phase.records.all(),
        },
        status=400 if bad else 200,
    )


@require_POST
@procedure_required
def add_record(request, slug: str, phase_id: int):
    phase = _phase(request, slug, phase_id)
    record_form = RecordForm(request.POST, request.FILES)
    if record_form.is_valid():
        upload = record_form.cleaned_data["file"]
        try:
            if upload.size > phases.record_max_bytes():
                raise phases.RecordRefused(phases.record_too_large_message())
            item = phases.add_record(
                request.user,
                phase,
                name=upload.name,
                content=upload.read(),
                title=record_form.cleaned_data["title"],
            )
        except phases.RecordRefused as refused:
            record_form.add_error("file", str(refused))
        else:
            messages.success(request, _("Record “%(title)s” added.") % {"title": item.title})
            return redirect("staff-phase-edit", slug, phase.pk)
    initial = {name: getattr(phase, name) for name in phases.PHASE_FIELDS}
    return _edit_page(request, phase, PhaseForm(initial=initial, plan=phase.plan), record_form)


@procedure_required
def delete_phase(request, slug: str, phase_id: int):
    phase = _phase(request, slug, phase_id)
    if request.method == "POST":
        phases.delete_phase(request.user, phase)
        messages.success(request, _("Step “%(step)s” deleted.") % {"step": phase})
        return redirect("staff-plan-procedure", slug)
    return render(request, "staff/phase_delete.html", {"plan": phase.plan, "phase": phase})


def _record(request, slug: str, record_id: int) -> PhaseRecord:
    item = get_object_or_404(
        PhaseRecord.objects.select_related("phase__plan"), pk=record_id, phase__plan__slug=slug
    )
    require_procedure_right(request.user, item.phase.plan)
    return item


@require_POST
@procedure_required
def delete_record(request, slug: str, record_id: int):
    item = _record(request, slug, record_id)
    phases.delete_record(request.user, item)
    messages.success(request, _("Record “%(title)s” deleted.") % {"title": item.title})
    return redirect("staff-phase-edit", slug, item.phase_id)


@procedure_required
def staff_record(request, slug: str, record_id: int):
    """A record of any step, public or not, for the plan's staff."""
    return serve_record(_record(request, slug, record_id), public=False)
