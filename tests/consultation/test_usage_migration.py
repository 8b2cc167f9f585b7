"""Migration 0013 leaves the six-argument ``consultation_usage`` on a database that applied
the first version of 0012, which created it with seven arguments."""

import importlib

from django.db import connection

SEVEN_ARGUMENT_FUNCTION = """
CREATE FUNCTION consultation_usage(
    the_client text, client_since timestamptz, burst_since timestamptz, client_from timestamptz,
    the_phone text, phone_since timestamptz, the_form text,
    OUT by_client bigint, OUT client_oldest timestamptz,
    OUT by_client_burst bigint, OUT burst_oldest timestamptz,
    OUT by_phone bigint, OUT phone_oldest timestamptz,
    OUT form_used boolean)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    by_client := 0; by_client_burst := 0; by_phone := 0; form_used := false;
END
$$;
"""


def usage_signatures(cursor) -> list[str]:
    """The input arguments of each function of that name, as PostgreSQL names their types."""
    cursor.execute(
        "SELECT oidvectortypes(proargtypes) FROM pg_proc"
        " WHERE proname = 'consultation_usage' ORDER BY 1"
    )
    return [arguments for (arguments,) in cursor.fetchall()]


def test_the_migration_replaces_the_seven_argument_function(as_database_owner):
    migration = importlib.import_module("consultation.migrations.0013_comment_usage_six_arguments")
    with connection.cursor() as cursor:  # as on a database that applied the first 0012
        cursor.execute(
            "DROP FUNCTION consultation_usage("
            "text, timestamptz, timestamptz, text, timestamptz, text)"
        )
        cursor.execute(SEVEN_ARGUMENT_FUNCTION)
        assert len(usage_signatures(cursor)) == 1
        cursor.execute(migration.FORWARD)
        [arguments] = usage_signatures(cursor)
        assert arguments == (
            "text, timestamp with time zone, timestamp with time zone,"
            " text, timestamp with time zone, text"
        )
        cursor.execute(
            "SELECT * FROM consultation_usage('k', now() - interval '1 hour',"
            " now() - interval '1 minute', '', now(), 'no-such-form')"
        )
        assert cursor.fetchone() == (0, None, 0, None, 0, None, False)


def test_the_migration_keeps_the_six_argument_function_where_it_is_already(as_database_owner):
    migration = importlib.import_module("consultation.migrations.0013_comment_usage_six_arguments")
    with connection.cursor() as cursor:
        before = usage_signatures(cursor)
        cursor.execute(migration.FORWARD)
        assert usage_signatures(cursor) == before and len(before) == 1
