"""Cheap refusals before expensive work (issue 14, item 2): a photo is decoded only after the
form token and the rate limits let the comment through, and an oversized body is refused
before anything reads it, Django's CSRF check included.

The order is shown through what the answers say. The photos sent here cannot be decoded (a
valid header in front of broken pixel data) or claim a decompression bomb's size: a client
that may send its comment gets the photo's error, so a client that gets 429 or the form
token's error instead was answered before its photo was decoded.
"""

import base64
import struct
import zlib

import pytest

from consultation.models import Comment
from tests.consultation.submit_helpers import payload, post_comment

pytestmark = pytest.mark.django_db
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def limits(settings):
    settings.COMMENT_RATE_PER_IP = (2, 3600)
    settings.COMMENT_POW_AFTER = 100
    settings.TRUSTED_PROXY_HOPS = 0
    return settings


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (RGB) and whose pixel data is broken: Pillow
    reads its size without complaint and fails only when it decodes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    broken = zlib.compress(b"\x00" * 1000)[:-6] + b"not deflate at all"
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", broken)
        + _chunk(b"IEND", b"")
    )


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def test_a_photo_that_cannot_be_decoded_is_refused_when_it_is_decoded(client, consultation):
    """The control for the tests below: this photo gets its own error once it is decoded."""
    photo = data_url(png_header_only(3000, 2000))
    answer = post_comment(client, consultation, payload(consultation, photo=photo), **ENGLISH)
    assert answer.status_code == 400
    assert list(answer.json()) == ["photo"]
    assert "not a photo" in answer.json()["photo"][0]


def test_a_client_over_its_limit_gets_429_before_its_photo_is_decoded(
    client, consultation, limits, media
):
    for _ in range(2):
        assert post_comment(client, consultation, ip="198.51.100.7").status_code == 201
    photo = data_url(png_header_only(3000, 2000))
    refused = post_comment(
        client, consultation, payload(consultation, photo=photo), ip="198.51.100.7"
    )
    assert refused.status_code == 429
    assert "photo" not in refused.json()
    assert not list(media.rglob("*.png")) and not list(media.rglob("*.jpg"))
    assert Comment.objects.filter(consultation=consultation).count() == 2


def test_a_client_asked_for_a_challenge_gets_428_before_its_photo_is_decoded(
    client, consultation, limits
):
    limits.COMMENT_POW_AFTER = 1
    assert post_comment(client, consultation).status_code == 201
    photo = data_url(png_header_only(3000, 2000))
    asked = post_comment(client, consultation, payload(consultation, photo=photo))
    assert asked.status_code == 428 and asked.json()["code"] == "challenge_required"


def test_a_refused_form_token_is_answered_before_a_bomb_sized_photo_is_looked_at(
    client, consultation
):
    bomb = data_url(png_header_only(30_000, 30_000))  # 900 MP, 2.7 GB of pixels
    answer = post_comment(
        client, consultation, payload(consultation, form_token="forged", photo=bomb)
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "form_invalid" and "photo" not in answer.json()


def test_a_photo_over_the_pixel_cap_is_refused_from_its_header(client, consultation):
    too_many = data_url(png_header_only(4000, 2500))  # 10 MP, over the 8 MP of a PNG
    answer = post_comment(client, consultation, payload(consultation, photo=too_many), **ENGLISH)
    assert answer.status_code == 400
    assert "too many pixels" in answer.json()["photo"][0]


def test_the_pixel_caps_are_what_a_phone_photo_needs(settings):
    """24 MP for a JPEG (twice a phone's usual 12 MP, decoded at a reduced scale), 8 MP for a
    PNG or WebP (decoded at full size; from a phone, a screenshot), where any photo of up to
    40 MP used to be decoded."""
    assert settings.COMMENT_PHOTO_MAX_PIXELS == 24_000_000
    assert settings.COMMENT_PHOTO_MAX_PIXELS_FULL_DECODE == 8_000_000


def test_the_html_form_refuses_an_oversized_body_before_the_csrf_check_reads_it(
    consultation, settings
):
    """With a csrftoken cookie of any value, Django's CSRF check parses a multipart body (and
    spools its files to disk) to find the token, then answers 403. A 413 here shows the size
    was checked first, from Content-Length alone."""
    from django.test import Client

    settings.COMMENT_PHOTO_MAX_BYTES = 10_000
    browser = Client(enforce_csrf_checks=True)
    browser.cookies["csrftoken"] = "A" * 32
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = payload(consultation, consent_privacy="true")
    data["photo"] = SimpleUploadedFile("big.jpg", b"\xff" * 200_000, content_type="image/jpeg")
    url = f"/consultations/{consultation.pk}/comment/"
    assert browser.post(url, data).status_code == 413
    small = payload(consultation, consent_privacy="true")
    assert browser.post(url, small).status_code == 403  # the CSRF check itself still runs


def test_the_json_api_refuses_an_oversized_body_from_its_content_length(client, consultation):
    """2 GB announced, a few bytes sent: answered at once, nothing waits for the rest."""
    answer = client.post(
        f"/api/consultations/{consultation.pk}/comments/",
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert answer.status_code == 413


def test_a_20_megapixel_phone_jpeg_is_taken_and_kept_at_2048_px(client, consultation, media):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (6000, 3400), (90, 140, 60)).save(out, "JPEG")
    data = payload(
        consultation, photo="data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
    )
    answer = post_comment(client, consultation, data)
    assert answer.status_code == 201
    comment = Comment.objects.get(pk=answer.json()["id"])
    with comment.photo.open("rb") as file:
        assert Image.open(file).size == (2048, 1161)
