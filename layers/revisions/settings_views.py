"""The planners' pages of a layer's settings (title, section, data status, source, publication
note, public policy: what the publish gate asks for, gate.py) and of withdrawing a layer from
the public (publishing.withdraw). Both go through ``planner_required`` and post with Django's
CSRF token; each change is one audit event written by the service."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from layers.models import DataStatus, Layer, PublicPolicy
from layers.revisions.gate import (
    REQUIRED_LABELS,
    SettingsRefused,
    missing_message,
    missing_settings,
    update_settings,
)
from layers.revisions.publishing import PublishConflict, withdraw
from planportal.models import Section
from planportal.roles import planner_required, require_layers_right
from planportal.versions import current_version


class SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, section: Section) -> str:
        return f"{section.number} {section.title}"


class LayerSettingsForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    section = SectionChoiceField(
        Section.objects.none(),
        label=gettext_lazy("Section of the plan"),
        required=False,
        empty_label=gettext_lazy("(not chosen)"),
        help_text=gettext_lazy("The section of the plan text the layer illustrates."),
    )
    data_status = forms.ChoiceField(
        label=gettext_lazy("Data status"),
        choices=[("", gettext_lazy("(not said)")), *DataStatus.choices],
        required=False,
        help_text=gettext_lazy(
            "Schematic (示意): drawn to explain the plan, not to be measured. Official (正式): "
            "the approved data."
        ),
    )
    source_note = forms.CharField(
        label=gettext_lazy("Source of the data"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Who made the data, from what, and when."),
    )
    publication_note = forms.CharField(
        label=gettext_lazy("Publication note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why and on whose approval the layer is shown to the public."),
    )
    public_policy = forms.ChoiceField(
        label=gettext_lazy("Public policy"), choices=PublicPolicy.choices
    )
    confirm_restricted_features = forms.BooleanField(
        label=gettext_lazy(
            "I confirm that the coordinates of this restricted layer may be downloaded by anyone."
        ),
        required=False,
    )

    def __init__(self, *args, layer: Layer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = (
            Section.objects.filter(chapter__version=current_version(layer.plan))
            .select_related("chapter")
            .order_by("chapter__number", "position")
        )
        if not layer.is_restricted:
            del self.fields["confirm_restricted_features"]


def _layer(user, collection_id: str) -> Layer:
    """The layer, for a planner of its plan (403 for others)."""
    layer = get_object_or_404(
        Layer.objects.select_related("plan", "section", "published_revision"),
        collection_id=collection_id,
    )
    require_layers_right(user, layer.plan)
    return layer


@require_http_methods(["GET", "POST"])
@planner_required
def layer_settings(request, collection_id: str):
    layer = _layer(request.user, collection_id)
    initial = {
        "title": layer.title,
        "section": layer.section_id,
        "data_status": layer.data_status,
        "source_note": layer.source_note,
        "publication_note": layer.publication_note,
        "public_policy": layer.public_policy,
    }
    form = LayerSettingsForm(request.POST or None, initial=initial, layer=layer)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            confirmed = data.pop("confirm_restricted_features", False)
            try:
                outcome = update_settings(
                    layer, request.user, data, confirm_restricted_features=confirmed
                )
            except SettingsRefused as refused:
                for field, message in refused.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                if outcome.changed:
                    messages.success(request, _("The layer's settings were saved."))
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("layer-settings", collection_id=layer.collection_id)
        status = 400
    missing = missing_settings(layer)
    context = {
        "layer": layer,
        "form": form,
        "missing": [REQUIRED_LABELS[name] for name in missing],
        "missing_message": missing_message(missing) if missing else "",
    }
    return render(request, "layers/staff/layer_settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
@planner_required
def layer_unpublish(request, collection_id: str):
    """GET: the confirmation; POST: withdraw the layer from the public."""
    layer = _layer(request.user, collection_id)
    error, status = "", 200
    if request.method == "POST":
        expected = request.POST.get("expected_current", "").strip()
        if not expected.isdigit():
            return HttpResponseBadRequest(_("The form is incomplete; open it again."))
        try:
            outcome = withdraw(layer, actor=request.user, expected_current=int(expected))
        except PublishConflict as conflict:
            error, status = str(conflict), 409
            layer = _layer(request.user, collection_id)
        else:
            if outcome.changed:
                messages.success(
                    request,
                    _("The layer was withdrawn from the public; its revisions are kept."),
                )
            return redirect("layer-revisions", collection_id=layer.collection_id)
    context = {"layer": layer, "current": layer.published_revision, "error": error}
    return render(request, "layers/staff/layer_unpublish.html", context, status=status)
