"""Who may do what: the one home of the portal's staff roles.

Two roles exist, each a Django group created by a migration: ``planners`` upload, publish and
roll back map layers; ``officials`` moderate and answer comments and produce the report.
Superusers hold both. Every check in the portal goes through the permissions below, as
``user.has_perm(permission, plan)`` (django-rules' object permission backend): page views
through ``planner_required`` / ``official_required``, the JSON API through ``IsPlanner`` /
``IsOfficial``, services through ``may_manage_layers`` / ``may_moderate``.

The plan is passed wherever it is known, so a role held for one plan only needs no change at
the call sites: only the predicates below learn to read that plan's membership. Today a group
holds for every plan.
"""

from functools import wraps

import rules
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from rest_framework.permissions import BasePermission

PLANNERS = "planners"
OFFICIALS = "officials"
STAFF_GROUPS = (PLANNERS, OFFICIALS)

# What each role may do, as permission names (app label "planportal", no database rows).
MANAGE_LAYERS = "planportal.manage_layers"  # upload, see drafts, publish, roll back
MODERATE_COMMENTS = "planportal.moderate_comments"  # queue, moderate, answer, export, report


def _in_group(user, group: str) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=group).exists()


@rules.predicate
def is_planner(user, plan=None) -> bool:
    """In the group ``planners`` (or a superuser), active. ``plan``: see the module note."""
    return _in_group(user, PLANNERS)


@rules.predicate
def is_official(user, plan=None) -> bool:
    """In the group ``officials`` (or a superuser), active. ``plan``: see the module note."""
    return _in_group(user, OFFICIALS)


rules.add_perm(MANAGE_LAYERS, is_planner)
rules.add_perm(MODERATE_COMMENTS, is_official)


def may_manage_layers(user, plan=None) -> bool:
    return user.has_perm(MANAGE_LAYERS, plan)


def may_moderate(user, plan=None) -> bool:
    return user.has_perm(MODERATE_COMMENTS, plan)


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
