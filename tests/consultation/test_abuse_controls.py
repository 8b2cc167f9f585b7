"""Abuse controls without outside services: honeypot, form token and fill time, rate limits per
client address (trusted proxy hops, forged X-Forwarded-For) and per phone, proof of work."""

import hashlib
import hmac
from datetime import timedelta
from itertools import count

import pytest
from django.core import signing
from django.utils import timezone

from consultation.abuse import leading_zero_bits
from consultation.models import Comment
from planportal.clients import client_ip
from tests.consultation.submit_helpers import (
    challenge_payload,
    expired_form_token,
    form_token,
    payload,
    post_comment,
    solve,
)
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    settings.COMMENT_RATE_PER_IP = (3, 3600)
    settings.COMMENT_RATE_PER_PHONE = (2, 86400)
    settings.COMMENT_POW_AFTER = 100  # no challenge unless a test asks for one
    settings.POW_DIFFICULTY = 8
    settings.TRUSTED_PROXY_HOPS = 0
    return settings


def stored(consultation) -> int:
    return Comment.objects.filter(consultation=consultation).count()


def first_comment_made(consultation, *, ago: timedelta) -> None:
    """The consultation's first comment, as if it had come in ``ago``."""
    first = Comment.objects.filter(consultation=consultation).order_by("pk").first()
    Comment.objects.filter(pk=first.pk).update(created_at=timezone.now() - ago)


# -- honeypot, form token, fill time ----------------------------------------------------------


def test_a_filled_in_honeypot_is_refused(client, consultation):
    response = post_comment(client, consultation, payload(consultation, website="http://spam"))
    assert response.status_code == 400 and list(response.json()) == ["website"]
    assert stored(consultation) == 0


@pytest.mark.parametrize("token", ["", "forged", "a:b:c"])
def test_a_missing_or_forged_form_token_is_refused(client, consultation, token):
    response = post_comment(client, consultation, payload(consultation, form_token=token))
    assert response.status_code == 400 and rejected_with(response) == ("form_token", "form_invalid")


def test_a_form_token_of_another_consultation_is_refused(client, consultation):
    other = make_consultation(consultation.plan)
    response = post_comment(
        client, consultation, payload(consultation, form_token=form_token(other))
    )
    assert response.status_code == 400 and rejected_with(response) == ("form_token", "form_invalid")


def test_an_expired_form_token_is_refused(client, consultation):
    data = payload(consultation, form_token=expired_form_token(consultation))
    response = post_comment(client, consultation, data)
    assert response.status_code == 400 and rejected_with(response) == ("form_token", "form_expired")


def test_a_form_sent_faster_than_the_minimum_fill_time_is_refused(client, consultation, settings):
    settings.COMMENT_MIN_FILL_SECONDS = 5
    quick = post_comment(
        client, consultation, payload(consultation, form_token=form_token(consultation, age=1))
    )
    assert quick.status_code == 400 and rejected_with(quick) == ("form_token", "too_quick")
    slow = post_comment(
        client, consultation, payload(consultation, form_token=form_token(consultation, age=6))
    )
    assert slow.status_code == 201


def test_a_quick_form_with_mistakes_gets_both_messages_at_once(client, consultation, settings):
    settings.COMMENT_MIN_FILL_SECONDS = 5
    data = payload(consultation, phone="123", form_token=form_token(consultation, age=1))
    answer = post_comment(client, consultation, data).json()
    assert set(answer) == {"phone", "form_token", "code"} and answer["code"] == "too_quick"


def rejected_with(response) -> tuple[str, str]:
    """The one field a 400 answer names, and its code."""
    assert response.status_code == 400
    body = response.json()
    (field,) = set(body) - {"code"}
    return field, body["code"]


def test_the_form_endpoint_issues_a_token_the_submission_accepts(client, consultation, settings):
    settings.COMMENT_MIN_FILL_SECONDS = 0
    form = client.get(f"/api/consultations/{consultation.pk}/form/").json()
    assert form["is_open"] is True and form["challenge"] is None
    assert form["limits"]["body_max_chars"] > 0
    assert [s["code"] for s in form["stances"]] == ["support", "oppose", "suggest", "question"]
    assert form["privacy"]["paragraphs"]
    data = payload(consultation, form_token=form["form_token"])
    assert post_comment(client, consultation, data).status_code == 201


# -- who the client is --------------------------------------------------------------------------


def test_only_a_keyed_hash_of_the_address_is_stored(client, consultation):
    response = post_comment(client, consultation, ip="198.51.100.23")
    comment = Comment.objects.get(pk=response.json()["id"])
    assert "198.51.100.23" not in comment.client_key
    assert len(comment.client_key) == 64
    unkeyed = hashlib.sha256(b"198.51.100.23").hexdigest()
    assert comment.client_key != unkeyed
    assert not hmac.compare_digest(comment.client_key, hashlib.sha1(b"198.51.100.23").hexdigest())


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    meta = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_ip(meta) == "198.51.100.7"


def test_with_trusted_proxies_the_entry_they_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    forged = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7"}
    assert client_ip(forged) == "198.51.100.7"
    settings.TRUSTED_PROXY_HOPS = 2
    via_cdn = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, 198.51.100.7, 10.9.9.9"}
    assert client_ip(via_cdn) == "198.51.100.7"
    garbage = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.2.3.4, not-an-ip, 10.9.9.9"}
    assert client_ip(garbage) == "10.0.0.2"


# -- rate limits ---------------------------------------------------------------------------------


def test_a_client_over_its_limit_gets_429_with_retry_after(client, consultation, limits):
    for _ in range(3):
        assert post_comment(client, consultation, ip="198.51.100.7").status_code == 201
    refused = post_comment(client, consultation, ip="198.51.100.7")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert refused.json()["detail"]
    assert post_comment(client, consultation, ip="198.51.100.8").status_code == 201
    assert stored(consultation) == 4


def test_retry_after_counts_from_the_oldest_comment_in_the_window(client, consultation, limits):
    for _ in range(3):
        assert post_comment(client, consultation, ip="198.51.100.9").status_code == 201
    # The first of them was made 40 minutes ago: the window frees a place in 20 minutes.
    first_comment_made(consultation, ago=timedelta(minutes=40))
    refused = post_comment(client, consultation, ip="198.51.100.9")
    assert refused.status_code == 429
    assert 1195 <= int(refused.headers["Retry-After"]) <= 1205


def test_a_forged_forwarded_header_does_not_reset_the_limit(client, consultation, limits):
    for _ in range(3):
        post_comment(client, consultation, ip="198.51.100.7")
    forged = {"X-Forwarded-For": "203.0.113.99"}
    assert post_comment(client, consultation, ip="198.51.100.7", **forged).status_code == 429


def test_behind_a_proxy_forged_entries_left_of_the_proxys_do_not_reset_the_limit(
    client, consultation, limits
):
    limits.TRUSTED_PROXY_HOPS = 1
    for n in range(3):
        header = {"X-Forwarded-For": f"203.0.113.{n}, 198.51.100.7"}
        assert post_comment(client, consultation, ip="10.0.0.2", **header).status_code == 201
    header = {"X-Forwarded-For": "203.0.113.200, 198.51.100.7"}
    assert post_comment(client, consultation, ip="10.0.0.2", **header).status_code == 429
    other = {"X-Forwarded-For": "198.51.100.8"}
    assert post_comment(client, consultation, ip="10.0.0.2", **other).status_code == 201


def test_ipv6_clients_are_limited_per_64_network(client, consultation, limits):
    for n in range(3):
        post_comment(client, consultation, ip=f"2001:db8:1:2::{n + 1}")
    assert post_comment(client, consultation, ip="2001:db8:1:2:ffff::9").status_code == 429
    assert post_comment(client, consultation, ip="2001:db8:1:3::1").status_code == 201


def test_a_phone_number_over_its_limit_is_refused_on_the_phone_field(client, consultation, limits):
    for n in range(2):
        data = payload(consultation, phone="138 1234 5678")
        assert post_comment(client, consultation, data, ip=f"198.51.100.{n}").status_code == 201
    refused = post_comment(
        client, consultation, payload(consultation, phone="13812345678"), ip="198.51.100.9"
    )
    assert refused.status_code == 429 and "phone" in refused.json()
    other = post_comment(client, consultation, payload(consultation, phone="13912345678"))
    assert other.status_code == 201


def test_a_burst_is_refused_until_its_oldest_comment_leaves_the_minute(
    client, consultation, limits
):
    limits.COMMENT_RATE_PER_IP = (10, 3600)
    limits.COMMENT_BURST_PER_IP = (2, 60)
    for _ in range(2):
        assert post_comment(client, consultation, ip="198.51.100.20").status_code == 201
    first_comment_made(consultation, ago=timedelta(seconds=45))
    refused = post_comment(client, consultation, ip="198.51.100.20")
    assert refused.status_code == 429
    assert 14 <= int(refused.headers["Retry-After"]) <= 16
    # Out of the minute, it still counts for the hour: the client may send again.
    first_comment_made(consultation, ago=timedelta(minutes=5))
    assert post_comment(client, consultation, ip="198.51.100.20").status_code == 201
    assert stored(consultation) == 3


def test_comments_older_than_the_window_are_not_counted(client, consultation, limits):
    for _ in range(3):
        assert post_comment(client, consultation, ip="198.51.100.21").status_code == 201
    Comment.objects.filter(consultation=consultation).update(
        created_at=timezone.now() - timedelta(minutes=61)
    )
    assert post_comment(client, consultation, ip="198.51.100.21").status_code == 201


def test_a_phone_is_refused_until_its_oldest_comment_leaves_the_day(client, consultation, limits):
    for n in range(2):
        data = payload(consultation, phone="13812345600")
        assert (
            post_comment(client, consultation, data, ip=f"198.51.100.{30 + n}").status_code == 201
        )
    first_comment_made(consultation, ago=timedelta(hours=23))
    refused = post_comment(
        client, consultation, payload(consultation, phone="13812345600"), ip="198.51.100.39"
    )
    assert refused.status_code == 429 and "phone" in refused.json()
    assert 3595 <= int(refused.headers["Retry-After"]) <= 3605
    # Comments without a phone number are not counted against one.
    assert post_comment(client, consultation, ip="198.51.100.38").status_code == 201


# -- proof of work --------------------------------------------------------------------------


def test_a_client_near_its_limit_must_solve_a_challenge(client, consultation, limits):
    limits.COMMENT_POW_AFTER = 2
    for _ in range(2):
        assert post_comment(client, consultation).status_code == 201
    asked = post_comment(client, consultation)
    assert asked.status_code == 428
    challenge = asked.json()["challenge"]
    assert challenge["difficulty"] == 8
    solved = payload(
        consultation, challenge=challenge["token"], challenge_solution=solve(challenge)
    )
    answer = post_comment(client, consultation, solved)
    assert answer.status_code == 201
    assert (
        Comment.objects.get(pk=answer.json()["id"]).challenge_nonce
        == challenge_payload(challenge["token"])["n"]
    )


def test_the_form_endpoint_hands_out_the_challenge_once_it_is_due(client, consultation, limits):
    limits.COMMENT_POW_AFTER = 1
    url = f"/api/consultations/{consultation.pk}/form/"
    assert client.get(url, REMOTE_ADDR="203.0.113.10").json()["challenge"] is None
    post_comment(client, consultation)
    challenge = client.get(url, REMOTE_ADDR="203.0.113.10").json()["challenge"]
    assert challenge["token"] and challenge["difficulty"] == 8


def test_a_solved_challenge_pays_for_one_comment_only(client, consultation, limits):
    limits.COMMENT_POW_AFTER = 1
    post_comment(client, consultation)
    challenge = post_comment(client, consultation).json()["challenge"]
    solution = solve(challenge)
    first = payload(consultation, challenge=challenge["token"], challenge_solution=solution)
    assert post_comment(client, consultation, first).status_code == 201
    again = payload(consultation, challenge=challenge["token"], challenge_solution=solution)
    replay = post_comment(client, consultation, again)
    assert replay.status_code == 400 and list(replay.json()) == ["challenge"]


def test_a_wrong_or_foreign_solution_is_refused(client, consultation, limits):
    limits.COMMENT_POW_AFTER = 1
    limits.POW_DIFFICULTY = 12
    post_comment(client, consultation)
    challenge = post_comment(client, consultation).json()["challenge"]
    solution = solve(challenge)
    wrong = next(str(n) for n in count() if not solves(challenge, n))
    data = payload(consultation, challenge=challenge["token"], challenge_solution=wrong)
    assert post_comment(client, consultation, data).status_code == 400
    # The challenge was made for 203.0.113.10; another client cannot spend it.
    stolen = payload(consultation, challenge=challenge["token"], challenge_solution=solution)
    assert post_comment(client, consultation, stolen, ip="198.51.100.50").status_code == 400
    forged = signing.dumps({"n": "x" * 32, "d": 0, "k": "0" * 16}, salt="not-ours")
    data = payload(consultation, challenge=forged, challenge_solution="1")
    assert post_comment(client, consultation, data).status_code == 400


def solves(challenge: dict, counter: int) -> bool:
    digest = hashlib.sha256(f"{challenge['token']}:{counter}".encode()).digest()
    return leading_zero_bits(digest) >= challenge["difficulty"]
