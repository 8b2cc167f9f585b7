"""Migration 0013 leaves the six-argument ``consultation_usage`` on a database that applied
the first version of 0012, which created it with seven arguments."""

import importlib

from django.db import connection

usage_function = importlib.import_module("consultation.migrations.0012_comment_usage_function")
migration = importlib.import_module("consultation.migrations.0013_comment_usage_six_arguments")


def seven_argument_function() -> str:
    """0012's function as its first version declared it: the start of the client's longer
    window (``client_from``) as a fourth argument."""
    six = "burst_since timestamptz,\n"
    if six not in usage_function.FORWARD:
        raise ValueError("0012's argument list changed: write the seven arguments out here")
    return usage_function.FORWARD.replace(
        six, "burst_since timestamptz, client_from timestamptz,\n"
    )


def usage_signatures(cursor) -> list[str]:
    """The input arguments of each function of that name, as PostgreSQL names their types."""
    cursor.execute(
        "SELECT oidvectortypes(proargtypes) FROM pg_proc"
        " WHERE proname = 'consultation_usage' ORDER BY 1"
    )
    return [arguments for (arguments,) in cursor.fetchall()]


def test_the_migration_replaces_the_seven_argument_function(as_database_owner):
    with connection.cursor() as cursor:  # as on a database that applied the first 0012
        cursor.execute(usage_function.BACKWARD)
        cursor.execute(seven_argument_function())
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
    with connection.cursor() as cursor:
        before = usage_signatures(cursor)
        cursor.execute(migration.FORWARD)
        assert usage_signatures(cursor) == before and len(before) == 1
