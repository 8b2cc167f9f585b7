"""The planners' page of a version's change list (修改说明):
``/staff/plans/<slug>/versions/<n>/changes/``. While the version is a draft its planners
refresh the list from the diff against the version before it, write the reason for each change
(修改理由) and the foreword; a published version's list is shown and refused (409) for any
change, since it is frozen with the version. The work is planportal/change_list.py's, which
writes the audit events."""

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from planportal import change_list
from planportal.models import Plan, PlanVersion
from planportal.roles import planner_required, require_layers_right

EXPLANATION_MAX = 4000


class ExplanationForm(forms.Form):
    change = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    explanation = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=EXPLANATION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ChangeNoteForm(forms.Form):
    change_note = forms.CharField(
        label=gettext_lazy("Foreword of the explanation of the changes"),
        help_text=gettext_lazy("Why this version was made, e.g. after the first consultation."),
        max_length=EXPLANATION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _auto_id(pk: int) -> str:
    """Each change's form on the page gets its own element ids."""
    return f"change-{pk}-%s"


def _version(user, slug: str, number: int) -> PlanVersion:
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(user, plan)
    return get_object_or_404(PlanVersion.objects.select_related("plan"), plan=plan, number=number)


def _page(request, version: PlanVersion, *, status: int = 200, refusal: str = "", **forms_):
    changes = version.changes.annotate(answers=Count("replies")).order_by("position", "pk")
    rows = [
        {
            "change": change,
            "form": forms_.get(f"change_{change.pk}")
            or ExplanationForm(
                initial={"change": change.pk, "explanation": change.explanation},
                auto_id=_auto_id(change.pk),
            ),
        }
        for change in changes
    ]
    context = {
        "plan": version.plan,
        "version": version,
        "base": change_list.base_of(version),
        "rows": rows,
        "note_form": forms_.get("note_form")
        or ChangeNoteForm(initial={"change_note": version.change_note}),
        "refusal": refusal,
    }
    return render(request, "front/staff/version_changes.html", context, status=status)


@require_http_methods(["GET", "POST"])
@planner_required
def version_changes(request, slug: str, number: int):
    version = _version(request.user, slug, number)
    if request.method == "GET":
        return _page(request, version)
    action = request.POST.get("action", "")
    try:
        change_list.refuse_if_published(version)
        if action == "refresh":
            outcome = change_list.refresh_changes(version, request.user)
            messages.success(
                request,
                _("Refreshed: %(added)s added, %(updated)s updated, %(removed)s removed.")
                % {
                    "added": len(outcome.added),
                    "updated": len(outcome.updated),
                    "removed": len(outcome.removed),
                },
            )
        elif action == "explain":
            return _explain(request, version)
        elif action == "note":
            form = ChangeNoteForm(request.POST)
            if not form.is_valid():
                return _page(request, version, status=400, note_form=form)
            change_list.set_change_note(version, form.cleaned_data["change_note"], request.user)
            messages.success(request, _("The foreword is saved."))
        else:
            return _page(request, version, status=400, refusal=_("Unknown action."))
    except change_list.ChangesRefused as refused:
        return _page(request, version, status=409, refusal=str(refused))
    return redirect("staff-version-changes", slug=slug, number=number)


def _explain(request, version: PlanVersion):
    raw = request.POST.get("change", "")
    change = get_object_or_404(version.changes, pk=int(raw) if raw.isdigit() else None)
    form = ExplanationForm(request.POST, auto_id=_auto_id(change.pk))
    if not form.is_valid():
        return _page(request, version, status=400, **{f"change_{change.pk}": form})
    change_list.explain_change(change, form.cleaned_data["explanation"], request.user)
    messages.success(
        request, _("The reason for “%(subject)s” is saved.") % {"subject": change.subject}
    )
    return redirect(f"{request.path}#{change.anchor}")
