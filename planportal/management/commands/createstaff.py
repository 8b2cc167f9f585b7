"""``manage.py createstaff USERNAME --group officials``: a staff account in a role group.

The password is read from the STAFF_PASSWORD environment variable or asked for at a prompt,
never taken from the command line, where it would stay in the shell history and in ``ps``.
"""

import getpass
import os

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import transaction

from planportal.audit import RecordedCommand
from planportal.roles import STAFF_GROUPS

PASSWORD_VARIABLE = "STAFF_PASSWORD"  # noqa: S105 (the name of a variable, not a password)


class Command(RecordedCommand):
    help = (
        "Creates a staff user in the group planners or officials. The password comes from "
        f"the {PASSWORD_VARIABLE} environment variable, or from a prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--group", required=True, choices=STAFF_GROUPS)
        parser.add_argument("--email", default="")

    def handle(self, *args, username: str, group: str, email: str, **options):
        user_model = get_user_model()
        if user_model.objects.filter(username=username).exists():
            raise CommandError(f"User {username!r} already exists; nothing was changed.")
        try:
            role = Group.objects.get(name=group)
        except Group.DoesNotExist as exc:
            raise CommandError(f"Group {group!r} is missing: run `manage.py migrate`.") from exc

        user = user_model(username=username, email=email, is_staff=True)
        password = self._read_password(user)
        with transaction.atomic():
            user.set_password(password)
            user.save()
            user.groups.add(role)
        self.stdout.write(f"Created staff user {username!r} in group {group!r}.")

    def _read_password(self, user) -> str:
        password = os.environ.get(PASSWORD_VARIABLE)
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; nothing was changed.")
        if not password:
            raise CommandError("The password is empty; nothing was changed.")
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        return password
