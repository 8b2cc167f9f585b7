"""``manage.py createstaff USERNAME --group officials [--plan SLUG]... [--region CODE]...``: a
staff account with a role.

Without ``--plan``/``--region`` the account joins the group, which gives its role on every
plan (``administrators``: county administrators, who manage accounts and rights). With them,
it holds the group's role (planners or officials) only on those plans and on every plan of
those regions (planportal.RoleGrant), and joins no group. For an account that exists already,
``--plan``/``--region`` add those rights and change nothing else. Each step is in the audit
trail.

The password is read from the STAFF_PASSWORD environment variable or asked for at a prompt,
never taken from the command line, where it would stay in the shell history and in ``ps``.
"""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import transaction

from planportal import accounts
from planportal.audit import RecordedCommand
from planportal.models import Plan, StaffRole
from planportal.roles import ROLE_GROUPS, STAFF_GROUPS

PASSWORD_VARIABLE = "STAFF_PASSWORD"  # noqa: S105 (the name of a variable, not a password)
GROUP_ROLES = {group: role for role, group in ROLE_GROUPS.items()}


class Command(RecordedCommand):
    help = (
        "Creates a staff user in the group planners, officials or administrators, or with "
        "the role of planners/officials on some plans (--plan) or regions (--region) only. "
        f"The password comes from the {PASSWORD_VARIABLE} environment variable, or from a "
        "prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--group", required=True, choices=STAFF_GROUPS)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--plan",
            action="append",
            default=[],
            metavar="SLUG",
            help="the role on this plan only (repeatable)",
        )
        parser.add_argument(
            "--region",
            action="append",
            default=[],
            metavar="CODE",
            help="the role on every plan of this 12-digit region code, e.g. 141181000000",
        )

    def handle(self, *args, username: str, group: str, email: str, plan, region, **options):
        scoped = bool(plan or region)
        if scoped and group not in GROUP_ROLES:
            raise CommandError(
                "--plan and --region give the role of planners or officials, not of "
                f"{group}; nothing was changed."
            )
        plans = [self._plan(slug) for slug in plan]
        user_model = get_user_model()
        existing = user_model.objects.filter(username=username).first()
        if existing is not None and not scoped:
            raise CommandError(f"User {username!r} already exists; nothing was changed.")
        try:
            role_group = Group.objects.get(name=group)
        except Group.DoesNotExist as exc:
            raise CommandError(f"Group {group!r} is missing: run `manage.py migrate`.") from exc

        with transaction.atomic():
            user = self._create(username, email) if existing is None else existing
            if scoped:
                self._grant(user, GROUP_ROLES[group], plans, region)
            else:
                user.groups.add(role_group)
        if scoped:
            where = ", ".join([*plan, *region])
            self.stdout.write(f"{username!r} holds the role of {group!r} for: {where}.")
        else:
            self.stdout.write(f"Created staff user {username!r} in group {group!r}.")

    def _plan(self, slug: str) -> Plan:
        found = Plan.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"There is no plan {slug!r}; nothing was changed.")
        return found

    def _create(self, username: str, email: str):
        probe = get_user_model()(username=username, email=email)
        password = self._read_password(probe)
        try:
            return accounts.create_account(None, username, email=email, password=password).user
        except accounts.AccountError as refusal:
            raise CommandError(str(refusal)) from refusal

    def _grant(self, user, role: StaffRole, plans: list[Plan], regions: list[str]) -> None:
        try:
            for each in plans:
                accounts.grant(None, user, role, plan=each)
            for code in regions:
                accounts.grant(None, user, role, region_code=code)
        except accounts.AccountError as refusal:
            raise CommandError(f"{refusal} Nothing was changed.") from refusal

    def _read_password(self, user) -> str:
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; nothing was changed.")
        if not password:
            raise CommandError("The password is empty; nothing was changed.")
        return password
