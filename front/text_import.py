"""The planner's page for a plan's text: upload the document, look at what was found (the
structure and the lines treated as layout), correct headings and sections, then save.

- ``/staff/plans/<slug>/text/``: the upload form and the plan's earlier imports;
- ``/staff/plans/<slug>/text/<id>/``: the preview of one import, with a form per correction;
- ``…/<id>/edit/`` and ``…/<id>/save/`` take the posts and come back to the preview.
The import is kept as a draft (TextImport) between the steps; nothing of the plan changes
until it is saved. Every view goes through ``planner_required``.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from planportal.importing import ImportRefused
from planportal.importing.editing import ACTIONS, apply_edit
from planportal.importing.saving import create_import, save_import
from planportal.models import Plan, TextImport, TextImportStatus
from planportal.roles import planner_required, require_layers_right


class TextUploadForm(forms.Form):
    document = forms.FileField(
        label=gettext_lazy("Plan document"),
        help_text=gettext_lazy("DOCX, PDF with a text layer, text or Markdown"),
    )


class EditForm(forms.Form):
    action = forms.ChoiceField(choices=[(action, action) for action in ACTIONS])
    chapter = forms.IntegerField(min_value=0)
    section = forms.IntegerField(min_value=0)
    block = forms.IntegerField(min_value=0, required=False)


@planner_required
def text_upload(request, slug: str):
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(request.user, plan)
    form = TextUploadForm(request.POST or None, request.FILES or None)
    refused = ""
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        try:
            text_import = create_import(plan, document.read(), document.name, request.user)
        except ImportRefused as error:
            refused = str(error)
        else:
            return redirect("staff-plan-text-preview", plan.slug, text_import.pk)
    imports = plan.text_imports.select_related("uploaded_by")[:20]
    context = {"plan": plan, "form": form, "refused": refused, "imports": imports}
    return render(request, "front/staff_text_upload.html", context, status=400 if refused else 200)


@planner_required
def text_preview(request, slug: str, pk: int):
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(request.user, plan)
    text_import = get_object_or_404(TextImport, plan=plan, pk=pk)
    return render(
        request,
        "front/staff_text_preview.html",
        {
            "plan": plan,
            "text_import": text_import,
            "structure": text_import.structure,
            "is_draft": text_import.status == TextImportStatus.DRAFT,
        },
    )


@require_POST
@planner_required
def text_edit(request, slug: str, pk: int):
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(request.user, plan)
    text_import = get_object_or_404(TextImport, plan=plan, pk=pk, status=TextImportStatus.DRAFT)
    form = EditForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That correction is not possible."))
        return redirect("staff-plan-text-preview", plan.slug, pk)
    step = form.cleaned_data
    try:
        text_import.structure = apply_edit(
            text_import.structure, step["action"], step["chapter"], step["section"], step["block"]
        )
    except ImportRefused as error:
        messages.error(request, str(error))
    else:
        text_import.save(update_fields=["structure"])
        messages.success(request, _("The structure was corrected; nothing is saved yet."))
    return redirect("staff-plan-text-preview", plan.slug, pk)


@require_POST
@planner_required
def text_save(request, slug: str, pk: int):
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(request.user, plan)
    text_import = get_object_or_404(TextImport, plan=plan, pk=pk)
    try:
        save_import(text_import, request.user)
    except ImportRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The document was saved as the plan's text."))
    return redirect("staff-plan-text-preview", plan.slug, pk)
