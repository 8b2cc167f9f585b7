"""Django's ``migrate``, run as the owner of the database (planportal/db_roles.py), then
granting the application's role its rights on the tables the migrations made."""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import OperationalError

from planportal.db_roles import as_owner, grant_to_application


class Command(migrate.Command):
    def handle(self, *args, **options):
        alias = options["database"]
        with as_owner(alias) as app_role:
            try:
                super().handle(*args, **options)
            except OperationalError as error:
                owner = (settings.DATABASE_OWNER or {}).get("USER")
                if owner and owner in str(error):
                    raise CommandError(
                        f"The owner role {owner!r} cannot log in: {error}\nLocally, "
                        "`make database` (scripts/ensure-database.sh) creates it; elsewhere "
                        "set MIGRATION_DATABASE_URL (README, 'Database roles')."
                    ) from error
                raise
            grant_to_application(alias, app_role)
