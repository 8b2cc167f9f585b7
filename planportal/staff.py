"""The staff entry point: after signing in, each role lands on its own work."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from planportal.roles import OFFICIALS, PLANNERS


@login_required(login_url="staff-login")
def staff_home(request):
    """Planners go to their layers; officials (and everyone else, who is then told they may
    not) to the comment queue."""
    user = request.user
    is_planner = user.groups.filter(name=PLANNERS).exists()
    is_official = user.groups.filter(name=OFFICIALS).exists()
    if is_planner and not is_official:
        return redirect("staff-layers")
    return redirect("staff-queue")
