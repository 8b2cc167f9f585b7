"""The planners' pages of a 汇交 database under /staff/layers/packages/: upload (one file for
a plan), the mapping of its layers (matched ones preselected; a target layer, a new layer or
skip for the rest; the settings new layers take), the job with each layer's progress and
result, the checks across layers with their map, and publishing all layers or none (with the
overlaps acknowledged)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from layers.crosscheck import map_config
from layers.ingest import RejectedFile
from layers.models import DataStatus, Layer, PackageJob, PackageState
from layers.revisions.status import rendered_problems
from layers.revisions.upload_views import takes_a_file
from planportal.models import Plan, Section
from planportal.roles import layer_plans, may_manage_layers, planner_required
from planportal.versions import current_version

from .catalogue import STANDARD_LAYERS
from .service import NEW, SKIP, PackageRefused, choose, publication_problems, publish_package
from .service import receive_package as receive


class PackageForm(forms.Form):
    plan = forms.ModelChoiceField(Plan.objects.none(), label=gettext_lazy("Plan"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "A 汇交 database: zipped FileGDB (.zip) or GeoPackage (.gpkg) with many layers."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.gpkg"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the plans whose layers this planner manages (a grant per plan or region).
        self.fields["plan"].queryset = layer_plans(user)


class MappingForm(forms.Form):
    """One choice per layer of the file, and the settings layers made by the package take."""

    section = forms.ModelChoiceField(
        Section.objects.none(), label=gettext_lazy("Section of the plan"), required=False
    )
    data_status = forms.ChoiceField(
        label=gettext_lazy("Data status"),
        choices=[("", "—"), *DataStatus.choices],
        required=False,
    )
    source_note = forms.CharField(label=gettext_lazy("Source"), required=False)
    publication_note = forms.CharField(label=gettext_lazy("Publication note"), required=False)

    def __init__(self, *args, job: PackageJob, **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = job.entries
        self.fields["section"].queryset = Section.objects.filter(
            chapter__version=current_version(job.plan)
        )
        layers = Layer.objects.filter(plan=job.plan).order_by("position", "collection_id")
        choices = [
            (SKIP, _("Skip this layer")),
            (NEW, _("A new layer")),
            *[
                (f"{NEW}:{standard.code}", _("A new layer: %(name)s (%(code)s)")
                 % {"name": standard.name, "code": standard.code})
                for standard in STANDARD_LAYERS
            ],
            *[(layer.collection_id, f"{layer.title} ({layer.collection_id})") for layer in layers],
        ]  # fmt: skip
        for index, entry in enumerate(job.entries):
            initial = {"existing": entry["collection_id"], NEW: f"{NEW}:{entry['code']}"}.get(
                entry["action"], SKIP
            )
            self.fields[f"layer_{index}"] = forms.ChoiceField(
                label=entry["name"], choices=choices, initial=initial
            )

    def rows(self):
        return [(entry, self[f"layer_{index}"]) for index, entry in enumerate(self.entries)]

    def choices(self) -> dict[str, str]:
        return {
            entry["name"]: self.cleaned_data[f"layer_{index}"]
            for index, entry in enumerate(self.entries)
        }

    def defaults(self) -> dict:
        return {
            name: self.cleaned_data.get(name)
            for name in ("section", "data_status", "source_note", "publication_note")
        }


def _job_for(request, pk: int) -> PackageJob:
    job = get_object_or_404(PackageJob.objects.select_related("plan", "created_by"), pk=pk)
    if not may_manage_layers(request.user, job.plan):
        raise PermissionDenied
    return job


@require_http_methods(["GET", "POST"])
@takes_a_file
def package_upload(request):
    initial = {"plan": layer_plans(request.user).filter(slug=request.GET.get("plan", "")).first()}
    form = PackageForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user
    )
    problems = []
    if request.method == "POST" and form.is_valid():
        plan = form.cleaned_data["plan"]
        if not may_manage_layers(request.user, plan):
            raise PermissionDenied
        try:
            job = receive(request.user, plan, form.cleaned_data["file"])
        except RejectedFile as rejected:
            problems = rendered_problems([p.as_dict() for p in rejected.problems])
        else:
            return redirect("staff-package-mapping", pk=job.pk)
    status = 400 if problems else 200
    context = {"form": form, "problems": problems}
    return render(request, "layers/staff/package_upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
@planner_required
def package_mapping(request, pk: int):
    job = _job_for(request, pk)
    if job.state != PackageState.DRAFT:
        return redirect("staff-package", pk=job.pk)
    form = MappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        try:
            choose(job, request.user, form.choices(), form.defaults())
        except ValueError as refused:
            form.add_error(None, str(refused))
        else:
            return redirect("staff-package", pk=job.pk)
    return render(request, "layers/staff/package_mapping.html", {"job": job, "form": form})


@planner_required
def package_detail(request, pk: int):
    job = _job_for(request, pk)
    if job.state == PackageState.DRAFT:
        return redirect("staff-package-mapping", pk=job.pk)
    report = job.crosscheck or {}
    finished = job.state in PackageJob.FINISHED
    reasons = (
        publication_problems(job, acknowledge_overlaps=True)
        if finished and job.state != PackageState.PUBLISHED
        else []
    )
    entries = [
        {**entry, "rendered_problems": rendered_problems(entry.get("problems") or [])}
        for entry in job.entries
    ]
    config = map_config(job.plan, report)
    context = {
        "job": job,
        "entries": entries,
        "report": report,
        "finished": finished,
        "reasons": reasons,
        "map_config": config,
    }
    return render(request, "layers/staff/package.html", context)


@require_POST
@planner_required
def package_publish(request, pk: int):
    job = _job_for(request, pk)
    try:
        publish_package(
            job, request.user, acknowledge_overlaps=request.POST.get("acknowledge_overlaps") == "1"
        )
    except PackageRefused as refused:
        messages.error(request, _("Nothing was published.") + " " + " ".join(refused.reasons))
    else:
        messages.success(request, _("Every layer of the package is published."))
    return redirect("staff-package", pk=job.pk)
