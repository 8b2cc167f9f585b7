"""Each moderation and answer step is a named function that changes the comment and writes
its audit event (who, what, before, after) in the same transaction."""

import pytest
from django.utils import timezone

from consultation import moderation
from consultation.models import Channel, Comment, CommentState, Reply, Result, Stance
from planportal.models import AuditEvent
from tests.factories import EMAIL, PHONE, make_comment

pytestmark = pytest.mark.django_db


def events_of(comment, action=None):
    events = AuditEvent.objects.filter(
        object_type="consultation.comment", object_id=str(comment.pk)
    )
    return list(events.filter(action=action) if action else events.order_by("at", "id"))


def test_publishing_makes_the_comment_public_and_records_before_and_after(official, comment):
    moderation.publish(official, comment, "符合公示要求")
    comment.refresh_from_db()
    assert comment.state == CommentState.PUBLISHED and comment.published_at is not None
    [event] = events_of(comment, "comment.publish")
    assert event.actor == official and event.actor_name == "wang.official"
    assert event.before["state"] == "received" and event.after["state"] == "published"
    assert event.summary == "符合公示要求"


def test_publishing_twice_records_one_event(official, comment):
    moderation.publish(official, comment)
    moderation.publish(official, comment)
    assert len(events_of(comment, "comment.publish")) == 1


def test_hiding_needs_a_reason_and_records_it(official, comment):
    with pytest.raises(moderation.ModerationError):
        moderation.hide(official, comment, "  ")
    assert events_of(comment) == []
    moderation.hide(official, comment, "广告")
    comment.refresh_from_db()
    assert (comment.state, comment.state_reason) == (CommentState.HIDDEN, "广告")
    [event] = events_of(comment, "comment.hide")
    assert event.after["state_reason"] == "广告"


def test_hiding_a_published_comment_also_withdraws_its_answer(official, comment):
    moderation.answer(official, comment, Result.ADOPTED, "已采纳", publish=True)
    moderation.hide(official, comment, "重复提交")
    assert Reply.objects.get(comment=comment).is_published is False
    [event] = events_of(comment, "comment.hide")
    assert event.before["reply"]["is_published"] is True
    assert event.after["reply"]["is_published"] is False


def test_an_answer_records_result_and_reason_as_a_draft(official, comment):
    reply = moderation.answer(official, comment, Result.PARTLY_ADOPTED, "部分采纳：线位已调整")
    assert (reply.result, reply.is_published, reply.answered_by) == ("partly", False, official)
    comment.refresh_from_db()
    assert comment.state == CommentState.RECEIVED
    [event] = events_of(comment, "comment.answer")
    assert event.before["reply"] is None
    assert event.after["reply"] == {
        "result": "partly",
        "reason": "部分采纳：线位已调整",
        "is_published": False,
        "answered_by": official.pk,
    }


def test_an_answer_with_publish_publishes_comment_and_answer_with_two_events(official, comment):
    moderation.answer(official, comment, Result.NOT_ADOPTED, "与上位规划不符", publish=True)
    comment.refresh_from_db()
    assert comment.state == CommentState.PUBLISHED
    assert Reply.objects.get(comment=comment).is_published
    assert [e.action for e in events_of(comment)] == ["comment.answer", "comment.publish"]


def test_changing_an_answer_records_the_old_and_the_new_one(official, comment):
    moderation.answer(official, comment, Result.NOT_ADOPTED, "初步意见")
    moderation.answer(official, comment, Result.ADOPTED, "复核后采纳")
    last = events_of(comment, "comment.answer")[0]  # newest first
    assert last.before["reply"]["result"] == "rejected"
    assert last.after["reply"]["result"] == "adopted"
    assert Reply.objects.filter(comment=comment).count() == 1


@pytest.mark.parametrize(
    ("result", "reason"), [("maybe", "理由"), (Result.ADOPTED, ""), (Result.ADOPTED, "   ")]
)
def test_an_answer_needs_a_known_result_and_a_reason(official, comment, result, reason):
    with pytest.raises(moderation.ModerationError):
        moderation.answer(official, comment, result, reason)
    assert not Reply.objects.filter(comment=comment).exists()
    assert events_of(comment) == []


def test_the_answer_of_a_hidden_comment_cannot_be_published(official, comment):
    moderation.hide(official, comment, "无关内容")
    with pytest.raises(moderation.ModerationError):
        moderation.answer(official, comment, Result.ADOPTED, "采纳", publish=True)
    assert not Reply.objects.filter(comment=comment).exists()
    assert [e.action for e in events_of(comment)] == ["comment.hide"]


def test_a_batch_answers_several_comments_each_with_its_own_event(official, consultation):
    comments = [make_comment(consultation, body=f"意见{i}") for i in range(3)]
    outcome = moderation.batch(
        official, comments, "answer", result=Result.ADOPTED, reason="统一答复", publish_answer=True
    )
    assert (outcome.done, outcome.refused) == (3, [])
    for comment in comments:
        comment.refresh_from_db()
        assert comment.state == CommentState.PUBLISHED
        assert comment.reply.reason == "统一答复"
        assert len(events_of(comment, "comment.answer")) == 1


def test_a_batch_reports_what_the_rules_refuse_and_does_the_rest(official, consultation):
    hidden = make_comment(consultation, body="广告")
    moderation.hide(official, hidden, "广告")
    fine = make_comment(consultation)
    outcome = moderation.batch(
        official,
        [hidden, fine],
        "answer",
        result=Result.ADOPTED,
        reason="采纳",
        publish_answer=True,
    )
    assert outcome.done == 1
    assert [code for code, _why in outcome.refused] == [hidden.receipt_code]
    assert not Reply.objects.filter(comment=hidden).exists()


def test_a_batch_hide_needs_a_reason(official, consultation):
    comment = make_comment(consultation)
    with pytest.raises(moderation.ModerationError):
        moderation.batch(official, [comment], "hide", reason="")
    assert events_of(comment) == []


def test_a_letter_is_entered_with_its_channel_and_who_typed_it(official, consultation):
    comment = moderation.enter_on_behalf(
        official,
        consultation,
        channel=Channel.LETTER,
        body="来信：反对在我村设置垃圾转运站。",
        stance=Stance.OPPOSE,
        villages=["克俄村"],
        name="李四",
        phone="13900001111",
        received_on=timezone.localdate(),
    )
    stored = Comment.objects.get(pk=comment.pk)
    assert (stored.channel, stored.entered_by, stored.consent_privacy) == (
        "letter",
        official,
        False,
    )
    assert stored.villages == ["克俄村"]
    [event] = events_of(comment, "comment.enter")
    assert event.after["channel"] == "letter"
    assert event.after["received_on"] == timezone.localdate().isoformat()
    assert stored.received_on == timezone.localdate()
    assert "13900001111" not in str(event.after) + event.summary


def test_the_web_channel_cannot_be_entered_by_an_official(official, consultation):
    with pytest.raises(moderation.ModerationError):
        moderation.enter_on_behalf(
            official, consultation, channel=Channel.WEB, body="意见", stance=Stance.SUGGEST
        )
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_marking_a_duplicate_points_at_the_first_opinion(official, consultation):
    first, second, third = (make_comment(consultation, body=f"同一意见{i}") for i in range(3))
    moderation.mark_duplicate(official, second, first)
    moderation.mark_duplicate(official, third, second)  # a duplicate of a duplicate
    third.refresh_from_db()
    assert third.duplicate_of == first
    [event] = events_of(third, "comment.mark_duplicate")
    assert (event.before["duplicate_of"], event.after["duplicate_of"]) == (None, first.pk)
    with pytest.raises(moderation.ModerationError):
        moderation.mark_duplicate(official, first, third)  # would point at itself


def test_showing_contact_details_is_recorded_without_the_details(official, comment):
    contact = moderation.reveal_contact(official, comment)
    assert contact == {"name": "张三", "phone": PHONE, "email": EMAIL}
    [event] = events_of(comment, "comment.show_contact")
    assert event.actor == official
    assert PHONE not in str(event.after) + event.summary and EMAIL not in str(event.after)


def test_no_audit_snapshot_holds_contact_details(official, comment):
    moderation.answer(official, comment, Result.ADOPTED, "采纳", publish=True)
    moderation.hide(official, comment, "测试")
    for event in events_of(comment):
        text = f"{event.before} {event.after} {event.summary}"
        assert PHONE not in text and EMAIL not in text and "张三" not in text


def test_a_masked_phone_keeps_the_first_three_and_last_four_digits(comment):
    assert comment.masked_phone == "138****5678"
    assert moderation.masked_email(EMAIL) == "z***@example.cn"


def test_a_step_whose_event_cannot_be_written_changes_nothing(comment):
    from django.contrib.auth import get_user_model
    from django.db import IntegrityError, connection

    ghost = get_user_model()(pk=10**9, username="ghost")  # never saved: the event's FK fails
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the FK at once, as a commit would
    with pytest.raises(IntegrityError):
        moderation.publish(ghost, comment)
    comment.refresh_from_db()
    assert comment.state == CommentState.RECEIVED and comment.published_at is None
