"""Comment POSTs answered in front of Django (``comment_submission_app`` in
consultation/fastpath.py, wrapped around the WSGI application in planportal/wsgi.py).

Each request is made in-process against the real PostGIS test database, through the fast path
with a recorder behind it (so a test knows the fast path answered and Django did not), and
through Django's own WSGI handler with the whole middleware stack and DRF. The answers must be
the same: status, headers and body; of a stored comment, its id and receipt code aside. What
the fast path leaves to Django (an unknown consultation, a body that is not a JSON object, a
photo, another media type, a host Django refuses) reaches Django with its body intact and
nothing written before. The served application (gunicorn, the fast path in front) is what
test_submit_counted_insert.py and test_submit_idempotency.py post to in parallel.
"""

import json
import re

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import OperationalError
from django.test import override_settings

from consultation.fastpath import (
    APPLIED,
    FAST_BODY_BYTES,
    LOCALE_MIDDLEWARE,
    SKIPPED,
    _language_from_unprefixed_path,
    answering_chain,
    comment_submission_app,
)
from consultation.models import Comment
from tests.consultation.submit_helpers import comments_url, expired_form_token, payload
from tests.factories import make_consultation
from tests.wsgi_calls import (  # noqa: F401 (on_the_tests_connection: autouse)
    Downstream,
    call,
    on_the_tests_connection,
    readable,
)

JSON = "application/json"
RECEIPT = re.compile(rb'"id":\d+,"receipt_code":"([0-9A-Z]+)"')


def post(application, consultation, data, *, path=None, content_type=JSON, **headers):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return call(
        application,
        path or comments_url(consultation),
        "POST",
        body=body,
        content_type=content_type,
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        **headers,
    )


def through_the_fast_path(consultation, data, **headers):
    """The fast path's answer, which it must give itself."""
    downstream = Downstream()
    answer = post(comment_submission_app(downstream), consultation, data, **headers)
    assert downstream.paths == [], "the fast path handed the comment on to Django"
    return answer


def through_django(consultation, data, **headers):
    return post(WSGIHandler(), consultation, data, **headers)


def without_receipt(answer) -> tuple[str, dict, bytes]:
    """The answer with the stored comment's id and receipt code blanked."""
    status, headers, body = answer
    found, body = readable(headers, body)
    match = RECEIPT.search(body)
    if match:
        code = match.group(1)
        body = RECEIPT.sub(b'"id":0,"receipt_code":"-"', body).replace(code, b"-")
        found["Location"] = found["Location"].replace(code.decode(), "-")
        found.pop("Content-Length", None)  # the id's digits
    return status, found, body


def stored(consultation) -> int:
    return Comment.objects.filter(consultation=consultation).count()


# -- a stored comment --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "headers"),
    [
        ({}, {}),  # on the plan as a whole
        ({"section": "3.2", "phone": "138 0013 8000", "name": "张三"}, {}),
        ({"geometry": "the plan's centre"}, {}),
        ({}, {"Accept_Language": "en"}),
        ({}, {"Accept_Encoding": "gzip"}),
        # Malformed cookies: the session one is deleted, a new CSRF token set, as Django does.
        ({}, {"Cookie": "sessionid=nothing; csrftoken=nothing"}),
        ({}, {"Authorization": "Token nothing"}),  # the view authenticates nobody
    ],
)
def test_a_comment_is_stored_and_answered_as_django_does(plan, consultation, fields, headers):
    if "geometry" in fields:
        centre = list(plan.extent.centroid.coords)
        fields = {**fields, "geometry": {"type": "Point", "coordinates": centre}}
    fast = through_the_fast_path(consultation, payload(consultation, **fields), **headers)
    django = through_django(consultation, payload(consultation, **fields), **headers)

    assert fast[0] == django[0] == "201 Created"
    assert without_receipt(fast) == without_receipt(django)
    assert stored(consultation) == 2
    code = json.loads(readable(*fast[1:])[1])["receipt_code"]
    comment = Comment.objects.get(receipt_code=code)
    found = dict(fast[1])
    # What the skipped middleware must not have been needed for, said outright.
    assert found["Content-Type"] == JSON
    assert found["Location"] == f"/api/receipts/{code}/"
    assert found["Allow"] == "POST, OPTIONS"
    assert found["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" in found
    assert found["Content-Language"] == ("en" if headers.get("Accept_Language") else "zh-hans")
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in found["Vary"].split(",")}
    assert comment.body == payload(consultation)["body"]
    assert comment.section_id is not None if "section" in fields else comment.section_id is None


def test_a_repeat_with_its_key_gets_the_first_receipt_either_way(consultation):
    data = payload(consultation)
    first = through_the_fast_path(consultation, data, Idempotency_Key="repeat-0001")
    again = through_django(consultation, data, Idempotency_Key="repeat-0001")
    third = through_the_fast_path(consultation, data, Idempotency_Key="repeat-0001")

    assert first[0] == again[0] == third[0] == "201 Created"
    assert again[2] == third[2] == first[2]
    assert dict(third[1])["Idempotent-Replayed"] == "true"
    assert readable(*again[1:]) == readable(*third[1:])
    assert stored(consultation) == 1


# -- refusals, answered here as DRF answers them --------------------------------------------------


def refusals(consultation) -> dict[str, tuple[dict, dict]]:
    return {
        "no body": ({**payload(consultation), "body": ""}, {}),
        "stance": (payload(consultation, stance="maybe"), {}),
        "honeypot": (payload(consultation, website="http://spam.example"), {}),
        "form token": (payload(consultation, form_token="forged"), {}),
        "expired token": (payload(consultation, form_token=expired_form_token(consultation)), {}),
        "section": (payload(consultation, section="9.9"), {}),
        "two targets": (
            payload(consultation, section="3.2", collection_id="x", feature_id=1),
            {},
        ),
        "feature": (payload(consultation, collection_id="no-such-layer", feature_id=10**20), {}),
        "outside": (
            payload(consultation, geometry={"type": "Point", "coordinates": [100.0, 30.0]}),
            {},
        ),
        "phone": (payload(consultation, phone="12345"), {}),
        "key": (payload(consultation), {"Idempotency_Key": "bad key!"}),
        "english": ({**payload(consultation), "stance": ""}, {"Accept_Language": "en"}),
    }


@pytest.mark.parametrize(
    "case",
    [
        "no body",
        "stance",
        "honeypot",
        "form token",
        "expired token",
        "section",
        "two targets",
        "feature",
        "outside",
        "phone",
        "key",
        "english",
    ],
)
def test_a_refusal_is_djangos_to_the_byte(consultation, case):
    data, headers = refusals(consultation)[case]
    fast = through_the_fast_path(consultation, data, **headers)
    django = through_django(consultation, data, **headers)

    assert fast[0] == django[0]
    assert fast[0].startswith("400")
    assert readable(*fast[1:]) == readable(*django[1:])
    assert stored(consultation) == 0


def test_a_closed_consultation_refuses_as_django_does(plan):
    closed = make_consultation(plan, opens_days_ago=60)
    fast = through_the_fast_path(closed, payload(closed))
    django = through_django(closed, payload(closed))
    assert fast[0] == django[0] == "403 Forbidden"
    assert readable(*fast[1:]) == readable(*django[1:])


def test_a_key_reused_for_another_opinion_is_409_as_djangos(consultation):
    through_the_fast_path(consultation, payload(consultation), Idempotency_Key="reused-0001")
    other = payload(consultation, body="另一条意见。")
    fast = through_the_fast_path(consultation, other, Idempotency_Key="reused-0001")
    django = through_django(consultation, other, Idempotency_Key="reused-0001")
    assert fast[0] == django[0] == "409 Conflict"
    assert readable(*fast[1:]) == readable(*django[1:])
    assert stored(consultation) == 1


def test_the_limits_answer_429_and_428_as_djangos(consultation, settings):
    settings.COMMENT_RATE_PER_IP = (2, 3600)
    settings.COMMENT_POW_AFTER = 1
    first = through_the_fast_path(consultation, payload(consultation))
    assert first[0] == "201 Created"
    fast = through_the_fast_path(consultation, payload(consultation))
    django = through_django(consultation, payload(consultation))
    assert fast[0] == django[0] == "428 Precondition Required"
    fast_found, fast_body = readable(*fast[1:])
    django_found, django_body = readable(*django[1:])
    # Each answer carries a challenge of its own (a random nonce).
    assert json.loads(fast_body).keys() == json.loads(django_body).keys()
    fast_found.pop("Content-Length")
    django_found.pop("Content-Length")
    assert fast_found == django_found

    settings.COMMENT_POW_AFTER = 100
    assert through_the_fast_path(consultation, payload(consultation))[0] == "201 Created"
    fast = through_the_fast_path(consultation, payload(consultation))
    django = through_django(consultation, payload(consultation))
    assert fast[0] == django[0] == "429 Too Many Requests"
    assert readable(*fast[1:]) == readable(*django[1:])
    assert "Retry-After" in dict(fast[1])
    assert stored(consultation) == 2


# -- what goes through Django, its body intact ---------------------------------------------------


def django_answers(consultation, data, *, path=None, content_type=JSON, **headers):
    """Django's answer, after checking that the fast path handed the request on with its
    body as sent."""
    seen = {}

    def downstream(environ, start_response):
        seen["body"] = environ["wsgi.input"].read()
        start_response("418 I'm a teapot", [("Content-Type", "text/plain")])
        return [b"downstream"]

    sent = data if isinstance(data, bytes) else json.dumps(data).encode()
    answer = post(
        comment_submission_app(downstream),
        consultation,
        sent,
        path=path,
        content_type=content_type,
        **headers,
    )
    assert answer[0].startswith("418")
    assert seen["body"] == sent
    return post(WSGIHandler(), consultation, sent, path=path, content_type=content_type, **headers)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"body": ', "400 Bad Request"),
        (b"[1, 2]", "400 Bad Request"),
        (b'{"body": NaN}', "400 Bad Request"),
        (b"\xff\xfe", "400 Bad Request"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_djangos_400(consultation, body, status):
    answer = django_answers(consultation, body)
    assert answer[0] == status
    assert "detail" in json.loads(answer[2])
    assert stored(consultation) == 0


def test_an_unknown_or_unpublished_consultation_is_djangos_404(consultation, plan):
    unknown = "/api/consultations/999999/comments/"
    answer = django_answers(consultation, payload(consultation), path=unknown)
    assert answer[0] == "404 Not Found"
    plan.is_published = False
    plan.save()
    assert django_answers(consultation, payload(consultation))[0] == "404 Not Found"
    assert stored(consultation) == 0


def test_a_comment_with_a_photo_goes_through_django(consultation):
    photo = "data:image/jpeg;base64," + "A" * FAST_BODY_BYTES
    answer = django_answers(consultation, payload(consultation, photo=photo))
    assert answer[0] == "400 Bad Request"
    assert "photo" in json.loads(answer[2])


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "application/json-seq"]
)
def test_another_media_type_is_djangos(consultation, content_type):
    answer = django_answers(consultation, b"body=x", content_type=content_type)
    assert answer[0] == "415 Unsupported Media Type"


def test_other_paths_and_methods_are_djangos(consultation):
    downstream = Downstream()
    application = comment_submission_app(downstream)
    path = comments_url(consultation)
    for method, where in [("GET", path), ("PUT", path), ("POST", path.rstrip("/"))]:
        answer = call(application, where, method, body=b"{}", content_type=JSON)
        assert answer[0].startswith("418"), (method, where)
    assert len(downstream.paths) == 3


def test_a_host_django_refuses_is_refused(consultation):
    answer = django_answers(consultation, payload(consultation), Host="evil.example.org")
    assert answer[0] == "400 Bad Request"
    assert stored(consultation) == 0


@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_as_django_does_when_https_is_required(consultation):
    sent = json.dumps(payload(consultation)).encode()
    path = comments_url(consultation)
    downstream = Downstream()
    fast = call(
        comment_submission_app(downstream), path, "POST", "http", body=sent, content_type=JSON
    )
    django = call(WSGIHandler(), path, "POST", "http", body=sent, content_type=JSON)
    assert downstream.paths == []  # SecurityMiddleware is applied here: its own redirect
    assert fast[0] == django[0] == "301 Moved Permanently"
    assert readable(*fast[1:]) == readable(*django[1:])
    assert dict(fast[1])["Location"].startswith("https://")
    assert stored(consultation) == 0


# -- once the submission started, the fast path answers ---------------------------------------


def test_a_failure_after_the_comment_was_stored_is_answered_not_handed_on(
    consultation, monkeypatch
):
    """Handing it on would submit the comment again (and refuse it: its form token used)."""

    def broken(code):
        raise RuntimeError("receipt addresses")

    monkeypatch.setattr("consultation.api.receipt_addresses", broken)
    answer = through_the_fast_path(consultation, payload(consultation))
    assert answer[0] == "500 Internal Server Error"
    assert stored(consultation) == 1


def test_a_database_gone_away_during_the_submission_is_503(consultation, monkeypatch):
    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("consultation.submission.abuse.count_and_insert", gone)
    fast = through_the_fast_path(consultation, payload(consultation))
    django = through_django(consultation, payload(consultation))
    assert fast[0] == django[0] == "503 Service Unavailable"
    assert readable(*fast[1:]) == readable(*django[1:])
    assert dict(fast[1])["Retry-After"]


# -- the middleware ------------------------------------------------------------------------------


def test_every_middleware_is_either_applied_or_known_to_do_nothing_here(settings):
    assert answering_chain(settings.MIDDLEWARE) is not None
    assert set(settings.MIDDLEWARE) <= set(APPLIED) | set(SKIPPED)


def test_an_unknown_middleware_switches_the_fast_path_off(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.somewhere.NewMiddleware"]
    downstream = Downstream()
    assert comment_submission_app(downstream) is downstream


@pytest.mark.parametrize(
    "headers",
    [
        {"Cookie": "django_language=en"},
        {"Accept_Language": "en;q=0.9, zh-CN;q=0.8"},
        {"Accept_Language": "fr"},  # not offered: the default
    ],
)
def test_the_language_is_djangos_without_locale_middleware(consultation, headers, settings):
    assert LOCALE_MIDDLEWARE not in _language_from_unprefixed_path(settings.MIDDLEWARE)
    fast = through_the_fast_path(consultation, payload(consultation), **headers)
    django = through_django(consultation, payload(consultation), **headers)
    assert without_receipt(fast) == without_receipt(django)


@override_settings(ROOT_URLCONF="tests.consultation.prefixed_language_urls")
def test_locale_middleware_stays_when_the_default_language_is_prefixed_too(settings):
    # It may then redirect a 404 to the path with the language, which the stand-in does not.
    assert LOCALE_MIDDLEWARE in _language_from_unprefixed_path(settings.MIDDLEWARE)


@override_settings(CSRF_USE_SESSIONS=True)
def test_with_the_csrf_token_in_the_session_the_answer_is_djangos(consultation):
    fast = through_the_fast_path(consultation, payload(consultation))
    django = through_django(consultation, payload(consultation))
    assert without_receipt(fast) == without_receipt(django)
