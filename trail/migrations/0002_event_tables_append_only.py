"""The event tables are append-only in PostgreSQL itself, as planportal.AuditEvent is (its
migration 0004 made the function used here): triggers refuse UPDATE, DELETE and TRUNCATE for
every role, the application's own included.

Plain SQL rather than pgtrigger.Protect: Protect cannot refuse TRUNCATE (a statement-level
Protect needs transition tables, which TRUNCATE has none of), and every pgtrigger trigger
steps aside for a session that sets ``pgtrigger.ignore``, which any role may set. A new event
table needs its two triggers in a migration like this one (tests/trail checks every table).
"""

from django.db import migrations

TABLES = [
    "trail_planevent",
    "trail_chapterevent",
    "trail_sectionevent",
    "trail_indicatorevent",
    "trail_consultationevent",
    "trail_layerevent",
    "trail_userevent",
    "trail_usergroupevent",
]


def forbid(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION planportal_audit_forbid_change();
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION planportal_audit_forbid_change();
"""


def allow(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
"""


class Migration(migrations.Migration):
    dependencies = [
        ("planportal", "0004_audit_event_append_only"),
        ("trail", "0001_event_tables"),
    ]

    operations = [migrations.RunSQL(forbid(table), allow(table)) for table in TABLES]
