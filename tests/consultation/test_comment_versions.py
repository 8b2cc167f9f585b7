"""A comment records the version of the plan it was made on: the version the consultation
shows. Its section is that version's row, not the row of the same number in another version,
whether the resident sent it from the web or an official typed in a letter."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from consultation import moderation
from consultation.models import Channel, Comment, Stance
from planportal.versions import new_draft, publish_version, section_of
from tests.consultation.submit_helpers import payload, post_comment
from tests.factories import make_consultation

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_version(plan):
    """Version 2 of the plan (修改稿), published after version 1: the second round shows it."""
    return publish_version(new_draft(plan))


@pytest.fixture
def consultation(plan, second_version):
    consultation = make_consultation(plan, title="修改稿第二次公示")
    assert consultation.shown_version == second_version
    return consultation


def test_a_web_comment_records_the_version_and_its_section_row(
    client, plan, consultation, second_version
):
    response = post_comment(client, consultation, payload(consultation, section="3.2"))
    assert response.status_code == 201, response.json()
    comment = Comment.objects.select_related("section__chapter").get(pk=response.json()["id"])
    assert comment.version == second_version
    assert comment.section == section_of(plan, "3.2", second_version)
    assert comment.section.chapter.version_id == second_version.pk
    # Version 1 has its own 3.2, which the comment does not point at.
    first = plan.versions.get(number=1)
    assert comment.section != section_of(plan, "3.2", first)


def test_a_comment_on_the_whole_plan_records_the_version_too(client, consultation, second_version):
    response = post_comment(client, consultation, payload(consultation))
    assert response.status_code == 201, response.json()
    comment = Comment.objects.get(pk=response.json()["id"])
    assert (comment.version, comment.section) == (second_version, None)


def test_the_html_form_records_the_version(client, plan, consultation, second_version):
    form = payload(consultation, section="3.2", consent_privacy="true")
    response = client.post(reverse("consultation-comment", args=[consultation.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    comment = Comment.objects.get(consultation=consultation)
    assert comment.version == second_version
    assert comment.section == section_of(plan, "3.2", second_version)


def test_a_letter_entered_by_an_official_records_the_version(
    official_client, plan, consultation, second_version
):
    section = section_of(plan, "3.2", second_version)
    response = official_client.post(
        reverse("staff-enter", args=[consultation.pk]),
        {
            "channel": "letter",
            "stance": "oppose",
            "body": "来信：反对调整控制线。",
            "section": section.pk,
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    comment = Comment.objects.get(consultation=consultation)
    assert (comment.channel, comment.version, comment.section) == (
        Channel.LETTER,
        second_version,
        section,
    )


def test_the_staff_form_offers_only_the_shown_versions_sections(
    official_client, plan, consultation
):
    old_section = section_of(plan, "3.2", plan.versions.get(number=1))
    response = official_client.post(
        reverse("staff-enter", args=[consultation.pk]),
        {
            "channel": "letter",
            "stance": "oppose",
            "body": "来信：反对调整控制线。",
            "section": old_section.pk,
            "received_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 400
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_entering_a_section_of_another_version_is_refused(official, plan, consultation):
    old_section = section_of(plan, "3.2", plan.versions.get(number=1))
    with (
        translation.override("zh-hans"),
        pytest.raises(moderation.ModerationError, match="不属于本次征求意见所公示的版本"),
    ):
        moderation.enter_on_behalf(
            official,
            consultation,
            channel=Channel.PHONE,
            body="来电：建议保留村口古槐。",
            stance=Stance.SUGGEST,
            section=old_section,
            received_on=timezone.localdate(),
        )
    assert not Comment.objects.filter(consultation=consultation).exists()
