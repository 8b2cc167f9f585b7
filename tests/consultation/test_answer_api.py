"""The staff API ``POST /api/comments/{id}/answer/``: token or session authentication,
officials only, validated input, an audit event, and a place in the OpenAPI schema."""

import pytest
from django.http import HttpRequest
from django.test import Client

from consultation.models import CommentState, Reply
from planportal.models import AuditEvent
from tests.factories import (
    PASSWORD,
    PHONE,
    make_planner,
    token_header,
)

pytestmark = pytest.mark.django_db

ANSWER = {"result": "adopted", "reason": "已在修改稿中增设公交站点。", "publish": True}


def url(comment) -> str:
    return f"/api/comments/{comment.pk}/answer/"


def test_an_official_answers_and_publishes_with_a_token(client, official, comment):
    response = client.post(
        url(comment), ANSWER, content_type="application/json", **token_header(official)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["receipt_code"] == comment.receipt_code and body["state"] == "published"
    assert body["reply"]["result"] == "adopted" and body["reply"]["is_published"] is True
    assert body["reply"]["answered_by"] == official.username
    assert PHONE not in response.content.decode()
    comment.refresh_from_db()
    assert comment.state == CommentState.PUBLISHED
    event = AuditEvent.objects.get(action="comment.answer", object_id=str(comment.pk))
    assert event.actor == official and event.after["reply"]["result"] == "adopted"


def test_publish_defaults_to_false_and_keeps_the_answer_a_draft(client, official, comment):
    response = client.post(
        url(comment),
        {"result": "rejected", "reason": "与上位规划不符"},
        content_type="application/json",
        **token_header(official),
    )
    assert response.status_code == 200
    assert response.json()["reply"]["is_published"] is False
    comment.refresh_from_db()
    assert comment.state == CommentState.RECEIVED


def test_the_session_of_an_official_works_with_the_csrf_token(official, comment):
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(request=HttpRequest(), username=official.username, password=PASSWORD)
    without = browser.post(url(comment), ANSWER, content_type="application/json")
    assert without.status_code == 403
    browser.get("/staff/login/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        url(comment), ANSWER, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200, response.content


def test_anonymous_callers_get_401_and_change_nothing(client, comment):
    response = client.post(url(comment), ANSWER, content_type="application/json")
    assert response.status_code == 401
    assert not Reply.objects.filter(comment=comment).exists()


def test_a_wrong_token_gets_401(client, comment):
    response = client.post(
        url(comment), ANSWER, content_type="application/json", HTTP_AUTHORIZATION="Token nope"
    )
    assert response.status_code == 401


def test_a_planner_gets_403_and_changes_nothing(client, comment):
    response = client.post(
        url(comment), ANSWER, content_type="application/json", **token_header(make_planner())
    )
    assert response.status_code == 403
    assert not Reply.objects.filter(comment=comment).exists()
    assert not AuditEvent.objects.filter(
        object_type="consultation.comment", object_id=str(comment.pk)
    ).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"result": "maybe", "reason": "理由"}, "result"),
        ({"result": "adopted", "reason": ""}, "reason"),
        ({"reason": "理由"}, "result"),
    ],
)
def test_bad_input_gets_400_with_the_field(client, official, comment, payload, field):
    response = client.post(
        url(comment), payload, content_type="application/json", **token_header(official)
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Reply.objects.filter(comment=comment).exists()


def test_publishing_the_answer_of_a_hidden_comment_gets_400(client, official, comment):
    from consultation import moderation

    moderation.hide(official, comment, "广告")
    response = client.post(
        url(comment), ANSWER, content_type="application/json", **token_header(official)
    )
    assert response.status_code == 400 and response.json()["detail"]


def test_an_unknown_comment_gets_404(client, official):
    response = client.post(
        "/api/comments/987654321/answer/",
        ANSWER,
        content_type="application/json",
        **token_header(official),
    )
    assert response.status_code == 404


def test_the_openapi_schema_describes_the_answer_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/comments/{id}/answer/"]["post"]
    assert operation["operationId"] == "comment_answer"
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][request.rsplit("/", 1)[1]]["properties"]
    assert {"result", "reason", "publish"} <= set(fields)
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    assert {"tokenAuth", "cookieAuth"} <= {name for s in operation["security"] for name in s}
