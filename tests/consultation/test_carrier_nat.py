"""Residents behind one address (carrier NAT) and a script behind one address (issue 14,
item 3), with the limits as shipped: the proof of work lets a village's crowd through, the
per-minute ceiling stops a script, and a form token carries one comment.

Time passes by moving the stored comments back, which is what the limits count."""

from datetime import timedelta

import pytest
from django.db.models import F

from consultation.models import Comment
from tests.consultation.submit_helpers import form_token, payload, post_comment, solve

pytestmark = pytest.mark.django_db

CARRIER = "203.0.113.77"


@pytest.fixture
def shipped_limits(settings):
    """The defaults of planportal/settings.py, written out so the test says what it measures."""
    settings.COMMENT_RATE_PER_IP = (400, 3600)
    settings.COMMENT_BURST_PER_IP = (30, 60)
    settings.COMMENT_RATE_PER_PHONE = (5, 86400)
    settings.COMMENT_POW_AFTER = 10
    settings.POW_DIFFICULTY = 16
    settings.TRUSTED_PROXY_HOPS = 0
    return settings


def minutes_pass(consultation, minutes: float) -> None:
    Comment.objects.filter(consultation=consultation).update(
        created_at=F("created_at") - timedelta(minutes=minutes)
    )


def send_as_a_browser(client, consultation, data: dict, ip: str = CARRIER):
    """What comment-form.js does: send, and when asked, solve the challenge and send again."""
    answer = post_comment(client, consultation, data, ip=ip)
    if answer.status_code == 428:
        challenge = answer.json()["challenge"]
        paid = {**data, "challenge": challenge["token"], "challenge_solution": solve(challenge)}
        answer = post_comment(client, consultation, paid, ip=ip)
    return answer


def test_two_hundred_residents_behind_one_address_all_get_their_comment_in(
    client, consultation, shipped_limits
):
    statuses = []
    for resident in range(200):
        if resident and resident % 20 == 0:
            minutes_pass(consultation, 1)  # 20 a minute: 200 over ten minutes
        data = payload(
            consultation, phone=f"1380000{resident:04d}", body=f"村民{resident}：建议增设路灯。"
        )
        statuses.append(send_as_a_browser(client, consultation, data).status_code)
    assert statuses == [201] * 200
    stored = Comment.objects.filter(consultation=consultation)
    assert stored.count() == 200
    assert stored.exclude(challenge_nonce="").count() == 190  # all but the first 10 paid


def test_one_client_sending_a_hundred_comments_a_minute_is_stopped(
    client, consultation, shipped_limits
):
    statuses = [
        send_as_a_browser(client, consultation, payload(consultation)).status_code
        for _ in range(100)
    ]
    assert statuses == [201] * 30 + [429] * 70
    refused = post_comment(client, consultation, ip=CARRIER)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 60
    # Another address is not affected, and the minute passing lets the address in again.
    assert post_comment(client, consultation, ip="198.51.100.9").status_code == 201
    minutes_pass(consultation, 1)
    assert send_as_a_browser(client, consultation, payload(consultation)).status_code == 201


def test_a_client_that_does_not_solve_the_challenge_gets_ten_comments_an_hour(
    client, consultation, shipped_limits
):
    statuses = [post_comment(client, consultation, ip=CARRIER).status_code for _ in range(15)]
    assert statuses == [201] * 10 + [428] * 5


def test_a_form_token_carries_one_comment(client, consultation, shipped_limits):
    token = form_token(consultation)
    first = post_comment(client, consultation, payload(consultation, form_token=token))
    assert first.status_code == 201
    again = post_comment(
        client, consultation, payload(consultation, form_token=token, body="第二条意见。")
    )
    assert again.status_code == 400
    assert again.json()["code"] == "form_used" and list(again.json()) == ["form_token", "code"]
    assert Comment.objects.filter(consultation=consultation).count() == 1


def test_a_repeat_with_its_idempotency_key_is_still_answered_with_its_receipt(
    client, consultation, shipped_limits
):
    data = payload(consultation)
    first = post_comment(client, consultation, data, key="resident-1-retry")
    repeat = post_comment(client, consultation, data, key="resident-1-retry")
    assert (first.status_code, repeat.status_code) == (201, 201)
    assert first.json()["receipt_code"] == repeat.json()["receipt_code"]


def test_the_html_form_sent_twice_comes_back_with_a_fresh_token(client, consultation):
    token = form_token(consultation)
    fields = {
        "form_token": token,
        "body": "建议在村口增设公交站点。",
        "stance": "suggest",
        "consent_privacy": "on",
    }
    url = f"/consultations/{consultation.pk}/comment/"
    assert client.post(url, fields, REMOTE_ADDR=CARRIER).status_code == 302
    again = client.post(url, {**fields, "body": "再提一条。"}, REMOTE_ADDR=CARRIER)
    assert again.status_code == 400
    html = again.content.decode()
    assert 'name="form_token"' in html and f'value="{token}"' not in html
