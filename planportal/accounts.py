"""Staff accounts and their rights, as a county administrator (or ``createstaff``) changes
them: each step one transaction with its audit event (planportal.audit.record), so the trail
of every plan a grant concerns shows who gave or took which right, and when."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from planportal.audit import record
from planportal.models import Plan, RoleGrant, StaffRole, region_code_validator

# No 0/O, 1/l/I: the temporary password is read out or copied by hand.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105
PASSWORD_LENGTH = 14
GRANT_AUDIT_TYPE = RoleGrant._meta.label_lower


class AccountError(Exception):
    """A step refused, with the sentence to show."""


@dataclass(frozen=True)
class NewAccount:
    user: object
    temporary_password: str


def temporary_password() -> str:
    return get_random_string(PASSWORD_LENGTH, PASSWORD_ALPHABET)


def create_account(actor, username: str, *, email: str = "", password: str = "") -> NewAccount:
    """A staff account (no role yet: grants or a group give it one). Without ``password`` a
    temporary one is made, to be handed over and changed by its holder."""
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise AccountError(_("The account %(username)s exists already.") % {"username": username})
    user = user_model(username=username, email=email, is_staff=True)
    password = password or temporary_password()
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from exc
    with transaction.atomic():
        user.set_password(password)
        user.save()
        record(
            actor,
            "account.create",
            user,
            summary=_("Staff account %(username)s created") % {"username": username},
            after={"username": username, "email": email},
        )
    return NewAccount(user, password)


def grant(actor, user, role: str, *, plan: Plan | None = None, region_code: str = "") -> RoleGrant:
    """Gives ``role`` on one plan or on every plan of a region (exactly one of them)."""
    if role not in StaffRole.values:
        raise AccountError(_("Unknown role."))
    if (plan is None) == (not region_code):
        raise AccountError(_("Name either one plan or one region code."))
    if region_code:
        try:
            region_code_validator(region_code)
        except ValidationError as exc:
            raise AccountError(" ".join(exc.messages)) from exc
    if user.is_superuser:
        raise AccountError(_("A superuser holds every role already."))
    held = RoleGrant.objects.filter(user=user, role=role)
    same = held.filter(plan=plan) if plan else held.filter(region_code=region_code)
    if same.exists():
        raise AccountError(_("The account holds this right already."))
    with transaction.atomic():
        given = RoleGrant.objects.create(
            user=user, role=role, plan=plan, region_code=region_code, granted_by=_person(actor)
        )
        record(actor, "grant.add", given, summary=_describe(given), after=given.as_record())
    return given


def revoke(actor, given: RoleGrant) -> None:
    with transaction.atomic():
        record(actor, "grant.revoke", given, summary=_describe(given), before=given.as_record())
        given.delete()


def set_active(actor, user, active: bool) -> None:
    """Deactivating keeps the account, its grants and its history; it can no longer sign in
    and no longer holds any role (planportal/roles.py asks for an active user)."""
    if user.is_superuser:
        raise AccountError(_("A superuser account is managed in the admin, not here."))
    if _person(actor) is not None and user.pk == actor.pk and not active:
        raise AccountError(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        record(
            actor,
            "account.reactivate" if active else "account.deactivate",
            user,
            summary=(
                _("Staff account %(username)s reactivated")
                if active
                else _("Staff account %(username)s deactivated")
            )
            % {"username": user.get_username()},
            before={"is_active": not active},
            after={"is_active": active},
        )


def _describe(given: RoleGrant) -> str:
    return _("%(username)s: %(role)s for %(scope)s") % {
        "username": given.user.get_username(),
        "role": given.get_role_display(),
        "scope": given.scope_label,
    }


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None
