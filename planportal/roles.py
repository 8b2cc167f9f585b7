"""Who may do what: the one home of the portal's staff roles.

Two roles act on plans: planners upload, publish and roll back map layers; officials
moderate and answer comments and produce the report. A role is held

- on every plan, by members of the group ``planners`` / ``officials`` (created by a
  migration; the county's own staff, and what accounts made before grants existed keep), or
- on one plan, or on every plan of a region, by a ``RoleGrant`` (planportal/models.py): a
  grant for the region 141181000000 covers every plan whose region code starts with 141181.

The groups were kept rather than migrated to region grants: a migration cannot know which
county a portal serves (plans of several counties may share it), existing accounts, the demo
and scripts keep working unchanged, and "on every plan" stays one visible fact on the
accounts page and in the trail (group membership is tracked there).

Superusers hold both everywhere. A third role, county administrators (group
``administrators``), manages staff accounts and grants (/staff/accounts/) and acts on no plan.

Every check goes through the permissions below, as ``user.has_perm(permission, plan)``
(django-rules' object permission backend). Without a plan the question is "on some plan":
page views pass ``planner_required`` / ``official_required`` and the API ``IsPlanner`` /
``IsOfficial`` on that, then ask for the plan of the object they act on with
``require_layers_right`` / ``require_moderation_right`` (403 for another plan's object, the
same answer as for a user without the role); lists start from ``layer_plans`` /
``moderated_plans``.
"""

from functools import wraps

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from rest_framework.permissions import BasePermission

from planportal.models import Plan, RoleGrant, StaffRole, enclosing_regions, region_prefix

PLANNERS = "planners"
OFFICIALS = "officials"
ADMINISTRATORS = "administrators"
STAFF_GROUPS = (PLANNERS, OFFICIALS, ADMINISTRATORS)
ROLE_GROUPS = {StaffRole.PLANNER: PLANNERS, StaffRole.OFFICIAL: OFFICIALS}

# What each role may do, as permission names (app label "planportal", no database rows).
MANAGE_LAYERS = "planportal.manage_layers"  # upload, see drafts, publish, roll back
MODERATE_COMMENTS = "planportal.moderate_comments"  # queue, moderate, answer, export, report
MANAGE_ACCOUNTS = "planportal.manage_accounts"  # staff accounts and their grants
# The plan's procedure (hearings, approval, 批后公布): planners and officials of the plan alike.
MANAGE_PROCEDURE = "planportal.manage_procedure"


def _active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def _in_group(user, group: str) -> bool:
    if not _active(user):
        return False
    return user.is_superuser or user.groups.filter(name=group).exists()


def _holds(user, role: str, plan) -> bool:
    """The role on ``plan`` (on some plan when None), by its group or a grant."""
    if not _active(user):
        return False
    if _in_group(user, ROLE_GROUPS[role]):
        return True
    grants = RoleGrant.objects.filter(user=user, role=role)
    if plan is None:
        return grants.exists()
    if not isinstance(plan, Plan):
        return False
    covering = Q(plan=plan) | Q(region_code__in=enclosing_regions(plan.region_code))
    return grants.filter(covering).exists()


@rules.predicate
def is_planner(user, plan=None) -> bool:
    """Active, and a planner on ``plan`` (on some plan when None): see the module note."""
    return _holds(user, StaffRole.PLANNER, plan)


@rules.predicate
def is_official(user, plan=None) -> bool:
    """Active, and an official on ``plan`` (on some plan when None): see the module note."""
    return _holds(user, StaffRole.OFFICIAL, plan)


@rules.predicate
def is_administrator(user) -> bool:
    """In the group ``administrators`` (or a superuser), active."""
    return _in_group(user, ADMINISTRATORS)


rules.add_perm(MANAGE_LAYERS, is_planner)
rules.add_perm(MODERATE_COMMENTS, is_official)
rules.add_perm(MANAGE_ACCOUNTS, is_administrator)
rules.add_perm(MANAGE_PROCEDURE, is_planner | is_official)


def may_manage_layers(user, plan=None) -> bool:
    return user.has_perm(MANAGE_LAYERS, plan)


def may_moderate(user, plan=None) -> bool:
    return user.has_perm(MODERATE_COMMENTS, plan)


def may_manage_procedure(user, plan=None) -> bool:
    return user.has_perm(MANAGE_PROCEDURE, plan)


def may_manage_accounts(user) -> bool:
    return user.has_perm(MANAGE_ACCOUNTS)


def may_create_plan_in(user, region_code: str) -> bool:
    """A planner on every plan (the group), or holding a planner grant for a region that
    encloses ``region_code``: a township's planner cannot create the county's plans."""
    if not _active(user):
        return False
    if _in_group(user, PLANNERS):
        return True
    grants = RoleGrant.objects.filter(user=user, role=StaffRole.PLANNER)
    return grants.filter(region_code__in=enclosing_regions(region_code)).exists()


def require_layers_right(user, plan) -> None:
    """403 unless the user is a planner on this plan."""
    if not may_manage_layers(user, plan):
        raise PermissionDenied


def require_moderation_right(user, plan) -> None:
    """403 unless the user is an official on this plan."""
    if not may_moderate(user, plan):
        raise PermissionDenied


def require_procedure_right(user, plan) -> None:
    """403 unless the user is a planner or an official on this plan."""
    if not may_manage_procedure(user, plan):
        raise PermissionDenied


def _plans_held(user, role: str):
    if not _active(user):
        return Plan.objects.none()
    if _in_group(user, ROLE_GROUPS[role]):
        return Plan.objects.all()
    grants = RoleGrant.objects.filter(user=user, role=role)
    covered = Q(pk__in=grants.filter(plan__isnull=False).values("plan"))
    for code in grants.exclude(region_code="").values_list("region_code", flat=True):
        covered |= Q(region_code__startswith=region_prefix(code))
    return Plan.objects.filter(covered)


def layer_plans(user):
    """The plans whose layers the user manages (a queryset of Plan)."""
    return _plans_held(user, StaffRole.PLANNER)


def moderated_plans(user):
    """The plans whose comments, reports and trail the user handles (a queryset of Plan)."""
    return _plans_held(user, StaffRole.OFFICIAL)


def procedure_plans(user):
    """The plans whose procedure steps the user records: those of either role."""
    return (layer_plans(user) | moderated_plans(user)).distinct()


# --- page guards -----------------------------------------------------------------------------


def _page_guard(permission: str):
    def decorator(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("staff-login"))
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # Staff answers hold drafts and personal data: never cached.
        return never_cache(guarded)

    return decorator


planner_required = _page_guard(MANAGE_LAYERS)
planner_required.__doc__ = "Planners (and superusers) only: others are sent to log in or get 403."
official_required = _page_guard(MODERATE_COMMENTS)
official_required.__doc__ = "Officials (and superusers) only: others are sent to log in or get 403."
procedure_required = _page_guard(MANAGE_PROCEDURE)
procedure_required.__doc__ = "Planners and officials (and superusers) only."
administrator_required = _page_guard(MANAGE_ACCOUNTS)
administrator_required.__doc__ = "County administrators (and superusers) only."


# --- API permissions -------------------------------------------------------------------------


class IsPlanner(BasePermission):
    message = _("Only planners may upload, publish or roll back layers.")

    def has_permission(self, request, view) -> bool:
        return may_manage_layers(request.user)


class IsPlanManager(IsPlanner):
    """Planners create plans and put them on the portal or take them off."""

    message = _("Only planners may create, publish or unpublish plans.")


class IsOfficial(BasePermission):
    message = _("Only officials may answer comments.")

    def has_permission(self, request, view) -> bool:
        return may_moderate(request.user)


class IsPlanStaff(BasePermission):
    """Planners and officials: the plan's procedure is the work of both."""

    message = _("Only planners and officials may record the plan's procedure.")

    def has_permission(self, request, view) -> bool:
        return may_manage_procedure(request.user)
