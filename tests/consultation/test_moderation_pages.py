"""The officials' pages over real HTTP: who may open them, the queue's filters and map, the
actions on one comment, batch actions, opinions entered on a resident's behalf, masked
contact details and the audited look at them, CSRF on every form."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultation.models import Channel, Comment, CommentState, Reply, Stance
from layers.models import PublicPolicy
from planportal.models import AuditEvent
from tests.consultation.staff_helpers import TOWN, ensure_villages
from tests.factories import (
    EMAIL,
    PASSWORD,
    PHONE,
    add_feature,
    make_comment,
    make_consultation,
    make_layer,
    make_planner,
    make_user,
    square,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(demo_plan):
    """The demo plan: the queue filters by its chapters and villages."""
    return demo_plan


def get_urls(comment):
    pk, cpk = comment.pk, comment.consultation_id
    return [
        reverse("staff-queue"),
        reverse("staff-queue-map"),
        reverse("staff-comment", args=[pk]),
        reverse("staff-enter", args=[cpk]),
        reverse("staff-export-csv", args=[cpk]),
        reverse("staff-export-xlsx", args=[cpk]),
        reverse("staff-stats", args=[cpk]),
        reverse("consultation-report", args=[cpk]),
        reverse("consultation-report-xlsx", args=[cpk]),
    ]


def post_requests(comment):
    pk, cpk = comment.pk, comment.consultation_id
    return [
        (reverse("staff-publish", args=[pk]), {"reason": ""}),
        (reverse("staff-hide", args=[pk]), {"reason": "广告"}),
        (reverse("staff-answer", args=[pk]), {"result": "adopted", "reason": "采纳"}),
        (reverse("staff-duplicate", args=[pk]), {"original": ""}),
        (reverse("staff-contact", args=[pk]), {}),
        (reverse("staff-batch"), {"consultation": cpk, "comments": [pk], "action": "publish"}),
        (
            reverse("staff-enter", args=[cpk]),
            {"channel": "letter", "stance": "oppose", "body": "来信"},
        ),
        (reverse("staff-submitter", args=[pk]), {"submitter_kind": "person"}),
        (reverse("consultation-report-freeze", args=[cpk]), {}),
    ]


def test_anonymous_visitors_are_sent_to_the_staff_login(client, comment, new_audit_events):
    for url in get_urls(comment):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("staff-login") + "?next="), url
    for url, data in post_requests(comment):
        assert client.post(url, data).status_code == 302, url
    assert new_audit_events().filter(object_type="consultation.comment").count() == 0


@pytest.mark.parametrize("who", ["planner", "resident"])
def test_signed_in_users_who_are_not_officials_get_403_everywhere(
    client, comment, who, new_audit_events
):
    client.force_login(make_planner() if who == "planner" else make_user("resident"))
    for url in get_urls(comment):
        assert client.get(url).status_code == 403, url
    for url, data in post_requests(comment):
        assert client.post(url, data).status_code == 403, url
    comment.refresh_from_db()
    assert comment.state == CommentState.RECEIVED
    assert Comment.objects.filter(consultation=comment.consultation).count() == 1
    assert not new_audit_events().filter(object_type="consultation.comment").exists()


def test_a_superuser_may_open_the_queue(client, comment):
    client.force_login(make_user("root", is_superuser=True))
    assert client.get(reverse("staff-queue")).status_code == 200


def test_an_official_logs_in_on_the_staff_login_page(client, official):
    page = client.get(reverse("staff-login"))
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()
    response = client.post(
        reverse("staff-login"), {"username": official.username, "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("staff-home")
    assert client.get(response["Location"])["Location"] == reverse("staff-queue")
    assert client.get(reverse("staff-queue")).status_code == 200


def test_every_form_needs_the_csrf_token(official, comment, new_audit_events):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(official)
    for url, data in post_requests(comment):
        assert strict.post(url, data).status_code == 403, url
    comment.refresh_from_db()
    assert comment.state == CommentState.RECEIVED
    assert not new_audit_events().filter(object_type="consultation.comment").exists()


def test_the_queue_shows_masked_phones_and_never_the_full_contact(official_client, comment):
    page = official_client.get(reverse("staff-queue"), {"consultation": comment.consultation_id})
    text = page.content.decode()
    assert comment.receipt_code in text and "138****5678" in text
    assert PHONE not in text and EMAIL not in text
    assert "no-store" in page["Cache-Control"]
    detail = official_client.get(reverse("staff-comment", args=[comment.pk])).content.decode()
    assert "138****5678" in detail and "z***@example.cn" in detail
    assert PHONE not in detail and EMAIL not in detail


def test_show_contact_details_reveals_them_once_and_is_audited(official_client, comment, official):
    response = official_client.post(reverse("staff-contact", args=[comment.pk]))
    text = response.content.decode()
    assert response.status_code == 200 and PHONE in text and EMAIL in text
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="comment.show_contact", object_id=str(comment.pk))
    assert event.actor == official
    # The next ordinary view is masked again.
    again = official_client.get(reverse("staff-comment", args=[comment.pk])).content.decode()
    assert PHONE not in again


def queue_codes(client, consultation, **filters) -> set[str]:
    page = client.get(reverse("staff-queue"), {"consultation": consultation.pk, **filters})
    assert page.status_code == 200
    text = page.content.decode()
    codes = Comment.objects.filter(consultation=consultation).values_list("receipt_code", flat=True)
    return {code for code in codes if code in text}


def test_the_queue_filters_by_state_stance_chapter_layer_and_village(
    official_client, consultation, demo_plan, official
):
    villages = ensure_villages(demo_plan)
    chapter3, chapter7 = demo_plan.chapters.get(number=3), demo_plan.chapters.get(number=7)
    layer = make_layer(
        demo_plan, "test-officials-stops", geometry_type="Point", shapes=[], chapter=chapter7
    )
    stop = add_feature(layer, square(*TOWN, 0.002).centroid, "公交站")
    in_chapter3 = make_comment(
        consultation, section=chapter3.sections.first(), stance=Stance.SUPPORT
    )
    on_layer = make_comment(consultation, layer=layer, feature=stop, stance=Stance.OPPOSE)
    in_village = make_comment(consultation, villages=[villages[0]])
    published = make_comment(consultation)
    from consultation import moderation

    moderation.publish(official, published)

    def codes(**filters):
        return queue_codes(official_client, consultation, **filters)

    everything = {c.receipt_code for c in (in_chapter3, on_layer, in_village, published)}
    assert codes() == everything
    assert codes(chapter=chapter3.pk) == {in_chapter3.receipt_code}
    assert codes(chapter=chapter7.pk) == {on_layer.receipt_code}  # by the layer's chapter
    assert codes(layer=layer.pk) == {on_layer.receipt_code}
    assert codes(village=villages[0]) == {in_village.receipt_code}
    assert codes(stance="oppose") == {on_layer.receipt_code}
    assert codes(state="published") == {published.receipt_code}
    assert codes(state="received") == everything - {published.receipt_code}
    assert codes(result="none") == everything
    assert codes(q=in_village.receipt_code.lower()) == {in_village.receipt_code}


def test_the_queue_map_serves_drawn_places_and_only_points_of_tiles_only_parcels(
    official_client, consultation, demo_plan
):
    parcels = make_layer(
        demo_plan,
        "test-officials-farmland",
        geometry_type="Polygon",
        policy="tiles-only",
        shapes=[],
    )
    assert parcels.public_policy == PublicPolicy.TILES_ONLY
    parcel = add_feature(parcels, square(*TOWN, 0.002), "地块")
    drawn = make_comment(
        consultation, drawn=square(TOWN[0] + 0.01, TOWN[1], 0.002), body="<b>画的</b>"
    )
    on_parcel = make_comment(consultation, layer=parcels, feature=parcel)
    make_comment(consultation)  # the plan as a whole: not on the map
    response = official_client.get(reverse("staff-queue-map"), {"consultation": consultation.pk})
    collection = response.json()
    by_code = {f["properties"]["receipt_code"]: f for f in collection["features"]}
    assert set(by_code) == {drawn.receipt_code, on_parcel.receipt_code}
    assert by_code[drawn.receipt_code]["geometry"]["type"] == "Polygon"
    assert by_code[drawn.receipt_code]["properties"]["excerpt"] == "<b>画的</b>"  # text, not HTML
    assert by_code[on_parcel.receipt_code]["geometry"]["type"] == "Point"
    assert PHONE not in response.content.decode()


def test_answering_on_the_comment_page_saves_the_answer_and_can_publish(official_client, comment):
    url = reverse("staff-answer", args=[comment.pk])
    response = official_client.post(
        url, {"result": "partly", "reason": "部分采纳，站点移至村委会旁", "publish": "on"}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.state == CommentState.PUBLISHED
    assert (comment.reply.result, comment.reply.is_published) == ("partly", True)
    page = official_client.get(reverse("staff-comment", args=[comment.pk])).content.decode()
    assert "部分采纳，站点移至村委会旁" in page


def test_an_answer_without_a_reason_is_refused_with_a_message(official_client, comment):
    response = official_client.post(
        reverse("staff-answer", args=[comment.pk]), {"result": "adopted", "reason": ""}
    )
    assert response.status_code == 400
    assert not Reply.objects.filter(comment=comment).exists()


def test_hiding_on_the_comment_page_needs_a_reason(official_client, comment):
    url = reverse("staff-hide", args=[comment.pk])
    assert official_client.post(url, {"reason": ""}).status_code == 400
    assert official_client.post(url, {"reason": "与规划无关"}).status_code == 302
    comment.refresh_from_db()
    assert (comment.state, comment.state_reason) == (CommentState.HIDDEN, "与规划无关")


def test_grouping_a_duplicate_by_receipt_code(official_client, consultation):
    first, again = make_comment(consultation), make_comment(consultation)
    url = reverse("staff-duplicate", args=[again.pk])
    assert official_client.post(url, {"original": "NOSUCHCODE"}).status_code == 400
    assert official_client.post(url, {"original": first.receipt_code.lower()}).status_code == 302
    again.refresh_from_db()
    assert again.duplicate_of == first


def test_a_batch_publishes_the_selected_comments(official_client, consultation, new_audit_events):
    chosen = [make_comment(consultation) for _ in range(2)]
    left = make_comment(consultation)
    response = official_client.post(
        reverse("staff-batch"),
        {"consultation": consultation.pk, "comments": [c.pk for c in chosen], "action": "publish"},
    )
    assert response.status_code == 302
    states = dict(Comment.objects.values_list("pk", "state"))
    assert [states[c.pk] for c in chosen] == ["published", "published"]
    assert states[left.pk] == "received"
    assert new_audit_events().filter(action="comment.publish").count() == 2


def test_a_batch_answer_without_a_reason_changes_nothing(official_client, consultation):
    comment = make_comment(consultation)
    official_client.post(
        reverse("staff-batch"),
        {
            "consultation": consultation.pk,
            "comments": [comment.pk],
            "action": "answer",
            "result": "adopted",
            "reason": "",
        },
    )
    assert not Reply.objects.filter(comment=comment).exists()


def test_a_batch_cannot_reach_comments_of_another_consultation(
    official_client, consultation, demo_plan
):
    other = make_comment(make_consultation(demo_plan, title="另一次征求意见"))
    official_client.post(
        reverse("staff-batch"),
        {"consultation": consultation.pk, "comments": [other.pk], "action": "publish"},
    )
    other.refresh_from_db()
    assert other.state == CommentState.RECEIVED


def test_an_official_enters_a_phone_call_for_a_resident(
    official_client, consultation, official, demo_plan
):
    villages = ensure_villages(demo_plan)
    section = demo_plan.chapters.get(number=7).sections.first()
    response = official_client.post(
        reverse("staff-enter", args=[consultation.pk]),
        {
            "channel": Channel.PHONE,
            "stance": Stance.SUGGEST,
            "body": "电话反映：希望增加公交班次。",
            "section": section.pk,
            "village": villages[0],
            "name": "王五",
            "phone": "139 0000 2222",
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    comment = Comment.objects.get(consultation=consultation)
    assert (comment.channel, comment.entered_by, comment.phone) == (
        "phone",
        official,
        "13900002222",
    )
    assert comment.consent_privacy is False and comment.villages == [villages[0]]
    assert AuditEvent.objects.filter(action="comment.enter", object_id=str(comment.pk)).exists()
    page = official_client.get(response["Location"]).content.decode()
    assert comment.receipt_code in page


def test_entering_refuses_the_web_channel_and_bad_phones(official_client, consultation):
    url = reverse("staff-enter", args=[consultation.pk])
    base = {"stance": "oppose", "body": "来信", "received_on": timezone.localdate().isoformat()}
    assert official_client.post(url, {**base, "channel": "web"}).status_code == 400
    assert (
        official_client.post(url, {**base, "channel": "letter", "phone": "abc"}).status_code == 400
    )
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_the_staff_pages_work_in_english(official_client, comment):
    from django.utils import translation

    # The request switches this thread to English; switch back for the tests that follow.
    with translation.override(translation.get_language()):
        page = official_client.get("/en/staff/comments/")
    assert page.status_code == 200 and "Comment queue" in page.content.decode()
