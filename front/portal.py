"""The county portal: the published plans arranged by region (county → 乡镇), each with its
open consultations, and the page of one region. The tree is planportal.Region
(planportal/regions.py holds the code arithmetic)."""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404, render

from consultation.models import Consultation
from front.outline import sketch
from front.search import search
from planportal.models import Plan, Region, RegionLevel
from planportal.regions import covering_plans, home_region


@dataclass
class RegionEntry:
    region: Region
    plans: list[Plan] = field(default_factory=list)
    children: list["RegionEntry"] = field(default_factory=list)


def attach_open_consultations(plans: list[Plan]) -> None:
    """Gives each plan ``open_consultations``, closing soonest first (one query)."""
    by_plan: dict[int, list[Consultation]] = {plan.pk: [] for plan in plans}
    consultations = (
        Consultation.objects.public()
        .open_at()
        .filter(plan__in=[plan.pk for plan in plans])
        .order_by("closes_at")
    )
    for consultation in consultations:
        by_plan[consultation.plan_id].append(consultation)
    for plan in plans:
        plan.open_consultations = by_plan[plan.pk]


def portal(plans: list[Plan]) -> tuple[list[RegionEntry], list[Plan]]:
    """The counties with their own plans and their 乡镇 (each with its plans, or none), and
    the plans that belong to no known county."""
    regions = {
        region.code: region
        for region in Region.objects.filter(
            level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP]
        ).select_related("parent")
    }
    entries = {code: RegionEntry(region) for code, region in regions.items()}
    elsewhere = []
    for plan in plans:
        region = home_region(plan.region_code, regions)
        if region is None:
            elsewhere.append(plan)
        else:
            entries[region.code].plans.append(plan)
    counties = []
    for entry in sorted(entries.values(), key=lambda entry: entry.region.code):
        if entry.region.level == RegionLevel.COUNTY:
            entry.region.sketch = sketch(entry.region.outline)
            counties.append(entry)
        elif entry.region.parent_id is not None and entry.region.parent.code in entries:
            entries[entry.region.parent.code].children.append(entry)
        elif entry.plans:  # a township whose county is not in the table
            elsewhere.extend(entry.plans)
    for county in counties:
        # The 乡镇 with a published plan first (what a resident came for), each group in code
        # order.
        county.children.sort(key=lambda entry: (not entry.plans, entry.region.code))
    return counties, elsewhere


def region_detail(request, code: str):
    """A region, where it belongs, what lies in it and the plans that cover it; a region no
    published plan covers says so."""
    region = get_object_or_404(Region.objects.select_related("parent"), code=code)
    region.sketch = sketch(region.outline)
    plans = covering_plans(region)
    attach_open_consultations(plans)
    own = [plan for plan in plans if plan.region_code == region.code]
    above = [plan for plan in plans if plan.region_code != region.code]
    children = list(region.children.order_by("code"))
    planned = set(
        Plan.objects.public()
        .filter(region_code__in=[child.code for child in children])
        .values_list("region_code", flat=True)
    )
    for child in children:
        child.has_plan = child.code in planned
    # Where the plans' maps show this village (from their village layers), as the search finds it.
    places = (
        [hit for hit in search(region.code) if hit.code == region.code and hit.plan]
        if region.level == RegionLevel.VILLAGE
        else []
    )
    ancestors = []
    parent = region.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    return render(
        request,
        "front/region_detail.html",
        {
            "region": region,
            "ancestors": ancestors,
            "children": children,
            "own_plans": own,
            "covering_plans": above,
            "places": places,
        },
    )
