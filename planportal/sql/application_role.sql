-- What the application's role may do in the portal's database, run by the owner of the tables
-- after every `manage.py migrate` (planportal/db_roles.py) and by scripts/ensure-database.sh
-- when it hands an older database over to the owner. The role is read from the setting
-- planportal.app_role, set in the same session.
--
-- Read and write every table and sequence, but on the append-only tables (those whose
-- triggers call planportal_audit_forbid_change: planportal_auditevent and the trail's event
-- tables) only SELECT and INSERT. Owning nothing, the role cannot disable or drop a trigger,
-- replace the function behind it, or drop a table either.
DO $$
DECLARE
    app name := current_setting('planportal.app_role');
    audit_table regclass;
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), app);
    EXECUTE format(
        'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO %I',
        current_schema(), app);
    EXECUTE format(
        'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), app);
    FOR audit_table IN
        SELECT DISTINCT t.tgrelid::regclass
        FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE p.proname = 'planportal_audit_forbid_change'
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %I', audit_table, app);
    END LOOP;
END
$$;
