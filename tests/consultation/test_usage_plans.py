"""The rate limits' counts (consultation_usage, migration 0012) are planned once per connection,
before the values are known and maybe while the comment table is small: the plans made then
must still read only the client's and the phone's comments of the window once the table holds
thousands, and never another index."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from consultation.models import Comment
from planportal.clients import client_key
from tests.consultation.submit_helpers import payload, post_comment

pytestmark = pytest.mark.django_db

CROWD = "198.51.100.50"
PHONE = "13812345000"


@pytest.fixture
def limits(settings):
    settings.COMMENT_RATE_PER_IP = (50, 3600)
    settings.COMMENT_BURST_PER_IP = (50, 60)
    settings.COMMENT_RATE_PER_PHONE = (5, 86400)
    settings.COMMENT_POW_AFTER = 1000
    settings.TRUSTED_PROXY_HOPS = 0
    return settings


def earlier_comments(consultation, count: int, *, key: str, phone: str = "", age: timedelta):
    """``count`` comments of the client ``key`` made ``age`` ago, stored with that time (not
    moved there by an UPDATE, whose superseded index entries would be read too)."""
    created = Comment._meta.get_field("created_at")
    created.auto_now_add = False
    try:
        Comment.objects.bulk_create(
            Comment(
                consultation=consultation,
                body="建议在村口增设公交站点。",
                stance="suggest",
                consent_privacy=True,
                client_key=key,
                phone=phone,
                idempotency_key=f"{key[:20]}-{age.total_seconds():.0f}-{number:05d}",
                receipt_code=f"E{abs(hash((key, age))) % 10**8:08d}{number:05d}",
                created_at=timezone.now() - age,
            )
            for number in range(count)
        )
    finally:
        created.auto_now_add = True


def index_pages_read() -> dict[str, int]:
    """Pages of the comment table's indexes this transaction read, by index."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_stat_get_xact_blocks_fetched(c.oid)"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'consultation_comment'::regclass"
        )
        return dict(cursor.fetchall())


def test_counts_planned_at_a_small_table_read_only_the_window_when_it_is_large(
    client, consultation, limits
):
    # A new site: the table analysed while empty, thirty comments, and the first comment of
    # this connection makes the plans (DISCARD PLANS: any made by earlier tests are dropped).
    Comment.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE consultation_comment")
        for number in range(30):
            earlier_comments(consultation, 1, key=f"early-{number}", age=timedelta(minutes=number))
        cursor.execute("DISCARD PLANS")
    first = post_comment(client, consultation, payload(consultation, phone=PHONE), ip=CROWD)
    assert first.status_code == 201

    # Then the table grows: the crowd's address and the phone sent many comments yesterday,
    # other addresses many within the hour.
    crowd = client_key(CROWD)
    earlier_comments(consultation, 1500, key=crowd, phone=PHONE, age=timedelta(hours=30))
    earlier_comments(consultation, 1500, key="other-address", age=timedelta(minutes=5))
    earlier_comments(consultation, 3, key=crowd, phone=PHONE, age=timedelta(minutes=10))

    before = index_pages_read()
    again = post_comment(client, consultation, payload(consultation, phone=PHONE), ip=CROWD)
    assert again.status_code == 201  # yesterday's comments are not counted
    read = {name: pages - before.get(name, 0) for name, pages in index_pages_read().items()}
    # The pages that hold the client's and the phone's comments of the window (the first one
    # and the three), not the ones of yesterday's 1,500 (about 30 pages in either index), and
    # no other index but the form token's and those the new comment is written into.
    assert read["comment_client_recent_idx"] <= 6
    assert read["comment_phone_recent_idx"] <= 6
    assert read["comment_arrival_idx"] <= 3  # the new comment's entry only
    assert read["comment_queue_idx"] <= 3


def test_the_counts_see_every_comment_of_the_window(client, consultation, limits):
    limits.COMMENT_RATE_PER_PHONE = (3, 86400)
    with connection.cursor() as cursor:
        cursor.execute("DISCARD PLANS")
    crowd = client_key(CROWD)
    earlier_comments(consultation, 2, key=crowd, phone=PHONE, age=timedelta(hours=20))
    earlier_comments(consultation, 5, key=crowd, phone=PHONE, age=timedelta(hours=25))
    first = post_comment(client, consultation, payload(consultation, phone=PHONE), ip=CROWD)
    assert first.status_code == 201
    refused = post_comment(client, consultation, payload(consultation, phone=PHONE), ip=CROWD)
    assert refused.status_code == 429 and "phone" in refused.json()
