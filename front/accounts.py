"""/staff/accounts/: the county administrator's page of staff accounts and their rights.

Lists the staff accounts with the roles they hold (by group on every plan, or by grant on a
plan or a region), creates an account with a temporary password (shown once, in that answer
only), grants and revokes a role per plan or per region, and deactivates or reactivates an
account. The steps are services of planportal/accounts.py, each audited; every form posts
with Django's CSRF token; only ``administrator_required`` users reach the page.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from planportal import accounts
from planportal.models import Plan, RoleGrant, StaffRole, region_code_validator
from planportal.roles import ADMINISTRATORS, ROLE_GROUPS, STAFF_GROUPS, administrator_required


class NewAccountForm(forms.Form):
    username = forms.RegexField(
        label=gettext_lazy("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=gettext_lazy("Letters, digits and . @ + - _ only, e.g. wang.official."),
    )
    email = forms.EmailField(label=gettext_lazy("Email"), required=False)


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(
        get_user_model().objects.none(), label=gettext_lazy("Account"), to_field_name="username"
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=StaffRole.choices)
    plan = forms.ModelChoiceField(
        Plan.objects.all(),
        label=gettext_lazy("Plan"),
        required=False,
        to_field_name="slug",
        empty_label=gettext_lazy("(a region instead)"),
    )
    region_code = forms.CharField(
        label=gettext_lazy("Region code"),
        required=False,
        max_length=12,
        validators=[region_code_validator],
        help_text=gettext_lazy(
            "12 digits; covers every plan of the region, e.g. 141181000000 every plan of the "
            "county 141181, 141181101000 every plan of that township."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _grantable_accounts()

    def clean(self):
        cleaned = super().clean()
        neither_or_both = bool(cleaned.get("plan")) == bool(cleaned.get("region_code"))
        if neither_or_both and not self.has_error("region_code"):
            raise forms.ValidationError(_("Name either one plan or one region code."))
        return cleaned


def _grantable_accounts():
    """Staff accounts (a superuser holds every role already)."""
    return get_user_model().objects.filter(is_staff=True, is_superuser=False).order_by("username")


def _staff_accounts():
    """Accounts that are staff, in a staff group or hold a grant."""
    grants = RoleGrant.objects.select_related("plan").order_by("role", "region_code", "plan__name")
    return (
        get_user_model()
        .objects.filter(
            Q(is_staff=True)
            | Q(is_superuser=True)
            | Q(groups__name__in=STAFF_GROUPS)
            | Q(role_grants__isnull=False)
        )
        .distinct()
        .order_by("username")
        .prefetch_related("groups", Prefetch("role_grants", queryset=grants))
    )


def _rows(users) -> list[dict]:
    labels = dict(StaffRole.choices)
    # A region is named after a plan of exactly that region, when there is one (the codes
    # alone otherwise: the portal keeps no register of regions here).
    region_names = dict(Plan.objects.values_list("region_code", "region_name"))
    rows = []
    for user in users:
        grants = list(user.role_grants.all())
        for given in grants:
            given.region_name = region_names.get(given.region_code, "")
        groups = {group.name for group in user.groups.all()}
        everywhere = [labels[role] for role, group in ROLE_GROUPS.items() if group in groups]
        rows.append(
            {
                "user": user,
                "everywhere": everywhere,
                "administrator": ADMINISTRATORS in groups,
                "grants": grants,
            }
        )
    return rows


def _page(request, *, status=200, created=None, new_form=None, grant_form=None):
    context = {
        "rows": _rows(_staff_accounts()),
        "new_form": new_form or NewAccountForm(),
        "grant_form": grant_form or GrantForm(),
        "created": created,
        "plans": Plan.objects.order_by("region_code", "name"),
    }
    return render(request, "staff/accounts.html", context, status=status)


@require_GET
@administrator_required
def account_list(request):
    return _page(request)


@require_POST
@administrator_required
def account_create(request):
    form = NewAccountForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, new_form=form)
    try:
        created = accounts.create_account(
            request.user, form.cleaned_data["username"], email=form.cleaned_data["email"]
        )
    except accounts.AccountError as refusal:
        form.add_error(None, str(refusal))
        return _page(request, status=400, new_form=form)
    # Shown in this answer only: never stored in a message, a cookie or the trail.
    return _page(request, created=created)


@require_POST
@administrator_required
def grant_add(request):
    form = GrantForm(request.POST)
    if not form.is_valid():
        return _page(request, status=400, grant_form=form)
    data = form.cleaned_data
    try:
        given = accounts.grant(
            request.user,
            data["user"],
            data["role"],
            plan=data["plan"],
            region_code=data["region_code"],
        )
    except accounts.AccountError as refusal:
        form.add_error(None, str(refusal))
        return _page(request, status=400, grant_form=form)
    messages.success(
        request,
        _("%(username)s is now %(role)s for %(scope)s.")
        % {
            "username": given.user.get_username(),
            "role": given.get_role_display(),
            "scope": given.scope_label,
        },
    )
    return redirect("staff-accounts")


@require_POST
@administrator_required
def grant_revoke(request, pk: int):
    given = get_object_or_404(RoleGrant.objects.select_related("user", "plan"), pk=pk)
    accounts.revoke(request.user, given)
    messages.success(
        request,
        _("The right of %(username)s (%(role)s for %(scope)s) is revoked.")
        % {
            "username": given.user.get_username(),
            "role": given.get_role_display(),
            "scope": given.scope_label,
        },
    )
    return redirect("staff-accounts")


@require_POST
@administrator_required
def account_active(request, pk: int):
    user = get_object_or_404(get_user_model(), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        accounts.set_active(request.user, user, active)
    except accounts.AccountError as refusal:
        messages.error(request, str(refusal))
    else:
        done = _("%(username)s is active again.") if active else _("%(username)s is deactivated.")
        messages.success(request, done % {"username": user.get_username()})
    return redirect("staff-accounts")
