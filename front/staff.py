"""The staff entry point: after signing in, each role lands on its own work."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from planportal.roles import may_manage_accounts, may_manage_layers, may_moderate


@login_required(login_url="staff-login")
def staff_home(request):
    """Planners go to their layers; county administrators without a plan role to the
    accounts; officials (and everyone else, who is then told they may not) to the comment
    queue."""
    if may_manage_accounts(request.user) and not (
        may_manage_layers(request.user) or may_moderate(request.user)
    ):
        return redirect("staff-accounts")
    if may_manage_layers(request.user) and not may_moderate(request.user):
        return redirect("staff-layers")
    return redirect("staff-queue")
