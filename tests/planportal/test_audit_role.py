"""The application's own database role cannot rewrite the audit trail (planportal/db_roles.py).

These tests run as the role the portal logs in as (``planportal`` locally), on the test
database the owner role created and migrated, exactly as `make run` sets them up; each
statement an intruder holding DATABASE_URL would try is refused by PostgreSQL itself."""

import psycopg
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from planportal.audit import record
from planportal.db_roles import FORBID_FUNCTION, audit_tables
from planportal.models import AuditEvent, Plan

pytestmark = pytest.mark.django_db

INSUFFICIENT_PRIVILEGE = "42501"
TABLES = ["planportal_auditevent", "trail_sectionevent"]
ATTEMPTS = {
    "update": "UPDATE {table} SET {column} = {column}",
    "delete": "DELETE FROM {table}",
    "truncate": "TRUNCATE {table}",
    "disable all triggers": "ALTER TABLE {table} DISABLE TRIGGER USER",
    "disable the trigger": "ALTER TABLE {table} DISABLE TRIGGER {table}_no_update_delete",
    "drop the trigger": "DROP TRIGGER {table}_no_update_delete ON {table}",
    "drop the truncate trigger": "DROP TRIGGER {table}_no_truncate ON {table}",
    "take the table": "ALTER TABLE {table} OWNER TO CURRENT_USER",
    "drop the table": "DROP TABLE {table}",
}
FIRST_COLUMN = {"planportal_auditevent": "summary", "trail_sectionevent": "title"}


@pytest.fixture(autouse=True)
def _owner_configured():
    if not settings.DATABASE_OWNER:
        pytest.fail(
            "no owner role configured (DATABASE_URL without MIGRATION_DATABASE_URL): the tests "
            "run as the only role, which owns the trail; see README, 'Database roles'"
        )


def refused(statement: str) -> DatabaseError:
    with (
        pytest.raises(DatabaseError) as caught,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    return caught.value


def test_the_tests_run_as_the_application_role_which_owns_nothing():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        role, superuser = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        owned = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        )
        database_owner = cursor.fetchone()[0]
    assert role == settings.DATABASES["default"]["USER"] != settings.DATABASE_OWNER["USER"]
    assert (superuser, owned) == (False, 0)
    assert database_owner == settings.DATABASE_OWNER["USER"]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_postgresql_refuses_the_application_role_to_rewrite_the_trail(first_plan, table, attempt):
    record(None, "plan.publish", first_plan, summary="kept")
    statement = ATTEMPTS[attempt].format(table=table, column=FIRST_COLUMN[table])
    error = refused(statement)
    assert error.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE, error
    assert AuditEvent.objects.filter(summary="kept").exists()


def test_the_function_behind_the_triggers_cannot_be_replaced():
    error = refused(
        f"CREATE OR REPLACE FUNCTION {FORBID_FUNCTION}() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END; $$"
    )
    assert error.__cause__.sqlstate == INSUFFICIENT_PRIVILEGE, error


def test_every_append_only_table_is_owned_by_the_owner_and_only_readable_and_appendable():
    tables = audit_tables(connection.cursor())
    assert {"planportal_auditevent", "trail_sectionevent", "trail_userevent"} <= {
        table for table, _owner in tables
    }
    with connection.cursor() as cursor:
        for table, owner in tables:
            assert owner == settings.DATABASE_OWNER["USER"], table
            cursor.execute(
                "SELECT has_table_privilege(%s, 'SELECT'), has_table_privilege(%s, 'INSERT'), "
                "has_table_privilege(%s, 'UPDATE'), has_table_privilege(%s, 'DELETE'), "
                "has_table_privilege(%s, 'TRUNCATE')",
                [table] * 5,
            )
            assert cursor.fetchone() == (True, True, False, False, False), table


def test_the_application_still_writes_everything_else(first_plan):
    first_plan.name = "改名后的规划"
    first_plan.save()
    event = record(None, "plan.publish", first_plan, summary="still appended")
    assert AuditEvent.objects.get(pk=event.pk).summary == "still appended"
    assert Plan.objects.get(pk=first_plan.pk).name == "改名后的规划"


# --- the triggers, the second line: they refuse the owner too ------------------------------


@pytest.fixture
def owner_cursor():
    """A connection of the owner to the test database, in a transaction rolled back at the
    end (it sees none of the test's own uncommitted rows)."""
    database = connection.settings_dict
    owner = settings.DATABASE_OWNER
    with psycopg.connect(
        dbname=database["NAME"],
        user=owner["USER"],
        password=owner["PASSWORD"],
        host=owner.get("HOST") or database["HOST"],
        port=owner.get("PORT") or database["PORT"],
    ) as owner_connection:
        with owner_connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO planportal_auditevent (at, actor_name, action, object_type, "
                "object_id, summary, client_key) VALUES (now(), '', 'plan.publish', "
                "'planportal.plan', '0', 'kept', '') RETURNING id"
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as a commit would check them
            yield cursor
        owner_connection.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE planportal_auditevent SET summary = 'rewritten'",
        "DELETE FROM planportal_auditevent",
        "TRUNCATE planportal_auditevent",
        # pgtrigger's switch, which any role may set, leaves these triggers on.
        "SELECT set_config('pgtrigger.ignore', "
        "'{planportal_auditevent_no_update_delete}', true); DELETE FROM planportal_auditevent",
    ],
)
def test_the_triggers_refuse_even_the_owner(owner_cursor, statement):
    owner_cursor.execute("SAVEPOINT attempt")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        owner_cursor.execute(statement)
    owner_cursor.execute("ROLLBACK TO SAVEPOINT attempt")
    owner_cursor.execute("SELECT count(*) FROM planportal_auditevent WHERE summary = 'kept'")
    assert owner_cursor.fetchone()[0] >= 1
