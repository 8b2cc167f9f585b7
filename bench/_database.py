"""The benchmarks' database housekeeping."""

from django.db import connection


def vacuum(*models) -> None:
    """VACUUM (ANALYZE) the tables of ``models``: rows a benchmark deleted stay as dead rows
    until a vacuum, and where autovacuum is off (as on this project's CI machines) they slow
    whatever reads the table next, another benchmark included. Needs autocommit, which
    Django's connection has outside a transaction."""
    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
