"""Receipts: GET /api/receipts/{code}/ and /receipts/{code}/ (plus the look-up form) tell the
state and, once published, the official answer — nothing personal."""

import pytest
from django.utils import timezone

from consultation.models import Comment, CommentState, Reply, Result
from tests.consultation.submit_helpers import payload, post_comment
from tests.factories import EMAIL, PHONE, make_user

pytestmark = pytest.mark.django_db
PERSONAL = ("张三", PHONE, EMAIL, "zhang.san", "门口的排水沟")


@pytest.fixture
def comment(client, consultation) -> Comment:
    """Sent through the residents' API, with a name shown by consent and contact details."""
    data = payload(
        consultation,
        body="门口的排水沟一下雨就堵，请在规划中考虑。",
        section="3.2",
        name="张三",
        phone=PHONE,
        email=EMAIL,
        consent_show_name=True,
    )
    response = post_comment(client, consultation, data)
    return Comment.objects.get(pk=response.json()["id"])


def answer(comment: Comment, *, published: bool) -> Reply:
    official = make_user("wang")
    return Reply.objects.create(
        comment=comment,
        result=Result.PARTLY_ADOPTED,
        reason="排水设施已在7.3节补充。",
        is_published=published,
        answered_by=official,
    )


def assert_nothing_personal(text: str) -> None:
    for value in PERSONAL:
        assert value not in text, value


def test_a_new_receipt_says_received_and_has_no_answer_yet(client, comment):
    response = client.get(f"/api/receipts/{comment.receipt_code}/")
    assert response.status_code == 200
    receipt = response.json()
    assert receipt["receipt_code"] == comment.receipt_code
    assert receipt["state"] == "received"
    assert receipt["answer"] is None
    assert receipt["target"]["section"] == "3.2"
    assert receipt["stance"] == "suggest"
    assert_nothing_personal(response.content.decode())


def test_an_unpublished_answer_stays_hidden_and_a_published_one_is_shown(client, comment):
    reply = answer(comment, published=False)
    assert client.get(f"/api/receipts/{comment.receipt_code}/").json()["answer"] is None
    reply.is_published = True
    reply.save()
    comment.state = CommentState.PUBLISHED
    comment.published_at = timezone.now()
    comment.save()
    receipt = client.get(f"/api/receipts/{comment.receipt_code}/").json()
    assert receipt["state"] == "published"
    assert receipt["answer"]["result"] == "partly"
    assert receipt["answer"]["reason"] == "排水设施已在7.3节补充。"


def test_codes_are_found_in_any_case_with_spaces_or_dashes(client, comment):
    code = comment.receipt_code
    typed = f"{code[:5].lower()}-{code[5:]} "
    assert client.get(f"/api/receipts/{typed}/").status_code == 200


def test_an_unknown_code_is_404(client):
    assert client.get("/api/receipts/ABCDEFGHJK/").status_code == 404
    assert client.get("/api/receipts/not-a-code!/").status_code == 404


def test_the_receipt_page_shows_state_and_answer_but_nothing_personal(client, comment):
    answer(comment, published=True)
    response = client.get(f"/receipts/{comment.receipt_code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{comment.receipt_code[:5]}-{comment.receipt_code[5:]}" in html
    assert 'data-state="received"' in html
    assert "排水设施已在7.3节补充。" in html
    assert_nothing_personal(html)


def test_the_look_up_form_leads_to_the_receipt_page(client, comment):
    form = client.get("/receipts/")
    assert form.status_code == 200 and b'name="code"' in form.content
    found = client.get("/receipts/", {"code": f" {comment.receipt_code.lower()} "})
    assert found.status_code == 302 and found["Location"] == f"/receipts/{comment.receipt_code}/"
    missing = client.get("/receipts/", {"code": "ZZZZZZZZZZ"})
    assert missing.status_code == 404 and b'aria-invalid="true"' in missing.content


def test_the_english_receipt_page_lives_under_en(client, comment):
    response = client.get(f"/en/receipts/{comment.receipt_code}/")
    assert response.status_code == 200
    assert b"Receipt code" in response.content
