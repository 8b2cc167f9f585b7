"""Small helpers over Django's database cursor that work with psycopg 3 and psycopg2."""

import functools
import hashlib
import logging
import threading
import weakref
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.contrib.postgres.fields import ArrayField
from django.db import DatabaseError, connection, models, transaction
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import signals

if is_psycopg3:
    from psycopg._queries import _query2pg_client_nocache, _query2pg_nocache
    from psycopg.adapt import Transformer
    from psycopg.client_cursor import PostgresClientQuery


# Run before a public read's statement in the same simple-query message, so both hold for that
# statement only (SET LOCAL, in the message's implicit transaction); then select_last_result.
# Such a statement (a tile, a page of OGC API items) costs a few milliseconds: JIT costs more
# than it saves, and a parallel worker takes longer to start than the statement's work (10 ms
# of a 3 ms page of 1,000 parcels); for tiles it cost a quarter of the throughput with eight
# clients (docs/architecture.md; bench/README.md: tiles_vs_tipg.py, OGC API items).
SMALL_STATEMENT_SETTINGS = "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0;"


def select_last_result(cursor) -> None:
    """After one execute() of several statements (e.g. an advisory lock, then a count), make
    fetch*() read the LAST statement's result: psycopg 3 keeps every statement's result and
    starts at the first, psycopg2 keeps only the last."""
    if is_psycopg3:
        while cursor.nextset():
            pass


def execute_quoted(cursor, statement: str, params) -> None:
    """``cursor.execute(statement, params)`` with the values quoted into the statement as the
    client-side cursor quotes them, by one psycopg Transformer kept per thread and database.

    psycopg 3 gives each execute() a new Transformer, which looks up the dumper of every
    value's type afresh (a list's by its elements, a datetime's by its time zone): for a
    comment's counting INSERT of 49 values that look-up cost three times the quoting itself,
    120 of 160 us (bench/README.md, comments.py). The kept Transformer has each type's dumper
    from the first statement on. The quoting is psycopg's own (the connection's escaping), and
    the statement goes without parameters, so psycopg does not read it for placeholders again."""
    if not is_psycopg3:
        cursor.execute(statement, params)
        return
    raw = cursor.connection  # psycopg's connection (Django's wrapper passes the attribute on)
    kept = _kept.by_alias.get(cursor.db.alias)
    if kept is None or kept[0] is not raw:
        # A Transformer holds its connection: it is replaced, never kept beside a new one, so
        # a connection closed and opened again (CONN_MAX_AGE) is not held on to.
        kept = _kept.by_alias[cursor.db.alias] = (raw, Transformer(raw))
    query = PostgresClientQuery(kept[1])
    if params is None:
        query.convert(statement, params)
    else:
        # psycopg keeps its split of a statement into text and placeholders only up to 4,096
        # bytes and 50 parameters; a comment's counting INSERT is longer, and splitting it
        # afresh was 3% of the comment's Python. The split is psycopg's own, kept here.
        query.template, query._order, query._parts = _split(statement, kept[1].encoding)
        query.dump(params)
    cursor.execute(query.query)


@functools.lru_cache(maxsize=256)
def _split(statement: str, encoding: str) -> tuple:
    """psycopg's split of ``statement`` for quoting on the client (template, names, parts)."""
    return _query2pg_client_nocache(statement.encode(encoding), encoding)


class _KeptTransformers(threading.local):
    """Per thread (Django's connections are per thread): database alias -> (psycopg
    connection, its Transformer)."""

    def __init__(self):
        self.by_alias: dict[str, tuple] = {}


_kept = _KeptTransformers()


# -- statements prepared once per database session ------------------------------------------------

logger = logging.getLogger(__name__)

# A session keeps at most this many of them (each holds its parsed statement and plan in the
# server's memory); beyond, statements are sent as text.
MAX_PREPARED_PER_SESSION = 64
_NO_SUCH_PREPARED_STATEMENT = "26000"
_PREPARED_STATEMENT_EXISTS = "42P05"
# psycopg connection -> the names of the statements prepared in its session. Keyed by the
# connection itself, which dies with its session: a new connection starts with none.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_prepared_lock = threading.Lock()
# Statements PostgreSQL would not prepare (a parameter whose type it cannot tell): sent as text.
_unpreparable: set[str] = set()


def execute_prepared(cursor, statement: str, params: dict, *, leading: Sequence[str] = ()):
    """The ``leading`` statements, then ``statement``, in one message, as execute_quoted sends
    them (one round trip; outside a transaction, one implicit transaction), with ``statement``
    prepared once per database session (PREPARE) and run by EXECUTE with the values quoted
    into it. PostgreSQL then parses, analyses and plans it once per session instead of on
    every call: for a comment's counting INSERT that was 0.3 ms of PostgreSQL's 1.4 ms per
    comment (bench/README.md, comments.py). ``params`` are named (``%(name)s``); the leading
    statements may use them too.

    Sent as text, as execute_quoted sends it, where a prepared statement cannot be kept:
    behind a pooler in transaction mode (DATABASE_TRANSACTION_POOLING: the next transaction
    may run in another server session), with psycopg2, for a statement PostgreSQL will not
    prepare, and beyond MAX_PREPARED_PER_SESSION. A session whose statements were dropped
    (DEALLOCATE, DISCARD) prepares them again: outside a transaction the call is then sent
    again, since the failed message ran as one transaction and changed nothing."""
    name = _prepared_name(cursor, statement)
    if name is None:
        execute_quoted(cursor, ";\n".join([*leading, statement]), params)
        return
    call = ";\n".join([*leading, _prepared_form(statement).call])
    try:
        execute_quoted(cursor, call, params)
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) != _NO_SUCH_PREPARED_STATEMENT:
            raise
        _session_statements(cursor).clear()
        if cursor.db.in_atomic_block or _prepared_name(cursor, statement) != name:
            raise
        execute_quoted(cursor, call, params)


def _prepared_name(cursor, statement: str) -> str | None:
    """The name ``statement`` is prepared under in the cursor's session (prepared now if it
    was not), or None when it is to be sent as text."""
    if not is_psycopg3 or settings.DATABASE_TRANSACTION_POOLING or statement in _unpreparable:
        return None
    prepared = _session_statements(cursor)
    form = _prepared_form(statement)
    name = form.name
    if name in prepared:
        return name
    if len(prepared) >= MAX_PREPARED_PER_SESSION:
        return None
    # Inside a transaction, a savepoint: a refused PREPARE leaves the transaction usable.
    in_transaction = cursor.db.in_atomic_block
    try:
        with transaction.atomic(using=cursor.db.alias) if in_transaction else nullcontext():
            cursor.execute(f"PREPARE {name} AS {form.numbered}")
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) != _PREPARED_STATEMENT_EXISTS:
            logger.warning("Sent as text, not prepared: %s (%s)", statement[:200], error)
            _unpreparable.add(statement)
            return None
    # PREPARE is not undone by a rollback: the statement lives as long as the session.
    prepared.add(name)
    return name


def _session_statements(cursor) -> set[str]:
    raw = cursor.connection  # psycopg's connection (Django's wrapper passes the attribute on)
    with _prepared_lock:
        return _prepared.setdefault(raw, set())


@dataclass(frozen=True)
class _Prepared:
    """A statement's prepared form, made once per statement (not per call)."""

    name: str  # a digest of the statement's text
    numbered: str  # the statement with its named placeholders as $1, $2, ...
    call: str  # EXECUTE name(%(first)s, ...): execute_quoted quotes the values into it


@functools.lru_cache(maxsize=256)
def _prepared_form(statement: str) -> _Prepared:
    """``statement``'s name, its text with numbered placeholders (psycopg's own conversion)
    and the EXECUTE that runs it with a placeholder per parameter, in the order of their
    numbers."""
    query, _formats, order, parts = _query2pg_nocache(statement.encode(), "utf-8")
    if order is None and len(parts) > 1:
        raise ValueError("execute_prepared takes named placeholders only")
    name = "planportal_" + hashlib.sha256(statement.encode()).hexdigest()[:24]
    arguments = ", ".join(f"%({parameter})s" for parameter in order or ())
    call = f"EXECUTE {name}({arguments})" if arguments else f"EXECUTE {name}"
    return _Prepared(name, query.decode(), call)


@dataclass(frozen=True)
class NewRow:
    """A new model instance as the parts of its INSERT: ``target`` ("table" (columns)),
    ``values`` (one placeholder per column, named v0, v1, ..., NULL for a value that is None,
    or the SQL expression the caller computes the column with), ``params`` for them,
    ``returning`` (the columns the database fills in, and the computed ones) and
    ``returned_fields`` (their fields, in that order). They are sent as INSERT ... VALUES or,
    with a condition, as INSERT ... SELECT (the database coerces the selected values to the
    columns' types as it does VALUES)."""

    instance: object
    target: str
    values: str
    params: dict
    returning: str
    returned_fields: tuple


def new_row(instance, computed: dict[str, str] | None = None) -> NewRow:
    """``instance`` as a NewRow, as ``instance.save()`` would store it as a new row (field
    defaults and ``pre_save`` such as ``auto_now_add`` applied, pre-save signals sent when
    something listens), without Django compiling the INSERT anew on every call: for a model
    of 36 columns that compilation cost more CPU than the rest of a comment's database work
    (bench/README.md, comments.py). The SQL is kept per model and placeholder shape (a
    geometry in another SRID is transformed by its placeholder). For plain models only: no
    multi-table inheritance, no save() override. Send it, then call ``row_inserted``.

    ``computed`` maps field names to SQL expressions the caller's statement computes them
    with (its own query's columns, never a value from outside): the row takes them instead of
    the instance's values, and the INSERT returns them for ``row_inserted`` to set.

    A value that is None is written as NULL into the statement, as psycopg would quote it:
    the same SQL with fewer parameters, and psycopg keeps its parsed form of a statement only
    up to 50 parameters (parsing a comment's counting INSERT afresh cost 160 us)."""
    model = type(instance)
    meta = model._meta
    computed = computed or {}
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(sender=model, instance=instance, raw=False, using="default")
    columns = _columns.get(model)
    if columns is None:
        columns = _columns[model] = [
            _Column(field, _passes_through(field), _fixed_placeholder(field))
            for field in meta.local_concrete_fields
            if field is not meta.auto_field
        ]
    shape = []  # per column: the caller's expression, NULL, or the value's placeholder
    values = []
    for column in columns:
        field = column.field
        expression = computed.get(field.attname)
        if expression is not None:
            shape.append(expression)
            continue
        value = _db_value(column, instance)
        if value is None:
            shape.append("NULL")
            continue
        values.append(value)
        shape.append(column.placeholder or field.get_placeholder(value, None, connection))
    key = (model, tuple(shape))
    sql = _row_sql.get(key)
    if sql is None:
        sql = _row_sql[key] = _row_parts(model, columns, shape, computed)
    params = dict(zip(sql.names, values, strict=True))
    return NewRow(instance, sql.target, sql.values, params, sql.returning, sql.returned_fields)


@dataclass(frozen=True)
class _RowSQL:
    """The SQL of a NewRow, kept per model and shape of row."""

    target: str
    values: str
    returning: str
    returned_fields: tuple
    names: tuple  # of the parameters, in the order of the row's values


def _row_parts(model, columns, shape, computed) -> _RowSQL:
    """The INSERT's parts for one shape of row."""
    meta = model._meta
    quote = connection.ops.quote_name
    names = []
    placeholders = []
    for column, placeholder in zip(columns, shape, strict=True):
        if column.field.attname in computed or placeholder == "NULL":
            placeholders.append(placeholder)
            continue
        names.append(f"v{len(names)}")
        placeholders.append(placeholder.replace("%s", f"%({names[-1]})s"))
    returned = tuple(meta.db_returning_fields) + tuple(
        column.field for column in columns if column.field.attname in computed
    )
    # Names from the model's metadata, values as parameters or the caller's SQL.
    target = "{} ({})".format(
        quote(meta.db_table), ", ".join(quote(column.field.column) for column in columns)
    )
    returning = ", ".join(quote(field.column) for field in returned)
    return _RowSQL(target, ", ".join(placeholders), returning, returned, tuple(names))


def row_inserted(row: NewRow, returned) -> None:
    """Sets what the INSERT returned (``returned``: the values of ``row.returning``) on the
    instance, marks it stored and sends the post-save signal when something listens."""
    instance = row.instance
    model = type(instance)
    for field, value in zip(row.returned_fields, returned, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias
    if signals.post_save.has_listeners(model):
        signals.post_save.send(
            sender=model, instance=instance, created=True, raw=False, using=connection.alias
        )


_row_sql: dict[tuple, _RowSQL] = {}


@dataclass(frozen=True)
class _Column:
    field: object
    # The value's type that the field stores as it is (see _passes_through), or None.
    plain_type: type | None
    # The field's placeholder when it is the same for every value (an array's "%s::type[]"),
    # or "" when the field has none of its own ("%s") or one that depends on the value (a
    # geometry in another SRID is transformed by its placeholder): asked of the field.
    placeholder: str


_columns: dict[type, list[_Column]] = {}


def _passes_through(field) -> type | None:
    """For the field classes whose get_db_prep_save gives a value of this exact type back
    unchanged and whose pre_save only reads the attribute: that type. Their conversion was
    two thirds of building a comment's row; every other field, or a value of another type,
    goes through Django's own conversion. Dates and geometries pass only None through (a
    comment's unset dates and a comment without a drawn place: a tenth of its row's cost)."""
    if type(field) in (models.CharField, models.TextField, models.EmailField):
        return str
    if type(field) is models.BooleanField:
        return bool
    if type(field) is models.ForeignKey and type(field.target_field) in (
        models.AutoField,
        models.BigAutoField,
    ):
        return int
    if type(field) in (models.DateTimeField, models.DateField):
        # auto_now and auto_now_add set the value in pre_save
        return None if field.auto_now or field.auto_now_add else type(None)
    if isinstance(field, GeometryField):
        return type(None)
    return None


def _fixed_placeholder(field) -> str:
    if not hasattr(field, "get_placeholder"):
        return "%s"
    if isinstance(field, ArrayField):
        return field.get_placeholder(None, None, connection)  # the array's type cast
    return ""


def _db_value(column: _Column, instance):
    field = column.field
    if column.plain_type is not None:
        value = getattr(instance, field.attname)
        if type(value) is column.plain_type or (value is None and column.plain_type is int):
            return value
    return field.get_db_prep_save(field.pre_save(instance, True), connection)
