"""Answers linked to the changes they led to, and comments that keep their context: an
official links an adopted answer to a change of a later version on the answer form or the API
(audited, refused for answers that adopt nothing and for changes of other plans or earlier
versions); the public comment page and the receipt show "由此修改" with links to the 修改说明,
which shows the opinion back; both pages show the version and section text the opinion was
made on, and "该条文在第 2 版（修改稿）中已修改 / 已删除" once a later version differs."""

import pytest
from django.urls import reverse

from consultation import moderation
from consultation.models import Comment, CommentState, Result
from planportal import change_list
from planportal.models import AuditEvent, Section
from tests.change_helpers import TEXT_32, plan_with_text, publish, revised_draft
from tests.factories import (
    PHONE,
    audit_baseline,
    make_comment,
    make_consultation,
    make_other_plan,
    token_header,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return plan_with_text()


@pytest.fixture
def consultation(plan):
    """The first round, on version 1."""
    return make_consultation(plan, opens_days_ago=40, title="第一次公示")


@pytest.fixture
def opinion(consultation, plan, official):
    """An opinion on 3.2 of version 1, published with an adopting answer."""
    section = Section.objects.get(chapter__version__number=1, chapter__plan=plan, number="3.2")
    comment = make_comment(
        consultation,
        body="建议将<b>永久基本农田</b>调整为1250公顷。",
        section=section,
        name="张<i>三</i>",
        consent_show_name=True,
    )
    moderation.answer(official, comment, Result.ADOPTED, "已在修改稿中调整。", publish=True)
    return comment


@pytest.fixture
def change(plan, official):
    """Version 2 with 3.2 revised, its change listed (still a draft)."""
    draft = revised_draft(plan, official)
    change_list.refresh_changes(draft)
    return draft.changes.get(key="section:3.2")


def answer_url(comment) -> str:
    return reverse("staff-answer", args=[comment.pk])


def post_answer(client, comment, result=Result.ADOPTED, changes=(), publish=True):
    data = {"result": result, "reason": "已在修改稿中调整。", "changes": [c.pk for c in changes]}
    if publish:
        data["publish"] = "on"
    return client.post(answer_url(comment), data)


def test_the_answer_form_offers_changes_of_later_versions_and_links_them(
    official_client, opinion, change
):
    page = official_client.get(reverse("staff-comment", args=[opinion.pk])).content.decode()
    assert 'name="changes"' in page and "第 2 版（修改稿）：3.2 控制线划定" in page
    before = audit_baseline()
    response = post_answer(official_client, opinion, changes=[change])
    assert response.status_code == 302
    assert list(opinion.reply.changes.all()) == [change]
    event = AuditEvent.objects.get(pk__gt=before, action="reply.link_changes")
    assert event.before == {"changes": []}
    assert event.after == {"changes": [{"version": 2, "key": "section:3.2"}]}
    assert event.object_id == str(opinion.pk)
    # Saving again with the same links records no second link event.
    post_answer(official_client, opinion, changes=[change])
    assert AuditEvent.objects.filter(pk__gt=before, action="reply.link_changes").count() == 1


def test_an_answer_that_adopts_nothing_cannot_be_linked(official_client, opinion, change):
    response = post_answer(official_client, opinion, Result.NOT_ADOPTED, changes=[change])
    assert response.status_code == 400
    assert "只有采纳或部分采纳的意见才能关联规划的修改" in response.content.decode()
    opinion.reply.refresh_from_db()
    assert opinion.reply.result == Result.ADOPTED and not opinion.reply.changes.exists()


def test_changes_of_another_plan_or_an_earlier_version_are_refused(official, opinion, change, plan):
    other = make_other_plan()
    other_draft = revised_draft(other)
    change_list.refresh_changes(other_draft)
    foreign = other_draft.changes.first()
    with pytest.raises(moderation.ModerationError, match="晚于其所针对版本"):
        moderation.link_changes(official, opinion, [foreign])
    # A comment of a round on version 2 cannot point at version 2's own changes.
    publish(change.version)
    second_round = make_consultation(plan, title="第二次公示")
    assert second_round.shown_version.number == 2
    later = make_comment(second_round)
    moderation.answer(official, later, Result.ADOPTED, "采纳。")
    with pytest.raises(moderation.ModerationError):
        moderation.link_changes(official, later, [change])
    assert not later.reply.changes.exists()


def test_the_api_links_an_answer_and_says_which_changes(client, official, opinion, change):
    response = client.post(
        reverse("api-comment-answer", args=[opinion.pk]),
        {"result": Result.PARTLY_ADOPTED, "reason": "部分采纳。", "changes": [change.pk]},
        content_type="application/json",
        **token_header(official),
    )
    assert response.status_code == 200, response.content
    linked = response.json()["reply"]["changes"]
    assert linked == [
        {"id": change.pk, "version": 2, "key": "section:3.2", "subject": change.subject}
    ]
    response = client.post(
        reverse("api-comment-answer", args=[opinion.pk]),
        {"result": Result.ADOPTED, "reason": "采纳。", "changes": [999999]},
        content_type="application/json",
        **token_header(official),
    )
    assert response.status_code == 400 and "修改不存在" in response.content.decode()
    assert list(opinion.reply.changes.all()) == [change]


def test_a_link_shows_on_the_comment_page_and_the_change_shows_the_opinion_back(
    client, official, opinion, change, plan
):
    moderation.link_changes(official, opinion, [change])
    comment_url = reverse("public-comment", args=[opinion.pk])
    # While version 2 is a draft, nothing of it is public.
    assert "由此修改" not in client.get(comment_url).content.decode()
    publish(change.version)
    page = client.get(comment_url).content.decode()
    explanation = f"/plans/{plan.slug}/v/2/explanation/#change-{change.pk}"
    assert "由此修改：" in page and explanation in page
    assert "3.2 控制线划定" in page
    back = client.get(f"/plans/{plan.slug}/v/2/explanation/").content.decode()
    assert comment_url in back
    assert opinion.receipt_code[-4:] in back and opinion.receipt_code not in back
    assert "张&lt;i&gt;三&lt;/i&gt;" in back and "<i>三</i>" not in back
    receipt = client.get(reverse("receipt-page", args=[opinion.receipt_code])).content.decode()
    assert "由此修改：" in receipt and explanation in receipt


def test_user_text_is_escaped_on_the_comment_page(client, official, opinion, change):
    change_list.explain_change(change, "<script>alert('x')</script>")
    moderation.link_changes(official, opinion, [change])
    publish(change.version)
    page = client.get(reverse("public-comment", args=[opinion.pk])).content.decode()
    assert "<b>永久基本农田</b>" not in page and "&lt;b&gt;永久基本农田&lt;/b&gt;" in page
    explanation = client.get(f"/plans/{opinion.consultation.plan.slug}/v/2/explanation/")
    text = explanation.content.decode()
    assert "<script>alert" not in text and "&lt;script&gt;alert(&#x27;x&#x27;)" in text


def test_only_published_opinions_have_a_public_page(client, consultation):
    received = make_comment(consultation, body=f"电话{PHONE}")
    assert client.get(reverse("public-comment", args=[received.pk])).status_code == 404
    Comment.objects.filter(pk=received.pk).update(state=CommentState.PUBLISHED)
    page = client.get(reverse("public-comment", args=[received.pk])).content.decode()
    assert PHONE not in page


def test_a_comment_on_3_2_of_v1_shows_changed_once_v2_is_published(client, opinion, change, plan):
    comment_url = reverse("public-comment", args=[opinion.pk])
    receipt_url = reverse("receipt-page", args=[opinion.receipt_code])
    page = client.get(comment_url).content.decode()
    assert "意见针对第 1 版（征求意见稿）。" in page
    assert TEXT_32 in page  # the section as it read when the opinion was made
    assert "已修改" not in page
    publish(change.version)
    for url in (comment_url, receipt_url):
        page = client.get(url).content.decode()
        assert "该条文在第 2 版（修改稿）中已修改。" in page, url
        assert TEXT_32 in page
        assert f"/plans/{plan.slug}/v/2/explanation/#change-{change.pk}" in page
        assert f"/plans/{plan.slug}/v/2/changes/?against=1#section-3-2" in page


def test_the_receipt_api_says_what_became_of_the_article_and_what_the_answer_led_to(
    client, opinion, change, plan, official
):
    moderation.link_changes(official, opinion, [change])
    publish(change.version)
    receipt = client.get(f"/api/receipts/{opinion.receipt_code}/").json()
    made_on = receipt["made_on"]
    assert made_on["version"] == {"number": 1, "title": "第 1 版（征求意见稿）"}
    assert made_on["section"]["number"] == "3.2"
    assert made_on["fate"]["status"] == "changed"
    assert made_on["fate"]["change_url"].endswith(f"/v/2/explanation/#change-{change.pk}")
    assert [led["url"] for led in receipt["led_to"]] == [made_on["fate"]["change_url"]]


def test_a_removed_section_shows_removed(client, opinion, plan, official):
    draft = revised_draft(plan, official)
    Section.objects.filter(chapter__version=draft, number="3.2").delete()
    change_list.refresh_changes(draft)
    publish(draft)
    page = client.get(reverse("public-comment", args=[opinion.pk])).content.decode()
    assert "该条文在第 2 版（修改稿）中已删除。" in page
    change = draft.changes.get(key="section:3.2")
    assert f"#change-{change.pk}" in page
