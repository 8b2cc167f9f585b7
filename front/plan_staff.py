"""The planners' plan pages: every plan with its public state (publish / take off), and a new
plan. The work is done by planportal/plans.py, which writes the audit events; these pages go
through ``planner_required`` and post with Django's CSRF token."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from planportal.models import Plan
from planportal.plans import (
    PLAN_FIELDS,
    PublishRefused,
    create_plan,
    plan_region_name,
    publish_plan,
    publish_problems,
    unpublish_plan,
)
from planportal.roles import layer_plans, may_create_plan_in, planner_required, require_layers_right


class PlanForm(forms.ModelForm):
    region_name = forms.CharField(
        label=gettext_lazy("Region name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy(
            "Only for a region code the region table does not hold yet (a new township under "
            "a known county); otherwise taken from the table."
        ),
    )

    class Meta:
        model = Plan
        fields = list(PLAN_FIELDS)
        help_texts = {
            "slug": gettext_lazy(
                "The plan's address: letters, digits and hyphens, e.g. xiabao-2021-2035."
            ),
            "region_code": gettext_lazy(
                "12-digit 统计用区划代码: a known region, or one whose parent region is known."
            ),
            "organisation": gettext_lazy("组织编制机关, e.g. the town's people's government."),
            "compiled_by": gettext_lazy("编制单位: the institute that drew the plan up."),
        }

    def clean(self):
        data = super().clean()
        code = data.get("region_code")
        if code:
            try:
                data["region_name"] = plan_region_name(code, data.get("region_name", ""))
            except ValidationError as error:
                self.add_error("region_code", error)
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start >= end:
            self.add_error("period_end", _("The period must end after it starts."))
        return data


@planner_required
def plan_list(request):
    plans = list(layer_plans(request.user).order_by("region_code", "name"))
    for plan in plans:
        plan.problems = publish_problems(plan)
    return render(request, "front/staff/plans.html", {"plans": plans})


@require_http_methods(["GET", "POST"])
@planner_required
def plan_create(request):
    form = PlanForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and not may_create_plan_in(
            request.user, form.cleaned_data["region_code"]
        ):
            raise PermissionDenied  # a planner of another region
        if form.is_valid():
            fields = {name: form.cleaned_data[name] for name in PLAN_FIELDS}
            plan = create_plan(request.user, **fields)
            messages.success(
                request,
                _("The plan %(name)s was created. It is not shown to the public yet.")
                % {"name": plan.name},
            )
            return redirect("staff-plans")
        status = 400
    return render(request, "front/staff/plan_form.html", {"form": form}, status=status)


@require_POST
@planner_required
def plan_publish(request, slug: str):
    """POST ``publish=1`` shows the plan on the portal, ``publish=0`` takes it off."""
    plan = get_object_or_404(Plan, slug=slug)
    require_layers_right(request.user, plan)
    if request.POST.get("publish") == "1":
        try:
            publish_plan(request.user, plan)
        except PublishRefused as refused:
            messages.error(request, " ".join(refused.messages))
        else:
            messages.success(request, _("%(name)s is shown on the portal.") % {"name": plan.name})
    else:
        unpublish_plan(request.user, plan)
        messages.success(
            request, _("%(name)s is no longer shown on the portal.") % {"name": plan.name}
        )
    return redirect("staff-plans")
