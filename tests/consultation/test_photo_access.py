"""Residents' photos reach the officials of the comment's plan, and nobody else: through the
staff view (consultation/photo_views.py), audited, never under a public /media/ address, sent
by nginx (X-Accel-Redirect) or by Django when no nginx is in front; and they are deleted with
the contact details at the end of retention, as the privacy notice says."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from consultation.photo_views import INTERNAL_PREFIX
from consultation.privacy import privacy_notice
from planportal.clients import client_key
from tests.factories import add_photo, make_comment, make_consultation

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


@pytest.fixture
def pictured(consultation):
    return add_photo(make_comment(consultation))


def photo_url(comment) -> str:
    return f"/staff/comments/{comment.pk}/photo/"


def stored_bytes(comment) -> bytes:
    return (Path(settings.MEDIA_ROOT) / comment.photo.name).read_bytes()


def test_an_official_of_the_plan_sees_the_photo_and_the_look_is_audited(
    official_client, official, pictured, new_audit_events
):
    response = official_client.get(photo_url(pictured), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored_bytes(pictured)
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("inline;")
    event = new_audit_events().get(action="comment.view_photo")
    assert (event.actor, event.object_id) == (official, str(pictured.pk))
    assert event.client_key == client_key(ADDRESS)


def test_behind_nginx_the_file_is_handed_to_its_internal_location(
    official_client, pictured, settings, new_audit_events
):
    settings.MEDIA_X_ACCEL_REDIRECT = True
    response = official_client.get(photo_url(pictured))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == INTERNAL_PREFIX + pictured.photo.name
    assert response.content == b""
    assert response["Content-Type"] == "image/jpeg"
    assert new_audit_events().filter(action="comment.view_photo").count() == 1


@pytest.mark.parametrize("who", ["anonymous", "planner"])
def test_nobody_else_gets_it_and_nothing_is_recorded(
    client, planner_client, pictured, who, new_audit_events
):
    response = (client if who == "anonymous" else planner_client).get(photo_url(pictured))
    assert response.status_code == (302 if who == "anonymous" else 403)
    assert b"\xff\xd8" not in response.content
    assert not new_audit_events().filter(action="comment.view_photo").exists()


def test_there_is_no_public_address_for_a_stored_photo(client, official_client, pictured):
    assert client.get(f"/media/{pictured.photo.name}").status_code == 404
    assert official_client.get(f"/media/{pictured.photo.name}").status_code == 404
    assert official_client.get(f"{INTERNAL_PREFIX}{pictured.photo.name}").status_code == 404


def test_a_comment_without_a_photo_or_whose_file_is_gone_answers_404(
    official_client, consultation, pictured
):
    assert official_client.get(photo_url(make_comment(consultation))).status_code == 404
    (Path(settings.MEDIA_ROOT) / pictured.photo.name).unlink()
    assert official_client.get(photo_url(pictured)).status_code == 404


def test_the_staff_comment_page_shows_the_photo_through_the_view(official_client, pictured):
    page = official_client.get(f"/staff/comments/{pictured.pk}/").content.decode()
    assert f'<img src="{photo_url(pictured)}"' in page
    assert "/media/" not in page


def test_the_photo_is_deleted_with_the_contact_details_at_the_end_of_retention(
    plan, official_client, django_capture_on_commit_callbacks
):
    old = make_consultation(plan, opens_days_ago=230, title="早已结束的征求意见")
    comment = add_photo(make_comment(old))
    stored = Path(settings.MEDIA_ROOT) / comment.photo.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("purge_contacts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    comment.refresh_from_db()
    assert (comment.photo.name, comment.phone) == ("", "")
    assert not stored.exists()
    assert official_client.get(photo_url(comment)).status_code == 404
    page = official_client.get(f"/staff/comments/{comment.pk}/").content.decode()
    assert 'id="comment-photo"' not in page


def test_the_privacy_notice_says_what_happens_to_photos(consultation):
    text = " ".join(privacy_notice(consultation)["paragraphs"])
    assert "照片保存时删除位置和拍摄设备信息，仅供处理意见的工作人员查看，不予公开" in text
    assert "电子邮箱和照片在征求意见结束 180 天后删除" in text
