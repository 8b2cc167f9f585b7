-- Run by scripts/ensure-database.sh as the superuser, once, on a database made before the
-- owner role existed, when the application's role "planportal" owned the database and every
-- table: the database, and each table, view, sequence, function and type that role owns in
-- it, now belong to "planportal_owner". Databases of other names (test databases) are left
-- alone, which REASSIGN OWNED would not do.
ALTER DATABASE :"database" OWNER TO planportal_owner;
DO $$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
        WHERE pg_get_userbyid(c.relowner) = 'planportal' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO planportal_owner',
            CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, item.name);
    END LOOP;
    -- Sequences that belong to a column moved with their table above.
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE pg_get_userbyid(c.relowner) = 'planportal' AND c.relkind = 'S'
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO planportal_owner', item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        WHERE pg_get_userbyid(p.proowner) = 'planportal'
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO planportal_owner', item.name);
    END LOOP;
    -- Enum, domain and composite types (procrastinate's); a table's row type moved with it.
    FOR item IN
        SELECT t.oid::regtype AS name FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE pg_get_userbyid(t.typowner) = 'planportal'
            AND (t.typtype IN ('e', 'd') OR c.relkind = 'c')
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO planportal_owner', item.name);
    END LOOP;
    FOR item IN
        SELECT n.nspname AS name FROM pg_namespace n
        WHERE pg_get_userbyid(n.nspowner) = 'planportal'
    LOOP
        EXECUTE format('ALTER SCHEMA %I OWNER TO planportal_owner', item.name);
    END LOOP;
END
$$;
