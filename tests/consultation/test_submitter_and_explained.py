"""Who gave an opinion (个人 / 单位 / 部门 / 专家 and the organisation) as officials record it,
on the entry form for letters, calls and visits, on the comment page and through the staff
API; and the 说明解释／不属于本规划事项 answer in the answer form and API, the queue filter and
the statistics. Opinions from the on-site notice board (现场) are entered like letters."""

import pytest
from django.urls import reverse
from django.utils import timezone

from consultation import moderation
from consultation.models import Channel, Comment, Reply, Result, Stance, SubmitterKind
from consultation.periods import china_date
from planportal.models import AuditEvent
from tests.factories import PHONE, make_comment, make_planner, token_header

pytestmark = pytest.mark.django_db


def submitter_url(comment) -> str:
    return f"/api/comments/{comment.pk}/submitter/"


def test_an_official_enters_a_department_letter_from_the_on_site_board(
    official_client, consultation
):
    response = official_client.post(
        reverse("staff-enter", args=[consultation.pk]),
        {
            "channel": Channel.ON_SITE,
            "stance": Stance.SUGGEST,
            "body": "建议预留公交首末站用地。",
            "submitter_kind": SubmitterKind.DEPARTMENT,
            "organisation": " 孝义市交通运输局 ",
            "received_on": china_date(timezone.now()).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()
    comment = Comment.objects.get(consultation=consultation)
    assert (comment.channel, comment.submitter_kind, comment.organisation) == (
        "onsite",
        "department",
        "孝义市交通运输局",
    )
    event = AuditEvent.objects.get(action="comment.enter", object_id=str(comment.pk))
    assert event.after["submitter_kind"] == "department"


def test_an_organisation_must_be_named_and_a_person_never_is(official_client, consultation):
    url = reverse("staff-enter", args=[consultation.pk])
    today = china_date(timezone.now()).isoformat()
    base = {"channel": "letter", "stance": "oppose", "body": "来信", "received_on": today}
    response = official_client.post(url, {**base, "submitter_kind": "organisation"})
    assert response.status_code == 400 and "请填写单位、部门或机构名称" in response.content.decode()
    assert not Comment.objects.exists()
    response = official_client.post(
        url, {**base, "submitter_kind": "person", "organisation": "某公司", "name": "王五"}
    )
    assert response.status_code == 302
    comment = Comment.objects.get(consultation=consultation)
    assert (comment.submitter_kind, comment.organisation) == ("person", "")


def test_the_comment_page_sets_who_gave_it_and_records_it(official_client, comment, official):
    page = official_client.get(reverse("staff-comment", args=[comment.pk])).content.decode()
    assert 'id="submitter-submitter_kind"' in page
    response = official_client.post(
        reverse("staff-submitter", args=[comment.pk]),
        {"submitter_kind": "organisation", "organisation": "阳泉曲村村民委员会"},
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.submitter_kind, comment.organisation) == ("organisation", "阳泉曲村村民委员会")
    event = AuditEvent.objects.get(action="comment.set_submitter", object_id=str(comment.pk))
    assert event.actor == official and event.before["submitter_kind"] == "person"
    refused = official_client.post(
        reverse("staff-submitter", args=[comment.pk]), {"submitter_kind": "expert"}
    )
    assert refused.status_code == 400


def test_the_staff_api_sets_who_gave_it(client, official, comment):
    response = client.post(
        submitter_url(comment),
        {"submitter_kind": "expert", "organisation": "太原理工大学"},
        content_type="application/json",
        **token_header(official),
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": comment.pk,
        "receipt_code": comment.receipt_code,
        "submitter_kind": "expert",
        "organisation": "太原理工大学",
    }
    assert PHONE not in response.content.decode()
    comment.refresh_from_db()
    assert comment.organisation == "太原理工大学"
    assert AuditEvent.objects.filter(action="comment.set_submitter").count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {"submitter_kind": "company", "organisation": "x"},
        {"submitter_kind": "department"},
        {"organisation": "x"},
        {"submitter_kind": "expert", "organisation": 5},
    ],
)
def test_the_staff_api_refuses_bad_input(client, official, comment, payload):
    response = client.post(
        submitter_url(comment), payload, content_type="application/json", **token_header(official)
    )
    assert response.status_code == 400
    comment.refresh_from_db()
    assert comment.submitter_kind == "person"


def test_the_staff_api_is_for_officials_only(client, comment):
    payload = {"submitter_kind": "expert", "organisation": "太原理工大学"}
    assert (
        client.post(submitter_url(comment), payload, content_type="application/json").status_code
        == 401
    )
    response = client.post(
        submitter_url(comment),
        payload,
        content_type="application/json",
        **token_header(make_planner()),
    )
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.submitter_kind == "person"


def test_the_answer_api_and_form_offer_the_explained_result(
    client, official, official_client, comment, consultation
):
    response = client.post(
        f"/api/comments/{comment.pk}/answer/",
        {"result": "explained", "reason": "属村庄规划事项，已转村委会。"},
        content_type="application/json",
        **token_header(official),
    )
    assert response.status_code == 200, response.content
    assert response.json()["reply"]["result_label"] == "说明解释／不属于本规划事项"
    page = official_client.get(reverse("staff-comment", args=[comment.pk])).content.decode()
    assert 'value="explained"' in page
    other = make_comment(consultation, body="另一条")
    response = official_client.post(
        reverse("staff-answer", args=[other.pk]), {"result": "explained", "reason": "说明"}
    )
    assert response.status_code == 302
    assert Reply.objects.get(comment=other).result == Result.EXPLAINED


def test_the_queue_filter_and_the_statistics_count_the_explained(
    official_client, official, consultation, comment
):
    moderation.answer(official, comment, Result.EXPLAINED, "说明")
    unanswered = make_comment(consultation, body="还没有答复")
    queue = official_client.get(
        reverse("staff-queue"), {"consultation": consultation.pk, "result": "explained"}
    ).content.decode()
    assert comment.receipt_code in queue and unanswered.receipt_code not in queue
    stats = official_client.get(reverse("staff-stats", args=[consultation.pk])).content.decode()
    assert "说明解释／不属于本规划事项" in stats
