"""The planners' pages under /staff/layers/: the layers of each plan, the upload of a new
revision or a new layer, the planner's choices (which layer of the file, which field is
which) and the job with its progress bar.

Every view goes through ``planner_required``: anonymous visitors are sent to the staff login,
signed-in users outside the group ``planners`` (and not superusers) get 403. Views that take
a file are CSRF-exempt for the middleware only: they first refuse a body larger than
UPLOAD_MAX_BYTES (without reading it), then check the CSRF token themselves.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.db.models import Max
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from layers.ingest import RejectedFile
from layers.models import Layer, LayerRevision, UploadJob, UploadState, geometry_label
from layers.revisions import uploads
from layers.revisions.gate import missing_settings
from layers.revisions.status import job_status, rendered_problems, revision_page_url
from planportal.models import Plan
from planportal.roles import layer_plans, planner_required, require_layers_right

RECENT_JOBS = 20
SAMPLE_FEATURES = 5
SAMPLE_COLUMNS = 8


def takes_a_file(view):
    """Refuses an oversized body before anything reads it, then checks CSRF."""
    protected = csrf_protect(view)

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.method == "POST" and uploads.body_too_large(request):
            problems = [uploads.too_large_problem().as_dict()]
            context = {"problems": rendered_problems(problems)}
            return render(request, "layers/staff/upload_refused.html", context, status=413)
        return protected(request, *args, **kwargs)

    return csrf_exempt(planner_required(guarded))


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "Zipped Shapefile (.zip, with or without .cpg), zipped FileGDB (.zip), "
            "GeoPackage (.gpkg), GeoJSON (.geojson) or KML (.kml)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(uploads.ACCEPTED_EXTENSIONS)}),
    )


class NewLayerForm(UploadForm):
    plan = forms.ModelChoiceField(Plan.objects.all(), label=gettext_lazy("Plan"))
    collection_id = forms.SlugField(
        label=gettext_lazy("Collection id"),
        max_length=100,
        help_text=gettext_lazy(
            "Stable id in addresses, e.g. yangquanqu-villages: letters, digits and hyphens."
        ),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    code = forms.CharField(
        label=gettext_lazy("Layer code"),
        max_length=30,
        required=False,
        help_text=gettext_lazy(
            "The layer code (要素代码), e.g. YJJBNT. "
            "Restricted layers (永久基本农田, 生态保护红线, ...) are "
            "shown to the public generalised, the others as tiles only, until you choose "
            "otherwise in the layer's settings."
        ),
    )
    field_order = ["plan", "collection_id", "title", "code", "file"]

    def clean_collection_id(self):
        collection_id = self.cleaned_data["collection_id"]
        if Layer.objects.filter(collection_id=collection_id).exists():
            raise forms.ValidationError(_("A layer with this collection id exists already."))
        return collection_id


class ChoicesForm(forms.Form):
    """Which field of the file feeds which field of the layer, and the key field."""

    KEEP = ""

    def __init__(self, *args, fields, targets, automatic, key_field, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_fields = [field["name"] for field in fields]
        choices = [(self.KEEP, _("(keep its own name)"))]
        choices += [(name, f"{name} {label}".strip()) for name, label in targets]
        for index, field in enumerate(fields):
            self.fields[f"map_{index}"] = forms.ChoiceField(
                label=field["name"],
                choices=choices,
                required=False,
                initial=automatic.get(field["name"], self.KEEP),
            )
        keys = dict.fromkeys([key_field, *(name for name, _label in targets)])
        keys.update(dict.fromkeys(self.source_fields))
        self.fields["key_field"] = forms.ChoiceField(
            label=_("Key field"),
            help_text=_("Identifies a feature across revisions, for the comparison."),
            choices=[(name, name) for name in keys if name]
            + [(uploads.NO_KEY, _("(none: compare features by their geometry)"))],
            initial=key_field or uploads.NO_KEY,
        )

    def rows(self):
        return [self[f"map_{index}"] for index in range(len(self.source_fields))]

    def clean(self):
        cleaned = super().clean()
        mapping, seen = {}, {}
        for index, source in enumerate(self.source_fields):
            target = cleaned.get(f"map_{index}") or self.KEEP
            # "Keep" maps a field to itself, so nothing maps it behind the planner's back.
            mapping[source] = target or source
            if not target or target == source:
                continue
            if target in self.source_fields:
                self.add_error(
                    f"map_{index}",
                    _("The file has a field %(name)s already.") % {"name": target},
                )
            elif target in seen:
                self.add_error(
                    f"map_{index}",
                    _("%(target)s is fed by %(other)s already.")
                    % {"target": target, "other": seen[target]},
                )
            seen[target] = source
        cleaned["field_mapping"] = mapping
        return cleaned


@planner_required
def layer_list(request):
    """The layers and recent uploads of the plans the planner manages, and no others."""
    managed = layer_plans(request.user)
    plans = list(managed.prefetch_related("layers__published_revision"))
    latest = dict(
        LayerRevision.objects.values_list("layer_id").annotate(last=Max("number")).order_by()
    )
    for plan in plans:
        for layer in plan.layers.all():
            layer.latest_number = latest.get(layer.pk)
            layer.gate_missing = bool(missing_settings(layer))
    jobs = UploadJob.objects.filter(plan__in=managed).select_related(
        "plan", "revision", "created_by"
    )[:RECENT_JOBS]
    return render(request, "layers/staff/upload_layers.html", {"plans": plans, "jobs": jobs})


@require_http_methods(["GET", "POST"])
@takes_a_file
def upload_revision(request, collection_id: str):
    layer = get_object_or_404(Layer.objects.select_related("plan"), collection_id=collection_id)
    require_layers_right(request.user, layer.plan)
    form = UploadForm(request.POST or None, request.FILES or None)
    return _receive(request, form, layer.plan, layer, collection_id, "")


@require_http_methods(["GET", "POST"])
@takes_a_file
def upload_layer(request):
    managed = layer_plans(request.user)
    initial = {"plan": managed.filter(slug=request.GET.get("plan", "")).first()}
    form = NewLayerForm(request.POST or None, request.FILES or None, initial=initial)
    form.fields["plan"].queryset = managed  # another plan is not a valid choice
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        return _receive(
            request,
            form,
            data["plan"],
            None,
            data["collection_id"],
            data["title"],
            code=data["code"],
        )
    return render(request, "layers/staff/upload.html", {"form": form, "layer": None})


def _receive(request, form, plan, layer, collection_id, title, code=""):
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            job = uploads.receive_upload(
                request.user,
                plan,
                form.cleaned_data["file"],
                collection_id=collection_id,
                layer=layer,
                title=title,
                code=code,
            )
        except RejectedFile as rejected:
            problems = rendered_problems([p.as_dict() for p in rejected.problems])
        else:
            return redirect("staff-upload-job", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "layer": layer, "problems": problems}
    return render(request, "layers/staff/upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
@planner_required
def upload_job(request, pk: int):
    job = get_object_or_404(UploadJob.objects.select_related("plan", "layer", "revision"), pk=pk)
    require_layers_right(request.user, job.plan)
    if job.state == UploadState.DRAFT:
        return _choices(request, job)
    if request.method == "POST":
        return redirect("staff-upload-job", pk=job.pk)
    status = job_status(job)
    progress_config = {
        "url": reverse("api-upload-job", args=[job.pk]),
        "language": translation.get_language(),
        "finished": status["finished"],
        "labels": {
            "error": _("Error"),
            "warning": _("Warning"),
            "counts": _("%(errors)s errors, %(warnings)s warnings so far"),
        },
    }
    context = {"job": job, "status": status, "progress_config": progress_config}
    if job.state == UploadState.DONE and job.revision_id:
        context.update(_revision_summary(job))
    return render(request, "layers/staff/job.html", context)


def _found_layers(layers: list[dict]) -> list[dict]:
    """The file's layers with their geometry type in words (面, not "MultiPolygon")."""
    return [
        {**found, "geometry_label": geometry_label(found.get("geometry_type") or "")}
        for found in layers
    ]


def _choices(request, job: UploadJob):
    layers = job.inspection.get("layers", [])
    names = [found["name"] for found in layers]
    chosen = request.POST.get("source_layer") or request.GET.get("layer") or ""
    if len(names) == 1:
        chosen = names[0]
    if chosen not in names:
        context = {"job": job, "found_layers": _found_layers(layers)}
        return render(request, "layers/staff/upload_pick_layer.html", context)
    try:
        described = uploads.layer_fields(job, chosen)
    except RejectedFile as rejected:
        problems = rendered_problems([p.as_dict() for p in rejected.problems])
        context = {"job": job, "problems": problems, "found_layers": _found_layers(layers)}
        return render(request, "layers/staff/upload_pick_layer.html", context, status=400)
    fields = described["fields"]
    automatic = uploads.automatic_mapping([f["name"] for f in fields], job.layer)
    if job.layer is not None:
        key_field = job.layer.key_field
    else:
        # Imported here: pandas and pyarrow stay out of the web processes' memory.
        from layers.ingest.pipeline import DEFAULT_KEY_FIELD

        key_field = DEFAULT_KEY_FIELD if DEFAULT_KEY_FIELD in automatic.values() else ""
    form = ChoicesForm(
        request.POST or None,
        fields=fields,
        targets=uploads.target_fields(job.layer),
        automatic=automatic,
        key_field=key_field,
    )
    if request.method == "POST" and form.is_valid():
        started = uploads.start_job(
            job,
            request.user,
            source_layer=chosen,
            field_mapping=form.cleaned_data["field_mapping"],
            key_field=form.cleaned_data["key_field"],
        )
        if not started:
            messages.warning(request, _("This upload was started or cancelled already."))
        return redirect("staff-upload-job", pk=job.pk)
    context = {
        "job": job,
        "chosen": chosen,
        "layer_count": len(names),
        "rows": list(zip(form.rows(), fields, strict=True)),
        "form": form,
        "notes": rendered_problems(described.get("notes", [])),
    }
    return render(request, "layers/staff/upload_choices.html", context)


@require_POST
@planner_required
def cancel_upload(request, pk: int):
    job = get_object_or_404(UploadJob.objects.select_related("plan"), pk=pk)
    require_layers_right(request.user, job.plan)
    if uploads.cancel_job(job, request.user):
        messages.success(request, _("The upload was cancelled; nothing of it was kept."))
    else:
        messages.warning(request, _("The upload had finished already; it was not cancelled."))
    return redirect("staff-upload-job", pk=job.pk)


def _revision_summary(job: UploadJob) -> dict:
    revision = job.revision
    features = list(revision.features.order_by("pk")[:SAMPLE_FEATURES])
    # jsonb keeps no key order: show the key, then the file's own order, then mapped fields.
    source = job.inspection.get("fields", {}).get(job.source_layer, {}).get("fields", [])
    preferred = [job.layer.key_field if job.layer else "", *(f["name"] for f in source)]
    present = list(dict.fromkeys(name for f in features for name in f.properties))
    columns = [name for name in dict.fromkeys(preferred) if name in present]
    columns += [name for name in present if name not in columns]
    columns = columns[:SAMPLE_COLUMNS]
    rows = [[_cell(feature.properties.get(name)) for name in columns] for feature in features]
    return {
        "revision": revision,
        "revision_url": revision_page_url(job.collection_id, revision.number),
        "sample_columns": columns,
        "sample_rows": rows,
    }


def _cell(value) -> str:
    return "" if value is None else str(value)
