"""Django's ``migrate``, run as the owner of the database (planportal/db_roles.py), then
granting the application's role its rights on the tables the migrations made."""

from django.core.management.commands import migrate

from planportal.db_roles import as_owner, grant_to_application


class Command(migrate.Command):
    def handle(self, *args, **options):
        alias = options["database"]
        with as_owner(alias) as app_role:
            super().handle(*args, **options)
            grant_to_application(alias, app_role)
