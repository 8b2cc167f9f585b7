"""Staff pages of a plan's figures (图集): ``/staff/figures/`` (the plans),
``/staff/plans/<slug>/figures/`` (list and upload), and each figure's edit and delete pages.
Planners only; every change goes through planportal/figures.py with its audit event."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from front.figures import serve
from planportal import figures
from planportal.models import Plan, PlanFigure
from planportal.roles import layer_plans, planner_required, require_layers_right
from planportal.versions import latest_version, sections_of


def _section_choices(plan: Plan) -> list[tuple[str, str]]:
    sections = sections_of(latest_version(plan))
    return [("", _("(the plan as a whole)"))] + [
        (section.number, f"{section.number} {section.title}") for section in sections
    ]


class FigureFields(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    section = forms.ChoiceField(label=gettext_lazy("Section"), required=False)
    review_number = forms.CharField(
        label=gettext_lazy("Map review number (审图号)"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("As printed on the sheet, e.g. 晋S（2023）012号; blank if none."),
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = _section_choices(plan)


class FigureUploadForm(FigureFields):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A PNG or JPEG image, or a PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf"}),
    )


class FigureEditForm(FigureFields):
    position = forms.IntegerField(label=gettext_lazy("Position"), min_value=0)


@planner_required
def figure_plans(request):
    plans = layer_plans(request.user).order_by("region_code", "name")
    return render(request, "staff/figure_plans.html", {"plans": plans})


@planner_required
def plan_figures(request, slug: str):
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(request.user, plan)
    form = FigureUploadForm(plan=plan)
    if request.method == "POST":
        form = FigureUploadForm(request.POST, request.FILES, plan=plan)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > figures.max_bytes():
                    raise figures.FigureRefused(figures.too_large_message())
                figure = figures.add_figure(
                    request.user,
                    plan,
                    name=upload.name,
                    content=upload.read(),
                    title=form.cleaned_data["title"],
                    section=figures.section_of(plan, form.cleaned_data["section"]),
                    review_number=form.cleaned_data["review_number"],
                )
            except figures.FigureRefused as refused:
                form.add_error("file", str(refused))
            else:
                messages.success(request, _("Figure “%(title)s” added.") % {"title": figure.title})
                return redirect("staff-plan-figures", plan.slug)
    version = latest_version(plan)
    listed = version.figures.select_related("section").order_by("position", "id")
    return render(
        request,
        "staff/plan_figures.html",
        {"plan": plan, "figures": listed, "form": form, "version": version},
        status=400 if form.errors else 200,
    )


@planner_required
def edit_figure(request, slug: str, figure_id: int):
    figure = get_object_or_404(PlanFigure.objects.select_related("plan", "section"), pk=figure_id)
    require_layers_right(request.user, figure.plan)
    if figure.plan.slug != slug:
        return redirect("staff-figure-edit", figure.plan.slug, figure.pk)
    initial = {
        "title": figure.title,
        "section": figure.section.number if figure.section else "",
        "review_number": figure.review_number,
        "position": figure.position,
    }
    form = FigureEditForm(initial=initial, plan=figure.plan)
    if request.method == "POST":
        form = FigureEditForm(request.POST, plan=figure.plan)
        if form.is_valid():
            data = form.cleaned_data
            try:
                figures.update_figure(
                    request.user,
                    figure,
                    title=data["title"],
                    section=figures.section_of(figure.plan, data["section"]),
                    review_number=data["review_number"],
                    position=data["position"],
                )
            except figures.FigureRefused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Figure saved."))
                return redirect("staff-plan-figures", figure.plan.slug)
    return render(
        request,
        "staff/figure_edit.html",
        {"plan": figure.plan, "figure": figure, "form": form},
        status=400 if form.errors else 200,
    )


@planner_required
def delete_figure(request, slug: str, figure_id: int):
    figure = get_object_or_404(
        PlanFigure.objects.select_related("plan"), pk=figure_id, plan__slug=slug
    )
    require_layers_right(request.user, figure.plan)
    if request.method == "POST":
        try:
            figures.delete_figure(request.user, figure)
        except figures.FigureRefused as refused:  # a published version's figure stays
            messages.error(request, str(refused))
        else:
            messages.success(request, _("Figure “%(title)s” deleted.") % {"title": figure.title})
        return redirect("staff-plan-figures", slug)
    return render(request, "staff/figure_delete.html", {"plan": figure.plan, "figure": figure})


@planner_required
def staff_figure_file(request, slug: str, figure_id: int, part: str):
    """The sheet or its thumbnail of any plan's figure, published or not, for planners."""
    if part not in ("file", "thumbnail"):
        raise Http404
    figure = get_object_or_404(
        PlanFigure.objects.select_related("plan"), pk=figure_id, plan__slug=slug
    )
    require_layers_right(request.user, figure.plan)
    return serve(request, figure, thumbnail=part == "thumbnail", public=False)
