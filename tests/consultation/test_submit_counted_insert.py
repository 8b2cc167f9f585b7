"""A comment is counted and stored in one message to PostgreSQL (consultation/abuse.py
count_and_insert: the advisory locks, then one statement that counts and inserts only when
the counts allow it), which runs as a transaction of its own. Parallel requests of one client
through a real gunicorn server, outside any test transaction, must still store exactly as
many comments as a limit allows, and a refused request nothing."""

import json
import time

import pytest
from django.core import signing

from consultation.abuse import FORM_TOKEN_SALT
from consultation.models import Comment
from tests.conftest import gunicorn_serving, server_database_url, server_environment
from tests.consultation.submit_helpers import comments_url, payload, post_at_once
from tests.factories import make_consultation, make_plan

PARALLEL = 16


@pytest.fixture(scope="module")
def committed_consultation(django_db_setup, django_db_blocker):
    """A consultation the server can see (committed before any test transaction); it and
    its comments are removed afterwards."""
    with django_db_blocker.unblock():
        plan = make_plan(slug="counted-insert-town")
        consultation = make_consultation(plan)
    yield consultation
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()
        plan.delete()


@pytest.fixture(scope="module")
def server(django_db_setup):
    """The portal with its shipped limits (10 comments an hour before a challenge, 5 a day
    per phone), one trusted proxy hop so each test speaks for an address of its own."""
    env = server_environment(
        DATABASE_URL=server_database_url(), DATABASE_CONN_MAX_AGE="60", TRUSTED_PROXY_HOPS="1"
    )
    with gunicorn_serving(env, "--workers", "2", "--threads", "4") as base:
        yield base


def post_in_parallel(base: str, consultation, address: str, **fields) -> list[int]:
    """PARALLEL comments of one client at once, each with a form token of its own."""
    bodies = [
        json.dumps(
            payload(
                consultation,
                form_token=signing.dumps(
                    {"c": consultation.pk, "t": time.time() - 60, "n": number},
                    salt=FORM_TOKEN_SALT,
                ),
                **fields,
            )
        ).encode()
        for number in range(PARALLEL)
    ]
    answers = post_at_once(
        f"{base}{comments_url(consultation)}", bodies, {"X-Forwarded-For": address}
    )
    return sorted(status for status, _ in answers)


def stored(consultation, **where) -> int:
    return Comment.objects.filter(consultation=consultation, **where).count()


@pytest.mark.django_db
def test_parallel_comments_of_one_client_stop_at_the_challenge(server, committed_consultation):
    consultation = committed_consultation
    statuses = post_in_parallel(server, consultation, "198.51.100.21")
    # COMMENT_POW_AFTER = 10: the eleventh and later must solve a challenge first.
    assert statuses == [201] * 10 + [428] * (PARALLEL - 10), statuses
    assert stored(consultation) == 10


@pytest.mark.django_db
def test_parallel_comments_with_one_phone_stop_at_its_limit(server, committed_consultation):
    consultation = committed_consultation
    before = stored(consultation)
    statuses = post_in_parallel(server, consultation, "198.51.100.22", phone="13700001111")
    # COMMENT_RATE_PER_PHONE = 5 a day; refused on the phone field with 429.
    assert statuses == [201] * 5 + [429] * (PARALLEL - 5), statuses
    assert stored(consultation, phone="13700001111") == 5
    assert stored(consultation) == before + 5
