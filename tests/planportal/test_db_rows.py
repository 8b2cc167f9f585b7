"""planportal/db.py: values quoted by a Transformer kept per connection (execute_quoted) give
the statement psycopg's own client-side quoting gives, and a new row (new_row) stores what
Model.save() stores, with its None values written as NULL and columns the caller computes."""

import gc
import weakref
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.contrib.gis.geos import Point
from django.db import DEFAULT_DB_ALIAS, connection, connections

from consultation.models import Comment
from planportal.db import execute_quoted, new_row, row_inserted
from tests.factories import make_consultation, make_plan

pytestmark = pytest.mark.django_db

VALUES = {
    "when": datetime(2026, 12, 7, 8, 30, tzinfo=timezone(timedelta(hours=8))),
    "numbers": [1, 70000, 5_000_000_000],
    "names": ["甲村", "it's", "100%"],
    "raw": b"\x00\x01'\\",
    "text": "引号' 反斜杠\\ 百分号 %s %(when)s",
    "nothing": None,
    "yes": True,
    "count": 42,
    "ratio": 0.25,
}
STATEMENT = (
    "SELECT %(when)s, %(numbers)s, %(names)s, %(raw)s, %(text)s, %(nothing)s, %(yes)s,"
    " %(count)s, %(ratio)s, %(when)s"
)


def sent_and_answered(run) -> tuple[bytes, tuple]:
    with connection.cursor() as cursor:
        run(cursor)
        # psycopg's own record of the statement it sent
        return cursor.cursor._query.query, cursor.fetchone()


def test_values_are_quoted_as_psycopg_quotes_them():
    plain = sent_and_answered(lambda cursor: cursor.execute(STATEMENT, VALUES))
    kept = sent_and_answered(lambda cursor: execute_quoted(cursor, STATEMENT, VALUES))
    assert kept == plain
    answer = kept[1]
    assert answer[0] == VALUES["when"] == answer[-1]
    assert answer[1] == VALUES["numbers"]
    assert answer[3] == VALUES["raw"]
    assert answer[4] == VALUES["text"]
    assert answer[5] is None


def test_a_long_statement_is_quoted_as_psycopg_quotes_it_each_time():
    """Beyond 4,096 bytes or 50 parameters psycopg splits a statement afresh for every
    execute(); execute_quoted keeps the split, and each new set of values must still be
    quoted into it as psycopg would."""
    columns = [f"%(value_{number})s AS column_{number:03d}" for number in range(60)]
    statement = "SELECT " + ", ".join(columns) + ", '100%%' AS literal" + " " * 3000
    assert len(statement) > 4096
    for round_ in range(3):
        values = {f"value_{n}": [f"'{round_}{n}'", n, None, 0.5][n % 4] for n in range(60)}
        plain = sent_and_answered(lambda cursor, v=values: cursor.execute(statement, v))
        kept = sent_and_answered(lambda cursor, v=values: execute_quoted(cursor, statement, v))
        assert kept == plain
        assert kept[1][0] == values["value_0"] and kept[1][-1] == "100%"
    positional = "SELECT %s, %s, '100%%'" + " " * 4100
    sent = sent_and_answered(lambda cursor: execute_quoted(cursor, positional, ["a'b", 7]))
    assert sent == sent_and_answered(lambda cursor: cursor.execute(positional, ["a'b", 7]))


def test_a_type_quoted_before_is_quoted_by_its_own_value_again():
    """The kept Transformer keeps each type's dumper: a list of small numbers first must not
    make a later list of large ones overflow, nor a naive datetime take an aware one's form."""
    statement = "SELECT %(numbers)s, %(when)s"
    small = {"numbers": [1, 2], "when": datetime(2026, 1, 1, tzinfo=UTC)}
    large = {"numbers": [1, 5_000_000_000], "when": datetime(2026, 1, 1, 8)}
    for values in (small, large, small):
        with connection.cursor() as cursor:
            execute_quoted(cursor, statement, values)
            assert cursor.fetchone()[0] == values["numbers"]


def test_each_connection_quotes_with_its_own_transformer_and_lets_the_old_one_go():
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        for wrapper, word in ((connection, "first"), (other, "second"), (connection, "third")):
            with wrapper.cursor() as cursor:
                execute_quoted(cursor, "SELECT %(a)s", {"a": word})
                assert cursor.fetchone() == (word,)
        closed = weakref.ref(other.connection)
        other.close()  # as CONN_MAX_AGE closes it; the next cursor opens a new connection
        with other.cursor() as cursor:
            execute_quoted(cursor, "SELECT %(a)s", {"a": "fourth"})
            assert cursor.fetchone() == ("fourth",)
        gc.collect()
        assert closed() is None  # not held by a kept Transformer
    finally:
        other.close()


def inserted(row) -> None:
    statement = f"INSERT INTO {row.target} VALUES ({row.values}) RETURNING {row.returning}"  # noqa: S608
    with connection.cursor() as cursor:
        execute_quoted(cursor, statement, row.params)
        returned = cursor.fetchone()
    row_inserted(row, returned)


def stored_fields(comment: Comment) -> dict:
    stored = Comment.objects.get(pk=comment.pk)
    skip = {"id", "receipt_code", "created_at", "form_token_digest"}
    return {
        field.attname: getattr(stored, field.attname)
        for field in Comment._meta.concrete_fields
        if field.attname not in skip
    }


def a_comment(consultation, **fields) -> Comment:
    return Comment(
        consultation=consultation,
        body="建议增设公交站点。",
        stance="suggest",
        consent_privacy=True,
        client_key="k" * 64,
        **fields,
    )


@pytest.mark.parametrize("drawn", [Point(112.0, 38.0, srid=4326), None])
def test_a_new_row_stores_what_save_stores(drawn):
    consultation = make_consultation(make_plan(slug="new-row-town"))
    by_row = a_comment(consultation, drawn=drawn, villages=["甲村"], form_token_digest="a")
    row = new_row(by_row)
    # None values (the section, the layer, the feature, the dates not yet set) are NULL in
    # the statement, not parameters
    assert "NULL" in row.values
    assert None not in row.params.values()
    inserted(row)
    by_save = a_comment(consultation, drawn=drawn, villages=["甲村"], form_token_digest="b")
    by_save.save()
    assert by_row.pk is not None and not by_row._state.adding
    assert stored_fields(by_row) == stored_fields(by_save)


def test_a_computed_column_is_taken_from_the_statement_and_set_on_the_instance():
    consultation = make_consultation(make_plan(slug="computed-row-town"))
    comment = a_comment(consultation, villages=["not", "these"], form_token_digest="c")
    row = new_row(comment, {"villages": "computed.villages"})
    assert "computed.villages" in row.values
    assert [field.attname for field in row.returned_fields] == ["id", "villages"]
    statement = (
        "WITH computed AS (SELECT ARRAY['乙村', '丙村'] AS villages) "  # noqa: S608
        f"INSERT INTO {row.target} SELECT {row.values} FROM computed RETURNING {row.returning}"
    )
    with connection.cursor() as cursor:
        execute_quoted(cursor, statement, row.params)
        row_inserted(row, cursor.fetchone())
    assert comment.villages == ["乙村", "丙村"]
    assert Comment.objects.get(pk=comment.pk).villages == ["乙村", "丙村"]
