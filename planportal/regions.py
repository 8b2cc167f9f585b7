"""The region hierarchy of the 统计用区划代码: the arithmetic of the 12-digit codes, the rule a
plan's region code follows, and the plans that cover a region.

A code has 2 (省), 4 (市), 6 (县), 9 (乡镇) or 12 (村) significant digits, the rest zeros:
141181101200 is a village of the township 141181101000, of the county 141181000000, of the
prefecture 141100000000, of the province 140000000000.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from planportal.models import Plan, Region, RegionLevel
from planportal.region_codes import SIGNIFICANT_DIGITS, parent_code, significant_digits

# Each level and its significant digits, from the top.
LEVEL_DIGITS = tuple(zip(RegionLevel, SIGNIFICANT_DIGITS, strict=True))


def level_of(code: str) -> RegionLevel:
    """The level of a 12-digit code: the first level whose significant digits hold all the
    non-zero digits of the code."""
    return dict((digits, level) for level, digits in LEVEL_DIGITS)[significant_digits(code)]


def ancestor_codes(code: str) -> list[str]:
    """The code itself and every code above it, nearest first."""
    codes = [code]
    while (above := parent_code(codes[-1])) is not None:
        codes.append(above)
    return codes


def check_plan_region(code: str) -> Region:
    """The region a plan's code names, or the parent region a new region code would belong
    to. The rule: a plan's region code is a known region, or its direct parent is (a township
    the hierarchy does not hold yet, under a known county). Raises ValidationError saying which
    rule failed, in the reader's language (Simplified Chinese first)."""
    if len(code) != 12 or not code.isdigit():
        raise ValidationError(
            _("A region code has exactly 12 digits (统计用区划代码)."), code="region_format"
        )
    region = Region.objects.filter(code=code).first()
    if region is not None:
        return region
    above = parent_code(code)
    parent = Region.objects.filter(code=above).first() if above else None
    if parent is None:
        raise ValidationError(
            _(
                "Region code %(code)s is neither a known region nor under one: the plan's "
                "region must be in the region table, or its parent region (%(parent)s) must be."
            )
            % {"code": code, "parent": above or "—"},
            code="region_unknown",
        )
    return parent


def region_name_for(code: str) -> str:
    """The full name a plan shows for its region (山西省吕梁市孝义市阳泉曲镇), from the known
    regions above and at the code; empty when none is known."""
    known = {r.code: r.name for r in Region.objects.filter(code__in=ancestor_codes(code))}
    return "".join(known[c] for c in reversed(ancestor_codes(code)) if c in known)


def covering_plans(region: Region, plans=None):
    """The public plans whose area holds ``region``: a plan of the region itself or of a region
    above it (a county plan covers its townships), the most local first."""
    codes = ancestor_codes(region.code)
    plans = (plans if plans is not None else Plan.objects.public()).filter(region_code__in=codes)
    return sorted(plans, key=lambda plan: codes.index(plan.region_code))


def home_region(plan_code: str, regions: dict[str, Region]) -> Region | None:
    """Where the home page lists a plan: the nearest known county or township at or above its
    code (a village plan sits with its township)."""
    for code in ancestor_codes(plan_code):
        region = regions.get(code)
        if region is not None and region.level in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP):
            return region
    return None
