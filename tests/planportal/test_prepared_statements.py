"""planportal/db.py execute_prepared: a statement is prepared once per database session and
run by EXECUTE, with the answers the statement sent as text gives; the leading statements go
in the same message; where a prepared statement cannot be kept (a pooler in transaction mode,
a statement PostgreSQL will not prepare) or was dropped, the statement still answers."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from planportal import db
from planportal.db import execute_prepared, execute_quoted, select_last_result

VALUES = {
    "when": datetime(2026, 12, 8, 8, 30, tzinfo=UTC),
    "numbers": [1, 70000, 5_000_000_000],
    "text": "引号' 反斜杠\\ 百分号 %s",
    "nothing": None,
    "count": 42,
}


def a_statement() -> str:
    """A statement of its own for each test: the test database's connection outlives a test,
    and so do the statements prepared in its session."""
    marker = uuid.uuid4().hex
    return (
        f"SELECT '{marker}' AS marker, %(when)s::timestamptz, %(numbers)s::bigint[],"
        " %(text)s::text, %(nothing)s::integer, %(count)s::integer + 1, '100%%'"
    )


def answer(wrapper, run) -> tuple:
    with wrapper.cursor() as cursor:
        run(cursor)
        select_last_result(cursor)
        return cursor.fetchone()


def prepared_in_session(wrapper, statement: str) -> list[str]:
    """The statements of ``wrapper``'s session prepared from ``statement`` (by its marker)."""
    marker = statement.split("'")[1]
    with wrapper.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM pg_prepared_statements WHERE statement LIKE %s", [f"%{marker}%"]
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db
def test_a_statement_is_prepared_once_and_answers_as_sent_as_text():
    statement = a_statement()
    as_text = answer(connection, lambda cursor: execute_quoted(cursor, statement, VALUES))
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert answer(connection, lambda c: execute_prepared(c, statement, VALUES)) == as_text
    # The PREPARE has a savepoint of its own inside the test's transaction.
    sent = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert [q.startswith("PREPARE ") for q in sent].count(True) == 1
    assert all(q.startswith("EXECUTE planportal_") for q in sent if not q.startswith("PREPARE"))
    assert len(prepared_in_session(connection, statement)) == 1
    other = {**VALUES, "text": "另一个", "nothing": 7, "numbers": []}
    again = answer(connection, lambda cursor: execute_prepared(cursor, statement, other))
    assert again[3:6] == ("另一个", 7, 43) and again[2] == []


@pytest.fixture
def other_session(db):
    """A second connection of the test database, outside the test's transaction (its own
    statements commit at once, as a server's do)."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    yield other
    other.close()


def test_the_leading_statements_and_the_statement_run_as_one_transaction(other_session):
    """Outside a transaction the message is one implicit transaction: what a leading
    statement sets for the transaction (SET LOCAL, an advisory lock) holds for the prepared
    statement, and is gone after it."""
    reads = "SELECT current_setting('planportal.probe', true) AS probe, %(count)s::int"
    sets = ["SELECT set_config('planportal.probe', %(text)s, true)"]
    assert not other_session.in_atomic_block
    for _ in range(2):
        values = {"text": "在同一事务中", "count": 1}
        got = answer(other_session, lambda c: execute_prepared(c, reads, values, leading=sets))
        assert got == ("在同一事务中", 1)
        with other_session.cursor() as cursor:
            cursor.execute("SELECT current_setting('planportal.probe', true)")
            assert cursor.fetchone()[0] in ("", None)


def test_each_session_prepares_its_own_and_a_dropped_statement_is_prepared_again(other_session):
    statement = a_statement()
    expected = answer(connection, lambda cursor: execute_quoted(cursor, statement, VALUES))
    for wrapper in (connection, other_session, connection):
        got = answer(wrapper, lambda cursor: execute_prepared(cursor, statement, VALUES))
        assert got == expected
        assert len(prepared_in_session(wrapper, statement)) == 1

    # Dropped behind the portal's back (DEALLOCATE, DISCARD ALL): outside a transaction the
    # call is sent again after a new PREPARE.
    (name,) = prepared_in_session(other_session, statement)
    with other_session.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {name}")
    again = answer(other_session, lambda cursor: execute_prepared(cursor, statement, VALUES))
    assert again == expected
    assert prepared_in_session(other_session, statement) == [name]

    # Inside a transaction the failed EXECUTE ended it (here its savepoint): the error is
    # raised, and the next call prepares the statement again.
    with connection.cursor() as cursor:
        cursor.execute(f"DEALLOCATE {name}")
    with pytest.raises(DatabaseError, match="does not exist"), transaction.atomic():
        answer(connection, lambda cursor: execute_prepared(cursor, statement, VALUES))
    prepared_again = answer(connection, lambda c: execute_prepared(c, statement, VALUES))
    assert prepared_again == expected
    assert prepared_in_session(connection, statement) == [name]


@pytest.mark.django_db
def test_behind_a_transaction_pooler_the_statement_is_sent_as_text(settings):
    settings.DATABASE_TRANSACTION_POOLING = True
    statement = a_statement()
    with CaptureQueriesContext(connection) as queries:
        got = answer(connection, lambda cursor: execute_prepared(cursor, statement, VALUES))
    assert got[5] == 43
    assert [query["sql"].startswith("SELECT '") for query in queries] == [True]
    assert prepared_in_session(connection, statement) == []


@pytest.mark.django_db
def test_a_statement_postgres_will_not_prepare_is_sent_as_text(caplog):
    # PostgreSQL cannot tell the type of a parameter that is only tested for NULL.
    marker = uuid.uuid4().hex
    statement = f"SELECT '{marker}', %(nothing)s IS NULL"
    for _ in range(2):
        got = answer(connection, lambda cursor: execute_prepared(cursor, statement, VALUES))
        assert got == (marker, True)
    assert "not prepared" in caplog.text
    assert statement in db._unpreparable
    # The refused PREPARE had a savepoint of its own: the test's transaction goes on.
    assert answer(connection, lambda cursor: cursor.execute("SELECT 1")) == (1,)


@pytest.mark.django_db
def test_a_session_keeps_a_bounded_number_of_statements(monkeypatch):
    monkeypatch.setattr(db, "MAX_PREPARED_PER_SESSION", 0)
    statement = a_statement()
    got = answer(connection, lambda cursor: execute_prepared(cursor, statement, VALUES))
    assert got[5] == 43 and prepared_in_session(connection, statement) == []


def test_only_named_placeholders_are_taken():
    with pytest.raises(ValueError, match="named"):
        db._prepared_form("SELECT %s, %s")
    form = db._prepared_form("SELECT %(a)s, %(b)s, %(a)s, '100%%'")
    assert form.numbered == "SELECT $1, $2, $1, '100%'"
    assert form.call == f"EXECUTE {form.name}(%(a)s, %(b)s)"
