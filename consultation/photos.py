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


def max_pixels(format: str = "JPEG") -> int:
    """The pixel cap of a photo in ``format``: a JPEG is decoded at a reduced scale (draft),
    a PNG or WebP at full size, so theirs is lower."""
    if format == "JPEG":
        return int(settings.COMMENT_PHOTO_MAX_PIXELS)
    return int(settings.COMMENT_PHOTO_MAX_PIXELS_FULL_DECODE)


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


def _too_many_pixels(format: str) -> PhotoError:
    return PhotoError(
        _("The photo has too many pixels (at most %(mp)s million).")
        % {"mp": max_pixels(format) // 1_000_000}
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
    if width * height > max_pixels(image.format) or width < 1 or height < 1:
        raise _too_many_pixels(image.format)
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
                image.draft("RGB", _shrunk_size(image.size))
            image.load()
            # The full-size picture is let go as soon as a smaller one exists.
            image = _reduced(image)
            return _re_encode(image)
        except _UNREADABLE:
            raise _not_a_photo() from None


def _shrunk_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size the picture is kept at. JPEG's draft mode scales by 1/2, 1/4 or 1/8 while both
    sides stay at least this size: asked for a square max_side x max_side, a 6000 x 4000
    photo would not be scaled at all (4000 < 2 x 2048)."""
    scale = min(1.0, max_side() / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _reduced(image: Image.Image) -> Image.Image:
    """A picture at least 1.5 times larger than kept, reduced by an integer factor (averaging
    blocks of pixels, cheap), so that the resampling afterwards works on a few megapixels:
    resampling RGBA first makes a premultiplied copy of the whole picture. The result may be
    a little under max_side (a 4000 px PNG becomes 2000 px)."""
    factor = round(max(image.size) / max_side())
    return image.reduce(factor) if factor >= 2 else image


# Modes that shrink well as they are; others (palette, CMYK, 16-bit) are converted first.
SHRINK_AS_IS = ("RGB", "RGBA", "L", "LA")


def _re_encode(image: Image.Image) -> CleanPhoto:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    if image.mode not in SHRINK_AS_IS:
        image = image.convert(mode)
    # Shrunk first, in place, so that turning and converting work on the small picture: a
    # full-size copy would double what one decode costs (96 MB for a 24 MP PNG).
    image.thumbnail((max_side(), max_side()), Image.Resampling.LANCZOS)
    # Turn the picture upright as the camera meant it, before its EXIF is dropped.
    image = ImageOps.exif_transpose(image)
    if image.mode != mode:
        image = image.convert(mode)
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
