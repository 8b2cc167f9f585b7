"""Small helpers over Django's database cursor that work with psycopg 3 and psycopg2."""

from django.db.backends.postgresql.psycopg_any import is_psycopg3


def select_last_result(cursor) -> None:
    """After one execute() of several statements (e.g. an advisory lock, then a count), make
    fetch*() read the LAST statement's result: psycopg 3 keeps every statement's result and
    starts at the first, psycopg2 keeps only the last."""
    if is_psycopg3:
        while cursor.nextset():
            pass
