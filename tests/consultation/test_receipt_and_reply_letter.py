"""What the receipt says of the answer (its date, what the opinion was about), the 我的意见
page, and the 回复函 officials print for opinions that came by letter."""

import pytest
from django.utils import timezone

from consultation import moderation
from consultation.models import Channel, Result
from planportal.models import AuditEvent
from tests.factories import PHONE, grant, make_comment, make_other_plan, make_user

pytestmark = pytest.mark.django_db
REASON = "村口公交站已列入近期建设项目。"


@pytest.fixture
def letter(official, consultation):
    received = timezone.localdate(consultation.opens_at)
    return moderation.enter_on_behalf(
        official,
        consultation,
        channel=Channel.LETTER,
        body="建议在村口增设公交站点。",
        stance="suggest",
        villages=["柳湾村"],
        name="李四",
        phone=PHONE,
        received_on=received,
    )


def test_the_receipt_shows_the_answer_date_and_what_the_opinion_was_about(client, official, letter):
    moderation.answer(official, letter, Result.ADOPTED, REASON, publish=True)
    data = client.get(f"/api/receipts/{letter.receipt_code}/").json()
    today = letter.reply.answered_at.astimezone().date().isoformat()
    assert data["answer"]["answered_on"] == today
    assert data["target"]["label"] and data["villages"] == ["柳湾村"]

    page = client.get(f"/receipts/{letter.receipt_code}/").content.decode()
    assert f"答复日期 {today}" in page
    assert "整体规划" in page or data["target"]["label"] in page
    assert "柳湾村" in page
    assert "李四" not in page and PHONE not in page
    # The offer to keep the code on the phone (the browser test uses it).
    assert f'data-keep-receipt="{letter.receipt_code}"' in page and "在本机保存回执码" in page


def test_my_opinions_page_holds_no_codes_of_its_own(client):
    page = client.get("/my-opinions/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "我的意见" in html and 'id="my-opinions-config"' in html
    assert "/api/receipts/RECEIPTCODE/" in html


def test_an_official_prints_the_reply_letter_of_a_letter(official, official_client, letter):
    moderation.answer(official, letter, Result.PARTLY_ADOPTED, REASON, publish=True)
    detail = official_client.get(f"/staff/comments/{letter.pk}/").content.decode()
    assert f"/staff/comments/{letter.pk}/letter/" in detail

    letter.consultation.contact = "阳泉曲镇人民政府 0358-0000000"
    letter.consultation.save()
    response = official_client.get(f"/staff/comments/{letter.pk}/letter/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "回复函" in html and "李四：" in html
    assert "部分采纳" in html and REASON in html
    assert letter.consultation.plan.organisation in html
    assert "阳泉曲镇人民政府 0358-0000000" in html
    received = letter.received_on
    assert f"{received.year}年{received.month}月{received.day}日" in html
    assert f"{letter.receipt_code[:5]}-{letter.receipt_code[5:]}" in html
    assert PHONE not in html and "建议在村口增设公交站点" not in html
    today = timezone.localdate()
    assert f"{today.year}年" in html
    event = AuditEvent.objects.get(action="comment.print_reply_letter")
    assert event.actor == official and "李四" not in str(event.after)


def test_no_reply_letter_without_a_published_answer_or_for_web_opinions(
    official, official_client, letter, consultation
):
    moderation.answer(official, letter, Result.ADOPTED, REASON, publish=False)
    assert (
        f"/staff/comments/{letter.pk}/letter/"
        not in official_client.get(f"/staff/comments/{letter.pk}/").content.decode()
    )
    draft = official_client.get(f"/staff/comments/{letter.pk}/letter/")
    assert draft.status_code == 409 and REASON not in draft.content.decode()

    web = make_comment(consultation)
    moderation.answer(official, web, Result.ADOPTED, REASON, publish=True)
    refused = official_client.get(f"/staff/comments/{web.pk}/letter/")
    assert refused.status_code == 409 and "张三" not in refused.content.decode()
    assert not AuditEvent.objects.filter(action="comment.print_reply_letter").exists()


def test_only_officials_of_the_plan_print_reply_letters(official, client, letter):
    moderation.answer(official, letter, Result.ADOPTED, REASON, publish=True)
    url = f"/staff/comments/{letter.pk}/letter/"
    assert client.get(url).status_code == 302  # to the staff login

    resident = make_user("resident")
    client.force_login(resident)
    assert client.get(url).status_code == 403

    elsewhere = make_user("zhao.other")
    grant(elsewhere, "officials", plan=make_other_plan())
    client.force_login(elsewhere)
    response = client.get(url)
    assert response.status_code == 403 and "李四" not in response.content.decode()
