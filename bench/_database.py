"""The benchmarks' database housekeeping."""

from django.db import connection

from planportal.db_roles import as_owner


def vacuum(*models) -> None:
    """VACUUM (ANALYZE) the tables of ``models``: rows a benchmark deleted stay as dead rows
    until a vacuum, and where autovacuum is off (as on this project's CI machines) they slow
    whatever reads the table next, another benchmark included. As the tables' owner: the
    application's role may not vacuum them (PostgreSQL skips them with a warning only, which
    left 117,000 dead comments behind the comment benchmark's counts). Needs autocommit,
    which Django's connection has outside a transaction."""
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
