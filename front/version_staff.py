"""The planners' pages for a plan's versions (issue 12): the list with a new draft, a draft's
kind, label and foreword (修改说明), its deletion and its publication (with a confirmation), and
the editing of a draft's text (chapters, sections as lines, see planportal/block_text.py) and
indicators.

- ``/staff/plans/<slug>/versions/``: every version; ``…/new/`` creates the draft;
- ``…/versions/<n>/``: a version's outline, with the draft's forms;
- ``…/versions/<n>/edit/``, ``…/delete/``, ``…/publish/``: the draft's name, its deletion,
  its publication (a confirmation page first);
- ``…/versions/<n>/sections/<number>/`` (and ``…/add/``, ``…/delete/``),
  ``…/chapters/<c>/``, ``…/indicators/``: the draft's text and indicators.

Every view goes through ``planner_required`` and ``require_layers_right`` on the plan; the
work (one transaction and one audit event per step) is planportal/drafts.py. A published
version is answered with 409 and a sentence saying so.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from planportal.block_text import BlockTextError, blocks_to_text, text_to_blocks
from planportal.drafts import (
    add_section,
    create_draft,
    delete_draft,
    delete_section,
    next_section_number,
    rename_chapter,
    save_section,
    update_draft,
    update_indicators,
)
from planportal.importing.saving import published_document
from planportal.models import Indicator, Plan, PlanVersion, Section, VersionKind
from planportal.roles import planner_required, require_layers_right
from planportal.versions import (
    VersionRefused,
    chapters_of,
    publish_problems,
    publish_version,
    working_draft,
)


class NewDraftForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("version", "Kind"),
        choices=VersionKind.choices,
        initial=VersionKind.REVISED,
    )
    label = forms.CharField(
        label=gettext_lazy("Label"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("How the office names it, e.g. 修改稿（第二次公示）; may be blank."),
    )


class DraftForm(NewDraftForm):
    change_note = forms.CharField(
        label=gettext_lazy("Explanation of the changes (foreword)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Why this version was made, e.g. after the first round."),
    )


class SectionForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(
        label=gettext_lazy("Content"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "section-text"}),
    )


class NewSectionForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Number"), max_length=20)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)


class ChapterForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Chapter title"), max_length=200)


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = ["value", "unit", "year", "kind"]


def _plan(request, slug: str) -> Plan:
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(request.user, plan)
    return plan


def _version(plan: Plan, number: int) -> PlanVersion:
    return get_object_or_404(PlanVersion.objects.select_related("plan"), plan=plan, number=number)


def _published_answer(request, version: PlanVersion):
    """409: a published version is never edited."""
    context = {"plan": version.plan, "version": version}
    return render(request, "staff/version_published.html", context, status=409)


def _refused(request, refused: VersionRefused) -> None:
    messages.error(request, str(refused))


@planner_required
def version_list(request, slug: str):
    plan = _plan(request, slug)
    versions = list(plan.versions.select_related("published_by", "based_on").order_by("-number"))
    for version in versions:
        version.document = published_document(plan, version)
    context = {
        "plan": plan,
        "versions": versions,
        "draft": working_draft(plan),
        "form": NewDraftForm(),
    }
    return render(request, "staff/versions.html", context)


@require_POST
@planner_required
def version_create(request, slug: str):
    plan = _plan(request, slug)
    form = NewDraftForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what kind of version to create."))
        return redirect("staff-plan-versions", plan.slug)
    try:
        version = create_draft(
            plan, request.user, kind=form.cleaned_data["kind"], label=form.cleaned_data["label"]
        )
    except VersionRefused as refused:
        _refused(request, refused)
        return redirect("staff-plan-versions", plan.slug)
    messages.success(
        request,
        _("%(version)s was created as a copy of the published text.") % {"version": version.title},
    )
    return redirect("staff-version", plan.slug, version.number)


@planner_required
def version_detail(request, slug: str, number: int):
    plan = _plan(request, slug)
    version = _version(plan, number)
    chapters = chapters_of(version).prefetch_related("sections")
    context = {
        "plan": plan,
        "version": version,
        "chapters": chapters,
        "indicator_count": version.indicators.count(),
        "document": published_document(plan, version),
        "problems": [] if version.is_published else publish_problems(version),
    }
    return render(request, "staff/version_detail.html", context)


@require_http_methods(["GET", "POST"])
@planner_required
def version_edit(request, slug: str, number: int):
    plan = _plan(request, slug)
    version = _version(plan, number)
    if version.is_published:
        return _published_answer(request, version)
    initial = {"kind": version.kind, "label": version.label, "change_note": version.change_note}
    form = DraftForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                update_draft(version, request.user, **form.cleaned_data)
            except VersionRefused as refused:
                _refused(request, refused)
            else:
                messages.success(request, _("The version was saved."))
                return redirect("staff-version", plan.slug, version.number)
        status = 400
    context = {"plan": plan, "version": version, "form": form}
    return render(request, "staff/version_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@planner_required
def version_delete(request, slug: str, number: int):
    plan = _plan(request, slug)
    version = _version(plan, number)
    if version.is_published:
        return _published_answer(request, version)
    if request.method == "POST":
        title = version.title
        try:
            delete_draft(version, request.user)
        except VersionRefused as refused:
            _refused(request, refused)
            return redirect("staff-version", plan.slug, version.number)
        messages.success(request, _("%(version)s was deleted.") % {"version": title})
        return redirect("staff-plan-versions", plan.slug)
    return render(request, "staff/version_delete.html", {"plan": plan, "version": version})


@require_http_methods(["GET", "POST"])
@planner_required
def version_publish(request, slug: str, number: int):
    """GET: what publishing means (it cannot be undone); POST: publish."""
    plan = _plan(request, slug)
    version = _version(plan, number)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            publish_version(version, request.user)
        except VersionRefused as refused:
            error, status = str(refused), 409
        else:
            messages.success(request, _("%(version)s was published.") % {"version": version.title})
            return redirect("staff-plan-versions", plan.slug)
    context = {
        "plan": plan,
        "version": version,
        "problems": publish_problems(version),
        "error": error,
    }
    return render(request, "staff/version_publish.html", context, status=status)


# --- the draft's text -----------------------------------------------------------------------


def _section(version: PlanVersion, number: str) -> Section:
    return get_object_or_404(
        Section.objects.select_related("chapter"), chapter__version=version, number=number
    )


@require_http_methods(["GET", "POST"])
@planner_required
def section_edit(request, slug: str, number: int, section: str):
    plan = _plan(request, slug)
    version = _version(plan, number)
    row = _section(version, section)
    if version.is_published:
        return _published_answer(request, version)
    try:
        text = blocks_to_text(row.blocks)
    except BlockTextError as error:  # blocks the editor cannot show: say so, change nothing
        messages.error(request, str(error))
        return redirect("staff-version", plan.slug, version.number)
    form = SectionForm(request.POST or None, initial={"title": row.title, "text": text})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save_section(
                    version,
                    row.number,
                    request.user,
                    title=form.cleaned_data["title"],
                    blocks=text_to_blocks(form.cleaned_data["text"]),
                )
            except VersionRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request, _("Section %(number)s was saved.") % {"number": row.number}
                )
                return redirect("staff-version-section", plan.slug, version.number, row.number)
        status = 400
    context = {
        "plan": plan,
        "version": version,
        "section": row,
        "form": form,
        "new_section": NewSectionForm(initial={"number": next_section_number(version, row.number)}),
    }
    return render(request, "staff/version_section.html", context, status=status)


@require_POST
@planner_required
def section_add(request, slug: str, number: int, section: str):
    """A new, empty section after ``section``."""
    plan = _plan(request, slug)
    version = _version(plan, number)
    _section(version, section)
    if version.is_published:
        return _published_answer(request, version)
    form = NewSectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A new section needs a number and a title."))
        return redirect("staff-version-section", plan.slug, version.number, section)
    try:
        added = add_section(version, section, request.user, **form.cleaned_data)
    except VersionRefused as refused:
        _refused(request, refused)
        return redirect("staff-version-section", plan.slug, version.number, section)
    messages.success(request, _("Section %(number)s was added.") % {"number": added.number})
    return redirect("staff-version-section", plan.slug, version.number, added.number)


@require_POST
@planner_required
def section_delete(request, slug: str, number: int, section: str):
    plan = _plan(request, slug)
    version = _version(plan, number)
    _section(version, section)
    if version.is_published:
        return _published_answer(request, version)
    try:
        delete_section(version, section, request.user)
    except VersionRefused as refused:
        _refused(request, refused)
        return redirect("staff-version-section", plan.slug, version.number, section)
    messages.success(request, _("Section %(number)s was deleted.") % {"number": section})
    return redirect("staff-version", plan.slug, version.number)


@require_POST
@planner_required
def chapter_edit(request, slug: str, number: int, chapter: int):
    plan = _plan(request, slug)
    version = _version(plan, number)
    get_object_or_404(version.chapters, number=chapter)
    if version.is_published:
        return _published_answer(request, version)
    form = ChapterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("A chapter needs a title."))
    else:
        try:
            rename_chapter(version, chapter, request.user, form.cleaned_data["title"])
        except VersionRefused as refused:
            _refused(request, refused)
        else:
            messages.success(request, _("Chapter %(number)s was saved.") % {"number": chapter})
    return redirect("staff-version", plan.slug, version.number)


@require_http_methods(["GET", "POST"])
@planner_required
def indicators_edit(request, slug: str, number: int):
    """A table of the draft's indicators: value, unit, year and kind of each."""
    plan = _plan(request, slug)
    version = _version(plan, number)
    indicators = list(version.indicators.order_by("position", "id"))
    if version.is_published:
        if request.method == "POST":
            return _published_answer(request, version)
        return render(
            request,
            "staff/version_indicators.html",
            {"plan": plan, "version": version, "rows": [(i, None) for i in indicators]},
        )
    data = request.POST if request.method == "POST" else None
    rows = [(i, IndicatorForm(data, instance=i, prefix=f"i{i.pk}")) for i in indicators]
    status = 200
    if request.method == "POST":
        if all(form.is_valid() for _indicator, form in rows):
            changes = {
                indicator.pk: {name: form.cleaned_data[name] for name in IndicatorForm.Meta.fields}
                for indicator, form in rows
            }
            try:
                count = update_indicators(version, request.user, changes)
            except VersionRefused as refused:
                _refused(request, refused)
            else:
                messages.success(
                    request, _("%(count)s indicators were changed.") % {"count": count}
                )
                return redirect("staff-version-indicators", plan.slug, version.number)
        status = 400
    context = {"plan": plan, "version": version, "rows": rows}
    return render(request, "staff/version_indicators.html", context, status=status)
