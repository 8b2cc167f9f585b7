"""Photos: type read from the content, re-encoded, metadata stripped, size and pixel caps,
decompression bombs refused — through the JSON API (data URL) and the HTML form (multipart)."""

import base64
import io
import os
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from consultation.models import Comment
from tests.consultation.submit_helpers import payload, post_comment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def jpeg_with_gps(size=(640, 480), orientation=None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretPhone 12"  # Model
    gps = {1: "N", 2: (37.0, 4.0, 12.5), 3: "E", 4: (111.0, 32.0, 9.1)}
    exif[0x8825] = gps  # GPSInfo
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


def data_url(data: bytes, mime="image/jpeg") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def stored_photo(response) -> Image.Image:
    assert response.status_code == 201, response.json()
    comment = Comment.objects.get(pk=response.json()["id"])
    with comment.photo.open("rb") as file:
        data = file.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    image.raw_bytes = data
    return image


def test_a_jpeg_is_re_encoded_without_its_exif_and_gps(client, consultation):
    original = jpeg_with_gps()
    response = post_comment(client, consultation, payload(consultation, photo=data_url(original)))
    image = stored_photo(response)
    assert image.format == "JPEG"
    assert image.size == (640, 480)
    assert not image.getexif()
    assert b"SecretPhone" not in image.raw_bytes and b"taken at home" not in image.raw_bytes
    assert "exif" not in image.info and "icc_profile" not in image.info
    name = Comment.objects.get(pk=response.json()["id"]).photo.name
    assert name.startswith("comment-photos/") and name.endswith(".jpg")


def test_a_photo_is_turned_upright_before_its_orientation_tag_is_dropped(client, consultation):
    sideways = jpeg_with_gps(size=(640, 480), orientation=6)  # "rotate 90° clockwise to view"
    image = stored_photo(
        post_comment(client, consultation, payload(consultation, photo=data_url(sideways)))
    )
    assert image.size == (480, 640)


def test_a_png_with_text_chunks_keeps_its_transparency_but_not_its_text(client, consultation):
    image = Image.new("RGBA", (300, 200), (0, 128, 0, 128))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "张三 13812345678")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    stored = stored_photo(
        post_comment(
            client, consultation, payload(consultation, photo=data_url(out.getvalue(), "image/png"))
        )
    )
    assert stored.format == "PNG" and stored.mode == "RGBA"
    assert b"13812345678" not in stored.raw_bytes and not stored.text


def test_a_big_photo_is_scaled_down(client, consultation, settings):
    settings.COMMENT_PHOTO_MAX_SIDE = 1000
    image = stored_photo(
        post_comment(
            client, consultation, payload(consultation, photo=data_url(jpeg_with_gps((3000, 1500))))
        )
    )
    assert max(image.size) <= 1000


def test_the_declared_type_is_ignored_and_the_content_decides(client, consultation):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    response = post_comment(client, consultation, payload(consultation, photo=data_url(pdf)))
    assert response.status_code == 400 and list(response.json()) == ["photo"]
    gif = io.BytesIO()
    Image.new("P", (10, 10)).save(gif, "GIF")
    response = post_comment(
        client, consultation, payload(consultation, photo=data_url(gif.getvalue(), "image/png"))
    )
    assert response.status_code == 400 and list(response.json()) == ["photo"]
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_a_photo_over_the_size_cap_is_refused_before_decoding(client, consultation, settings):
    settings.COMMENT_PHOTO_MAX_BYTES = 10_000
    response = post_comment(
        client, consultation, payload(consultation, photo=data_url(b"\xff" * 20_000))
    )
    assert response.status_code == 400 and list(response.json()) == ["photo"]


def test_a_photo_over_the_pixel_cap_is_refused(client, consultation, settings):
    settings.COMMENT_PHOTO_MAX_PIXELS = 1_000_000  # a JPEG's cap
    settings.COMMENT_PHOTO_MAX_PIXELS_FULL_DECODE = 1_000_000  # a PNG's
    out = io.BytesIO()
    Image.new("1", (2000, 1000)).save(out, "PNG")  # tiny file, two million pixels
    response = post_comment(
        client, consultation, payload(consultation, photo=data_url(out.getvalue(), "image/png"))
    )
    assert response.status_code == 400 and list(response.json()) == ["photo"]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge picture: a decompression bomb's calling card."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_without_being_decoded(client, consultation):
    bomb = png_header_only(100_000, 100_000)
    response = post_comment(
        client, consultation, payload(consultation, photo=data_url(bomb, "image/png"))
    )
    assert response.status_code == 400 and list(response.json()) == ["photo"]


def test_a_truncated_photo_is_refused(client, consultation):
    broken = jpeg_with_gps()[:2000]
    response = post_comment(client, consultation, payload(consultation, photo=data_url(broken)))
    assert response.status_code == 400 and list(response.json()) == ["photo"]


def test_a_photo_larger_than_djangos_default_body_limit_is_accepted(client, consultation):
    noise = Image.frombytes("RGB", (1500, 1000), os.urandom(1500 * 1000 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > 2.5 * 1024 * 1024  # Django's DATA_UPLOAD_MAX_MEMORY_SIZE
    data = payload(consultation, photo=data_url(out.getvalue(), "image/png"))
    assert stored_photo(post_comment(client, consultation, data)).format == "JPEG"


def test_a_json_body_larger_than_a_photo_allows_is_refused_with_413(client, consultation, settings):
    settings.COMMENT_PHOTO_MAX_BYTES = 1024
    response = post_comment(client, consultation, payload(consultation, body="意" * 100_000))
    assert response.status_code == 413


def test_the_html_form_takes_a_photo_as_a_file(client, consultation):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = payload(consultation, consent_privacy="true")
    data["photo"] = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(
        f"/consultations/{consultation.pk}/comment/", data, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 302
    comment = Comment.objects.get(consultation=consultation)
    assert "IMG_0001" not in comment.photo.name
    with comment.photo.open("rb") as file:
        assert b"SecretPhone" not in file.read()


def test_the_html_form_refuses_an_oversized_upload_before_reading_it(
    client, consultation, settings
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.COMMENT_PHOTO_MAX_BYTES = 10_000
    data = payload(consultation, consent_privacy="true")
    data["photo"] = SimpleUploadedFile("big.jpg", b"\xff" * 200_000, content_type="image/jpeg")
    response = client.post(f"/consultations/{consultation.pk}/comment/", data)
    assert response.status_code == 413
    assert not Comment.objects.filter(consultation=consultation).exists()
