"""Two database roles, so the application cannot rewrite its own audit trail.

- The owner (``settings.DATABASE_OWNER``, ``planportal_owner`` locally) owns the database, its
  tables, triggers and functions, and runs ``manage.py migrate`` (the ``migrate`` command of
  this app wraps Django's in ``as_owner``).
- The application's role (``DATABASE_URL``, ``planportal``) owns nothing. After every
  migration the owner grants it SELECT, INSERT, UPDATE and DELETE on every table, but only
  SELECT and INSERT on the append-only tables (sql/application_role.sql).

PostgreSQL lets only a table's owner (or a superuser) disable or drop its triggers, so the
triggers that refuse UPDATE, DELETE and TRUNCATE on the trail (planportal migration 0004,
trail migration 0002) now bind the application too; before, it owned the tables and could
switch them off.

Where no owner is configured (``DATABASE_URL`` set, ``MIGRATION_DATABASE_URL`` not), the
migrations run as the application's role, which then owns the trail: ``migrate`` says so and
what the database administrator must do (README, "Database roles").
"""

import contextlib
import sys
from pathlib import Path

from django.conf import settings
from django.db import connections

GRANTS = Path(__file__).with_name("sql") / "application_role.sql"
FORBID_FUNCTION = "planportal_audit_forbid_change"

UNPROTECTED = """\
WARNING: the audit trail is not protected from the application's own role.
The migrations ran as {role!r}, the role the portal logs in as, which therefore owns the
audit tables and may switch their append-only triggers off. Set MIGRATION_DATABASE_URL to a
role that owns the database (and is not {role!r}), or have the database administrator run:
  ALTER DATABASE <the database> OWNER TO <another role>;  -- else {role!r} owns its schema
  ALTER TABLE <each audit table> OWNER TO <another role>;  -- tables: {tables}
  ALTER FUNCTION {function}() OWNER TO <another role>;
  GRANT SELECT, INSERT ON <each audit table> TO {role};
See the README, "Database roles".
"""


# alias -> the application's log-in, while the connection logs in as the owner.
_application_logins: dict[str, dict] = {}


@contextlib.contextmanager
def as_owner(alias: str = "default"):
    """The connection ``alias`` logs in as the owner inside the block (its database stays the
    one configured, a test database included), then as before; yields the application's
    role."""
    saved = log_in_as_owner(alias)
    try:
        yield application_role(alias)
    finally:
        log_in_again(alias, saved)


def application_role(alias: str = "default") -> str:
    """The role the application logs in as, whoever the connection logs in as now."""
    saved = _application_logins.get(alias)
    return saved["USER"] if saved else connections[alias].settings_dict["USER"]


def log_in_as_owner(alias: str = "default") -> dict:
    """Makes the connection's next log-in the owner's; returns the application's log-in to
    give to ``log_in_again`` (nothing when the owner's is already in use, or no owner other
    than the application's role is configured)."""
    connection = connections[alias]
    owner = settings.DATABASE_OWNER
    if alias in _application_logins or not owner:
        return {}
    if owner.get("USER") in (None, "", connection.settings_dict["USER"]):
        return {}
    saved = {key: connection.settings_dict.get(key) for key in owner}
    _application_logins[alias] = saved
    connection.close()
    connection.settings_dict.update(owner)
    return saved


def log_in_again(alias: str, saved: dict) -> None:
    """Undoes ``log_in_as_owner``: the connection logs in as the application again."""
    if saved:
        _application_logins.pop(alias, None)
        connections[alias].close()
        connections[alias].settings_dict.update(saved)


def grant_to_application(alias: str, app_role: str) -> None:
    """Run by the owner after a migration: the application's rights on every table."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == app_role:
            warn_if_unprotected(cursor, app_role)
            return
        cursor.execute("SELECT set_config('planportal.app_role', %s, false)", [app_role])
        cursor.execute(GRANTS.read_text(encoding="utf-8"))


def audit_tables(cursor) -> list[tuple[str, str]]:
    """The append-only tables (those with a trigger calling the forbid function) and their
    owners."""
    cursor.execute(
        "SELECT DISTINCT c.relname, pg_get_userbyid(c.relowner) FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
        "WHERE p.proname = %s ORDER BY 1",
        [FORBID_FUNCTION],
    )
    return cursor.fetchall()


def warn_if_unprotected(cursor, app_role: str) -> None:
    owned = [table for table, owner in audit_tables(cursor) if owner == app_role]
    if owned:
        message = UNPROTECTED.format(
            role=app_role, tables=", ".join(owned), function=FORBID_FUNCTION
        )
        sys.stderr.write(message)
