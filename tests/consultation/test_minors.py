"""Minors (PIPL Arts. 28 and 31): the privacy notice says how opinions of children under 14
are handled; a person who says they are under 14 needs the guardian's consent (JSON API and
the form without JavaScript); what was declared is stored, shown to officials, kept out of
public and purged with the other contact details."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client

from consultation.models import Channel, Comment
from tests.consultation.submit_helpers import form_token, payload, post_comment
from tests.factories import make_comment, make_consultation

pytestmark = pytest.mark.django_db


def test_the_privacy_notice_says_how_opinions_of_children_under_14_are_handled(
    client, consultation
):
    notice = client.get(f"/api/consultations/{consultation.pk}/privacy/").json()
    text = " ".join(notice["paragraphs"])
    assert "未满十四周岁" in text and "敏感个人信息" in text
    assert "第三十一条" in text and "监护人" in text and "同意" in text


def test_the_api_refuses_a_child_without_the_guardians_consent(client, consultation):
    response = post_comment(client, consultation, payload(consultation, under_14=True))
    assert response.status_code == 400
    [message] = response.json()["guardian_consent"]
    assert "未满十四周岁" in message and "监护人" in message
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_the_api_stores_what_was_declared_and_never_shows_a_childs_name(client, consultation):
    data = payload(
        consultation,
        under_14=True,
        guardian_consent=True,
        guardian_name="王芳",
        name="王小明",
        consent_show_name=True,
    )
    response = post_comment(client, consultation, data)
    assert response.status_code == 201, response.json()
    comment = Comment.objects.get(receipt_code=response.json()["receipt_code"])
    assert (comment.declared_under_14, comment.guardian_consent, comment.guardian_name) == (
        True,
        True,
        "王芳",
    )
    assert comment.public_name == "村民"


def test_a_guardian_given_without_the_child_box_is_not_stored(client, consultation):
    data = payload(consultation, guardian_consent=True, guardian_name="王芳")
    response = post_comment(client, consultation, data, ip="203.0.113.11")
    assert response.status_code == 201
    comment = Comment.objects.get(receipt_code=response.json()["receipt_code"])
    assert (comment.declared_under_14, comment.guardian_consent, comment.guardian_name) == (
        False,
        False,
        "",
    )


def test_the_database_refuses_a_web_comment_of_a_child_without_consent(consultation):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_comment(consultation, declared_under_14=True)
    make_comment(consultation, declared_under_14=True, channel=Channel.LETTER)


@pytest.fixture
def browser_client():
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.30")


def test_the_form_without_javascript_asks_and_refuses_then_accepts(browser_client, consultation):
    url = f"/consultations/{consultation.pk}/comment/"
    html = browser_client.get(url).content.decode()
    assert "我未满十四周岁" in html and 'name="under_14"' in html
    assert consultation.period_text in html and "24:00（共 30 天）" in html
    assert 'name="guardian_consent"' in html and "监护人已同意" in html
    assert 'name="guardian_name"' in html
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    hidden["form_token"] = form_token(consultation)
    data = {
        **hidden,
        "body": "希望村里建一个儿童游乐场。",
        "stance": "suggest",
        "consent_privacy": "true",
        "under_14": "true",
    }
    refused = browser_client.post(url, data)
    assert refused.status_code == 400
    page = refused.content.decode()
    error = re.search(r'data-error-for="guardian_consent">([^<]*)<', page).group(1)
    assert "监护人" in error
    assert re.search(r'name="under_14" value="true" checked', page)  # kept as ticked
    assert not Comment.objects.filter(consultation=consultation).exists()
    accepted = browser_client.post(
        url, {**data, "guardian_consent": "true", "guardian_name": "李娟"}
    )
    assert accepted.status_code == 302
    comment = Comment.objects.get(consultation=consultation)
    assert comment.declared_under_14 and comment.guardian_consent
    assert comment.guardian_name == "李娟"


def test_officials_see_the_declaration_in_the_queue_and_on_the_comment(
    official_client, consultation
):
    comment = make_comment(
        consultation, declared_under_14=True, guardian_consent=True, guardian_name="王芳"
    )
    queue = official_client.get(f"/staff/comments/?consultation={consultation.pk}")
    assert "未满十四周岁（本人声明）" in queue.content.decode()
    page = official_client.get(f"/staff/comments/{comment.pk}/").content.decode()
    assert "未满十四周岁（本人声明）" in page and "监护人：王芳" in page
    assert "未成年人姓名不予公开" in page


def test_the_guardians_name_is_purged_with_the_other_contact_details(plan):
    old = make_consultation(plan, opens_days_ago=230, title="早已结束的征求意见")
    comment = make_comment(old, declared_under_14=True, guardian_consent=True, guardian_name="王芳")
    call_command("purge_contacts", stdout=io.StringIO())
    comment.refresh_from_db()
    assert comment.guardian_name == "" and comment.contact_purged_at is not None
    assert comment.declared_under_14 and comment.guardian_consent  # what was declared stays
