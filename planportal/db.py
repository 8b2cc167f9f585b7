"""Small helpers over Django's database cursor that work with psycopg 3 and psycopg2."""

from dataclasses import dataclass

from django.db import connection, models
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import signals


def select_last_result(cursor) -> None:
    """After one execute() of several statements (e.g. an advisory lock, then a count), make
    fetch*() read the LAST statement's result: psycopg 3 keeps every statement's result and
    starts at the first, psycopg2 keeps only the last."""
    if is_psycopg3:
        while cursor.nextset():
            pass


@dataclass(frozen=True)
class NewRow:
    """A new model instance as the parts of its INSERT: ``target`` ("table" (columns)),
    ``values`` (one placeholder per column, named v0, v1, ...), ``params`` for them and
    ``returning`` (the columns the database fills in). ``insert_new`` sends them as
    INSERT ... VALUES; a caller may send them as INSERT ... SELECT with a condition (the
    database coerces the selected values to the columns' types as it does VALUES)."""

    instance: object
    target: str
    values: str
    params: dict
    returning: str


def new_row(instance) -> NewRow:
    """``instance`` as a NewRow, as ``instance.save()`` would store it as a new row (field
    defaults and ``pre_save`` such as ``auto_now_add`` applied, pre-save signals sent when
    something listens), without Django compiling the INSERT anew on every call: for a model
    of 36 columns that compilation cost more CPU than the rest of a comment's database work
    (bench/README.md, comments.py). The SQL is kept per model and placeholder shape (a
    geometry in another SRID is transformed by its placeholder). For plain models only: no
    multi-table inheritance, no save() override. Send it, then call ``row_inserted``."""
    model = type(instance)
    meta = model._meta
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(sender=model, instance=instance, raw=False, using="default")
    columns = _columns.get(model)
    if columns is None:
        columns = _columns[model] = [
            _Column(field, _passes_through(field), hasattr(field, "get_placeholder"))
            for field in meta.local_concrete_fields
            if field is not meta.auto_field
        ]
    fields = [column.field for column in columns]
    values = [_db_value(column, instance) for column in columns]
    placeholders = tuple(
        column.field.get_placeholder(value, None, connection) if column.placeholder else "%s"
        for column, value in zip(columns, values, strict=True)
    )
    key = (model, placeholders)
    parts = _row_sql.get(key)
    if parts is None:
        quote = connection.ops.quote_name
        parts = (
            # Names from the model's metadata, values as parameters.
            "{} ({})".format(
                quote(meta.db_table), ", ".join(quote(field.column) for field in fields)
            ),
            ", ".join(
                placeholder.replace("%s", f"%(v{number})s")
                for number, placeholder in enumerate(placeholders)
            ),
            ", ".join(quote(field.column) for field in meta.db_returning_fields),
        )
        _row_sql[key] = parts
    params = {f"v{number}": value for number, value in enumerate(values)}
    return NewRow(instance, *parts[:2], params, parts[2])


def row_inserted(row: NewRow, returned) -> None:
    """Sets what the INSERT returned (``returned``: the values of ``row.returning``) on the
    instance, marks it stored and sends the post-save signal when something listens."""
    instance = row.instance
    model = type(instance)
    for field, value in zip(model._meta.db_returning_fields, returned, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias
    if signals.post_save.has_listeners(model):
        signals.post_save.send(
            sender=model, instance=instance, created=True, raw=False, using=connection.alias
        )


def insert_new(instance) -> None:
    """Store a new model instance with one INSERT ... RETURNING (see ``new_row``)."""
    row = new_row(instance)
    # Table and column names come from the model's metadata, values are parameters.
    statement = f"INSERT INTO {row.target} VALUES ({row.values}) RETURNING {row.returning}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, row.params)
        returned = cursor.fetchone()
    row_inserted(row, returned)


_row_sql: dict[tuple, tuple[str, str, str]] = {}


@dataclass(frozen=True)
class _Column:
    field: object
    # The value's type that the field stores as it is (see _passes_through), or None.
    plain_type: type | None
    # The field puts its own placeholder (e.g. ST_Transform(%s, 4326) for a geometry).
    placeholder: bool


_columns: dict[type, list[_Column]] = {}


def _passes_through(field) -> type | None:
    """For the field classes whose get_db_prep_save gives a value of this exact type back
    unchanged and whose pre_save only reads the attribute: that type. Their conversion was
    two thirds of building a comment's row; every other field, or a value of another type,
    goes through Django's own conversion."""
    if type(field) in (models.CharField, models.TextField, models.EmailField):
        return str
    if type(field) is models.BooleanField:
        return bool
    if type(field) is models.ForeignKey and type(field.target_field) in (
        models.AutoField,
        models.BigAutoField,
    ):
        return int
    return None


def _db_value(column: _Column, instance):
    field = column.field
    if column.plain_type is not None:
        value = getattr(instance, field.attname)
        if type(value) is column.plain_type or (value is None and column.plain_type is int):
            return value
    return field.get_db_prep_save(field.pre_save(instance, True), connection)
