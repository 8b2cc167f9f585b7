"""Makes the audit trail append-only in PostgreSQL itself: triggers refuse UPDATE, DELETE and
TRUNCATE for every role, including the table's owner. Only the owner (or a superuser) can
switch the triggers off, so the application logs in as another role that owns nothing
(planportal/db_roles.py, README "Database roles")."""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION planportal_audit_forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER planportal_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON planportal_auditevent
    FOR EACH ROW EXECUTE FUNCTION planportal_audit_forbid_change();
CREATE TRIGGER planportal_auditevent_no_truncate
    BEFORE TRUNCATE ON planportal_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION planportal_audit_forbid_change();
"""

ALLOW = """
DROP TRIGGER IF EXISTS planportal_auditevent_no_truncate ON planportal_auditevent;
DROP TRIGGER IF EXISTS planportal_auditevent_no_update_delete ON planportal_auditevent;
DROP FUNCTION IF EXISTS planportal_audit_forbid_change();
"""


class Migration(migrations.Migration):
    dependencies = [("planportal", "0003_audit_event")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
