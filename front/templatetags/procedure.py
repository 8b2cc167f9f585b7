"""The plan page's pieces of the procedure (front/procedure.py): the timeline section and the
批准成果 mark of the header, each read by its own partial so the page's view stays as it is."""

from django import template

from front.procedure import procedure_context
from planportal.periods import china_date
from planportal.phases import DUE, OVERDUE, approval_of, today_in_china, warnings_for_plans
from planportal.roles import may_manage_procedure, procedure_plans

register = template.Library()


@register.simple_tag
def plan_procedure(plan) -> dict:
    """The timeline of the plan's public rounds and steps, and its next entry."""
    return procedure_context(plan)


@register.simple_tag
def approval_mark(plan) -> dict | None:
    """For a plan whose face is an approved version: that version, and the public approval step
    recorded for it (its authority, 文号 and date) when there is one."""
    version = plan.current_version
    if version is None or not version.is_approved:
        return None
    phase = approval_of(version)
    return {
        "version": version,
        "phase": phase,
        "day": china_date(phase.starts_at).isoformat() if phase else "",
    }


@register.simple_tag
def pressing_deadlines(user) -> list:
    """The overdue and due warnings of the plans whose procedure ``user`` records, for the top
    of every staff page (the staff home sends each role to its own page, so the warnings go
    where anyone lands); the rest are on the procedure pages."""
    if not may_manage_procedure(user):
        return []
    found = warnings_for_plans(procedure_plans(user), today_in_china())
    return [warning for warning in found if warning.level in (OVERDUE, DUE)]
