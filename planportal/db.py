"""Small helpers over Django's database cursor that work with psycopg 3 and psycopg2."""

from django.db import connection
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import signals


def select_last_result(cursor) -> None:
    """After one execute() of several statements (e.g. an advisory lock, then a count), make
    fetch*() read the LAST statement's result: psycopg 3 keeps every statement's result and
    starts at the first, psycopg2 keeps only the last."""
    if is_psycopg3:
        while cursor.nextset():
            pass


def insert_new(instance) -> None:
    """Store a new model instance with one INSERT ... RETURNING, as ``instance.save()`` would
    for a new row (field defaults and ``pre_save`` such as ``auto_now_add`` applied, pre- and
    post-save signals sent when something listens, the primary key set), without Django
    compiling the INSERT anew on every call: for a model of 36 columns that compilation cost
    more CPU than the rest of a comment's database work (bench/README.md, comments.py). The
    statement is kept per model and placeholder shape (a geometry in another SRID is
    transformed by its placeholder). For plain models only: no multi-table inheritance, no
    save() override."""
    model = type(instance)
    meta = model._meta
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(sender=model, instance=instance, raw=False, using="default")
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    placeholders = tuple(
        _placeholder(field, value) for field, value in zip(fields, values, strict=True)
    )
    returning = meta.db_returning_fields
    key = (model, placeholders)
    statement = _insert_statements.get(key)
    if statement is None:
        quote = connection.ops.quote_name
        # Names from the model's metadata, values as parameters.
        statement = "INSERT INTO {} ({}) VALUES ({}) RETURNING {}".format(  # noqa: S608
            quote(meta.db_table),
            ", ".join(quote(field.column) for field in fields),
            ", ".join(placeholders),
            ", ".join(quote(field.column) for field in returning),
        )
        _insert_statements[key] = statement
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        row = cursor.fetchone()
    for field, value in zip(returning, row, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias
    if signals.post_save.has_listeners(model):
        signals.post_save.send(
            sender=model, instance=instance, created=True, raw=False, using=connection.alias
        )


_insert_statements: dict[tuple, str] = {}


def _placeholder(field, value) -> str:
    """What Django's INSERT compiler puts for the value: "%s", or e.g. ST_Transform(%s, 4326)
    for a geometry field."""
    if hasattr(field, "get_placeholder"):
        return field.get_placeholder(value, None, connection)
    return "%s"
