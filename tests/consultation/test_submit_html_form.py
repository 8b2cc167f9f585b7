"""The comment form without JavaScript: a page with the privacy notice and both consents, posted
with Django's CSRF check, answered with the receipt page or the form with its errors."""

import re

import pytest
from django.test import Client

from consultation.models import Comment
from layers.models import PublicPolicy
from tests.consultation.submit_helpers import form_token, post_comment
from tests.factories import make_consultation, make_layer, make_plan, square

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultation(plan):
    """With the office residents may ask, which the form page names."""
    return make_consultation(plan, contact="测试镇自然资源所 0358-7000001")


@pytest.fixture
def browser_client():
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.20")


def page_form(browser_client, consultation, query="") -> tuple[str, dict]:
    response = browser_client.get(f"/consultations/{consultation.pk}/comment/{query}")
    assert response.status_code == 200
    html = response.content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    return html, hidden


def test_the_form_page_has_the_privacy_notice_both_consents_and_a_honeypot(
    browser_client, consultation
):
    html, hidden = page_form(browser_client, consultation, "?section=3.2")
    assert {"csrfmiddlewaretoken", "form_token", "idempotency_key", "section"} <= set(hidden)
    assert hidden["section"] == "3.2"
    assert "测试镇人民政府" in html  # who collects
    assert "测试镇自然资源所 0358-7000001" in html  # whom to ask
    assert "180" in html  # how long contact details are kept (days)
    assert 'name="consent_privacy"' in html and 'name="consent_show_name"' in html
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"', html)
    assert "3.2" in html and "控制线划定" in html


def test_a_posted_form_with_its_csrf_token_leads_to_the_receipt(browser_client, consultation):
    _, hidden = page_form(browser_client, consultation, "?section=3.1")
    hidden["form_token"] = form_token(consultation)  # as if filled in for a minute
    data = {
        **hidden,
        "body": "请补充村内道路规划。",
        "stance": "suggest",
        "consent_privacy": "true",
    }
    response = browser_client.post(f"/consultations/{consultation.pk}/comment/", data)
    assert response.status_code == 302
    comment = Comment.objects.get(consultation=consultation)
    assert response["Location"] == f"/receipts/{comment.receipt_code}/?new=1"
    assert comment.section.number == "3.1"
    receipt = browser_client.get(response["Location"])
    assert comment.receipt_code[:5] in receipt.content.decode()
    # Pressing "send" twice sends the same hidden idempotency key: still one comment.
    again = browser_client.post(f"/consultations/{consultation.pk}/comment/", data)
    assert again["Location"] == response["Location"]
    assert Comment.objects.filter(consultation=consultation).count() == 1


def test_a_post_without_the_csrf_token_is_refused(browser_client, consultation):
    _, hidden = page_form(browser_client, consultation)
    hidden.pop("csrfmiddlewaretoken")
    hidden["form_token"] = form_token(consultation)
    data = {**hidden, "body": "意见", "stance": "oppose", "consent_privacy": "true"}
    response = browser_client.post(f"/consultations/{consultation.pk}/comment/", data)
    assert response.status_code == 403
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_errors_come_back_in_the_form_next_to_their_fields(browser_client, consultation):
    _, hidden = page_form(browser_client, consultation)
    hidden["form_token"] = form_token(consultation)
    data = {**hidden, "body": "我的意见", "stance": "", "phone": "123"}
    response = browser_client.post(f"/consultations/{consultation.pk}/comment/", data)
    assert response.status_code == 400
    html = response.content.decode()
    for field in ("stance", "phone", "consent_privacy"):
        error = re.search(rf'data-error-for="{field}">([^<]+)</p>', html)
        assert error and error.group(1).strip(), field
    assert "我的意见" in html  # what was typed is kept
    assert 'value="123"' in html
    # and the time spent on the form still counts: its token is kept
    assert f'name="form_token" value="{hidden["form_token"]}"' in html


def test_the_json_api_needs_no_csrf_token(consultation):
    response = post_comment(Client(enforce_csrf_checks=True), consultation)
    assert response.status_code == 201


def test_the_form_fragment_describes_a_feature_or_a_drawn_place(client, consultation):
    make_layer(
        consultation.plan,
        "test-farmland",
        policy=PublicPolicy.TILES_ONLY,
        shapes=[(square(112.01, 38.01, 0.001), "")],
    )
    url = f"/consultations/{consultation.pk}/comment/form/"
    feature = client.get(url, {"collection_id": "test-farmland", "feature_id": "7"}).content
    assert b'name="collection_id" value="test-farmland"' in feature
    assert b'name="feature_id" value="7"' in feature
    drawn = client.get(url, {"drawn": "1"}).content.decode()
    assert "<form" in drawn and "<html" not in drawn


def test_a_closed_consultation_offers_no_form(client):
    closed = make_consultation(make_plan(), opens_days_ago=60)
    html = client.get(f"/consultations/{closed.pk}/comment/").content.decode()
    assert "data-comment-form" not in html and 'name="body"' not in html
    fragment = client.get(f"/consultations/{closed.pk}/comment/form/").content.decode()
    assert "data-comment-closed" in fragment and "<form" not in fragment
