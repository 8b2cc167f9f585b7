"""Planners create a plan and put it on the portal or take it off: each step one transaction
with its audit event. The staff page (front/plan_staff.py) and the API (planportal/api.py)
both go through here."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from planportal.audit import record
from planportal.models import Plan
from planportal.regions import check_plan_region, region_name_for
from planportal.versions import current_version, latest_version, public_version, publish_version

# What a new plan is made of; the text comes later (the importer, or the loader).
PLAN_FIELDS = (
    "name",
    "slug",
    "region_code",
    "region_name",
    "organisation",
    "compiled_by",
    "period_start",
    "period_end",
    "contact_phone",
    "contact_email",
)


class PublishRefused(ValidationError):
    """The plan lacks what the public needs to read it."""


def plan_region_name(region_code: str, given: str = "") -> str:
    """The region name a new plan shows: the one given, else the names of the known regions
    down to its code. Refuses a code the hierarchy does not accept (regions.check_plan_region)
    and an unknown region without a given name."""
    region = check_plan_region(region_code)
    if given.strip():
        return given.strip()
    if region.code != region_code:
        raise ValidationError(
            _(
                "Region code %(code)s is not in the region table (its parent %(parent)s is): "
                "give the region's name."
            )
            % {"code": region_code, "parent": region.name},
            code="region_name_needed",
        )
    return region_name_for(region_code)


@transaction.atomic
def create_plan(actor, **fields) -> Plan:
    """A new, unpublished draft plan; ``fields`` are PLAN_FIELDS, already valid in form."""
    fields["region_name"] = plan_region_name(fields["region_code"], fields.get("region_name", ""))
    plan = Plan(**{name: fields[name] for name in PLAN_FIELDS if name in fields})
    plan.full_clean()
    plan.save()
    record(
        actor,
        "plan.create",
        plan,
        summary=_("Plan %(name)s created") % {"name": plan.name},
        after={name: getattr(plan, name) for name in PLAN_FIELDS},
    )
    return plan


def publish_problems(plan: Plan) -> list[str]:
    """Why the plan cannot be shown to the public yet; empty when it can."""
    problems = []
    if not plan.name.strip():
        problems.append(_("The plan has no name."))
    if not current_version(plan).chapters.exists():
        problems.append(_("The plan has no text yet (no chapter): import its text first."))
    return problems


@transaction.atomic
def publish_plan(actor, plan: Plan) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    problems = publish_problems(plan)
    if problems:
        raise PublishRefused(problems, code="plan_incomplete")
    if public_version(plan) is None:
        # The first time on the portal: the version prepared so far is what residents read.
        publish_version(latest_version(plan), actor)
    return _set_published(actor, plan, True)


@transaction.atomic
def unpublish_plan(actor, plan: Plan) -> Plan:
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    return _set_published(actor, plan, False)


def _set_published(actor, plan: Plan, published: bool) -> Plan:
    before = plan.is_published
    if before != published:
        plan.is_published = published
        plan.save(update_fields=["is_published", "updated_at"])
    record(
        actor,
        "plan.publish" if published else "plan.unpublish",
        plan,
        summary=plan.name,
        before={"is_published": before},
        after={"is_published": published},
    )
    return plan
