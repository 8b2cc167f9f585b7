"""The same POST with the same Idempotency-Key makes one comment and returns the same receipt,
also when the requests race each other through a real gunicorn server."""

import json
import uuid

import pytest
from django.db import connection

from consultation.models import Comment
from tests.consultation.submit_helpers import (
    comments_url,
    form_token,
    payload,
    post_at_once,
    post_comment,
)
from tests.factories import make_consultation, make_plan

pytestmark = pytest.mark.django_db


def test_a_repeated_post_with_the_same_key_gets_the_same_receipt(client, consultation):
    data = payload(consultation)
    first = post_comment(client, consultation, data, key="retry-after-a-lost-answer")
    second = post_comment(client, consultation, data, key="retry-after-a-lost-answer")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Comment.objects.filter(consultation=consultation).count() == 1


def test_a_replay_is_answered_even_after_the_form_token_expired(client, consultation):
    data = payload(consultation)
    first = post_comment(client, consultation, data, key="retry-much-later-1")
    data["form_token"] = "expired-by-now"
    again = post_comment(client, consultation, data, key="retry-much-later-1")
    assert again.status_code == 201 and again.json() == first.json()


def test_another_key_makes_another_comment(client, consultation):
    # The same opinion from a second form (a form token carries one comment).
    a = post_comment(client, consultation, payload(consultation), key="first-opinion-key")
    b = post_comment(client, consultation, payload(consultation), key="second-opinion-key")
    assert a.json()["receipt_code"] != b.json()["receipt_code"]


def test_a_key_reused_for_a_different_opinion_is_a_conflict(client, consultation):
    post_comment(client, consultation, payload(consultation), key="reused-key-123")
    other = post_comment(
        client, consultation, payload(consultation, body="另一条意见"), key="reused-key-123"
    )
    assert other.status_code == 409 and list(other.json()) == ["idempotency_key"]
    assert Comment.objects.filter(consultation=consultation).count() == 1


def test_a_repeat_from_a_fresh_form_gets_the_first_receipt(client, consultation):
    # The page was reloaded (a new form token) and the opinion sent again with its key: the
    # unique index on the key keeps the second one out, and it is answered as a replay.
    first = post_comment(client, consultation, payload(consultation), key="reloaded-form-key")
    again = post_comment(client, consultation, payload(consultation), key="reloaded-form-key")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Comment.objects.filter(consultation=consultation).count() == 1


def test_storing_a_comment_does_not_read_the_consultations_comments(client, consultation):
    # The statistics of a table analysed while it was empty, as on a new site in the first
    # minute of its first consultation: a look-up of the key that the planner may route
    # through another index read every comment of the consultation, for every comment.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consultation_comment")
    Comment.objects.bulk_create(
        Comment(
            consultation=consultation,
            body="建议在村口增设公交站点。",
            stance="suggest",
            consent_privacy=True,
            client_key=f"another-client-{number}",
            idempotency_key=f"earlier-opinion-{number:04d}",
            receipt_code=f"EARLIER{number:04d}",
        )
        for number in range(EARLIER_COMMENTS)
    )
    before = comment_rows_read()
    response = post_comment(client, consultation, key="one-more-opinion-key")
    assert response.status_code == 201
    assert comment_rows_read() - before < EARLIER_COMMENTS / 10


EARLIER_COMMENTS = 400


def comment_rows_read() -> int:
    """Rows of the comment table this transaction read, by scans and through indexes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)"
            " FROM pg_stat_xact_user_tables WHERE relname = 'consultation_comment'"
        )
        return cursor.fetchone()[0]


def test_a_malformed_key_is_refused(client, consultation):
    response = post_comment(client, consultation, key="short")
    assert response.status_code == 400 and list(response.json()) == ["idempotency_key"]


# -- racing requests through gunicorn -------------------------------------------------------


@pytest.fixture(scope="module")
def committed_consultation(django_db_setup, django_db_blocker):
    """A consultation the live server can see (module scope: made before the test's own
    transaction begins, so it is committed); it and its comments are removed afterwards."""
    with django_db_blocker.unblock():
        plan = make_plan(slug="race-town")
        consultation = make_consultation(plan)
    yield consultation
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()
        plan.delete()


def test_racing_posts_with_one_key_make_exactly_one_comment(live_url, committed_consultation):
    consultation = committed_consultation
    body = json.dumps(payload(consultation, form_token=form_token(consultation))).encode()
    key = uuid.uuid4().hex
    answers = [
        (status, json.loads(body) if status == 201 else body.decode())
        for status, body in post_at_once(
            f"{live_url}{comments_url(consultation)}", [body] * 8, {"Idempotency-Key": key}
        )
    ]
    assert [status for status, _ in answers] == [201] * 8, answers
    assert len({answer["receipt_code"] for _, answer in answers}) == 1
    assert Comment.objects.filter(consultation=consultation).count() == 1
