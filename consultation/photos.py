"""A resident's photo, made safe to keep: the type is read from the content (not the name or
the declared type), the size and pixel count are capped before anything is decoded, and the
picture is re-encoded from its pixels alone, so EXIF (GPS position, camera, time), ICC
profiles, comments and anything hidden after the image data are gone.

JPEG is decoded at a reduced scale when it is larger than needed (Pillow's draft mode), so a
big phone photo costs little memory; an image that claims more pixels than the cap is refused
from its header, before decoding, which also defuses decompression bombs.

The work is in two steps, so that the expensive one comes after every cheap refusal:
``PhotoUpload.from_bytes`` reads the size, the type and the pixel count from the header only
(Pillow's ``Image.open`` does not decode pixels), and is what the form's field check does;
``PhotoUpload.clean`` decodes and re-encodes, and consultation/submission.py calls it only once
the form token, the rate limits and every other field have passed. At most
``COMMENT_PHOTO_DECODES_PER_PROCESS`` photos are decoded at once per process, so twelve
uploads arriving together cost a few decodes' memory, not twelve.
"""

import base64
import binascii
import io
import re
import secrets
import threading
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
DATA_URL = re.compile(r"^data:(?:image/[\w.+-]+)?(?:;[\w=.+-]+)*;base64,", re.IGNORECASE)
JPEG_QUALITY = 85


class PhotoError(ValueError):
    """A photo that cannot be accepted; the message is for the resident."""


@dataclass(frozen=True)
class PhotoHeader:
    format: str
    width: int
    height: int


@dataclass(frozen=True)
class PhotoUpload:
    """A photo whose header passed: not decoded yet."""

    data: bytes
    header: PhotoHeader

    @classmethod
    def from_bytes(cls, data: bytes) -> "PhotoUpload":
        return cls(data, read_header(data))

    def clean(self) -> "CleanPhoto":
        return clean_photo(self.data)


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    extension: str  # "jpg" or "png"
    width: int
    height: int

    def as_file(self) -> ContentFile:
        # A server-made name: nothing of the resident's file name is kept.
        return ContentFile(self.content, name=f"{secrets.token_hex(16)}.{self.extension}")


def max_bytes() -> int:
    return int(settings.COMMENT_PHOTO_MAX_BYTES)


def max_request_bytes() -> int:
    """The largest comment request: the photo as base64 JSON (larger than as multipart) plus
    room for the text fields. planportal.middleware refuses a larger one before reading it."""
    return (max_bytes() + 2) // 3 * 4 + 64 * 1024


def max_pixels() -> int:
    return int(settings.COMMENT_PHOTO_MAX_PIXELS)


def max_side() -> int:
    return int(settings.COMMENT_PHOTO_MAX_SIDE)


def too_large_message() -> str:
    return _("The photo is too large (at most %(mb)s MB).") % {"mb": max_bytes() // (1024 * 1024)}


def decode_data_url(text: str) -> bytes:
    """The bytes of a ``data:image/...;base64,...`` URL, refusing oversized ones before
    decoding them."""
    match = DATA_URL.match(text[:200])
    if not match:
        raise PhotoError(_("The photo could not be read. Please choose a JPEG or PNG picture."))
    payload = text[match.end() :]
    if len(payload) > (max_bytes() + 2) // 3 * 4 + 4:
        raise PhotoError(too_large_message())
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise PhotoError(
            _("The photo could not be read. Please choose a JPEG or PNG picture.")
        ) from None


def _not_a_photo() -> PhotoError:
    return PhotoError(_("This file is not a photo. Please choose a JPEG or PNG picture."))


def _too_many_pixels() -> PhotoError:
    return PhotoError(
        _("The photo has too many pixels (at most %(mp)s million).")
        % {"mp": max_pixels() // 1_000_000}
    )


# What Pillow raises on a file it cannot read; any bomb warning is a refusal as well.
_UNREADABLE = (
    UnidentifiedImageError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
)


def _open(data: bytes) -> Image.Image:
    """The image with its header read and its pixels not decoded; PhotoError when the bytes
    are not an allowed format or claim more pixels than the cap."""
    if len(data) > max_bytes():
        raise PhotoError(too_large_message())
    try:
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except _UNREADABLE:
        raise _not_a_photo() from None
    width, height = image.size
    if width * height > max_pixels() or width < 1 or height < 1:
        raise _too_many_pixels()
    return image


def read_header(data: bytes) -> PhotoHeader:
    """Size, type and pixel count, from the header alone: cheap enough to run before the rate
    limits are counted."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data)
        return PhotoHeader(image.format, *image.size)


_decoding = threading.BoundedSemaphore(max(1, int(settings.COMMENT_PHOTO_DECODES_PER_PROCESS)))


def clean_photo(data: bytes) -> CleanPhoto:
    with warnings.catch_warnings(), _decoding:
        # Pillow only warns below twice its own limit; here any bomb warning is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data)
        try:
            if image.format == "JPEG":
                image.draft("RGB", (max_side(), max_side()))
            image.load()
            return _re_encode(image)
        except _UNREADABLE:
            raise _not_a_photo() from None


def _re_encode(image: Image.Image) -> CleanPhoto:
    # Turn the picture upright as the camera meant it, before its EXIF is dropped.
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((max_side(), max_side()), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: no info dict, so no EXIF, ICC profile or text chunks
    # can travel along into the saved file.
    clean = Image.frombytes(image.mode, image.size, image.tobytes())
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, "PNG", optimize=True)
        extension = "png"
    else:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
        extension = "jpg"
    return CleanPhoto(out.getvalue(), extension, clean.width, clean.height)
