"""The plan's 图集: adding, editing and removing its sheets, each with its audit event.

    figure = add_figure(user, plan, upload, title="镇域国土空间总体格局图", section=section)
    update_figure(user, figure, title=..., section=..., review_number=..., position=...)
    delete_figure(user, figure)

A sheet is a PNG or JPEG image or a PDF. What it is is read from its content, and the name's
extension must say the same thing: a page of HTML or a program named ``图.png``, or a PDF named
``.jpg``, is refused as disguised (``FigureRefused``, a sentence for the planner). An image's
dimensions are read from its header and capped before any pixel is decoded; a PDF is opened
with pypdf and must have at least one page and no password. Everything is checked before
anything is written; the files (under MEDIA_ROOT, server-made names) are removed again when
the row cannot be saved, so a refusal or a failure leaves nothing behind.
"""

import hashlib
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from planportal.audit import record
from planportal.models import FigureKind, Plan, PlanFigure, PlanVersion, Section
from planportal.versions import working_draft

IMAGE_EXTENSIONS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "PDF": "application/pdf"}
THUMBNAIL_QUALITY = 85
# A PDF's header may follow a little leading junk; readers look this far for it.
PDF_HEADER_WINDOW = 1024


class FigureRefused(ValueError):
    """A figure file or setting that cannot be accepted; the message is for the planner."""


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    kind: str
    content_type: str
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    thumbnail: bytes | None = None


def max_bytes() -> int:
    return int(settings.FIGURE_MAX_BYTES)


def too_large_message() -> str:
    return _("The file is too large: at most %(mb)s MB.") % {"mb": max_bytes() // (1024 * 1024)}


def check_file(name: str, content: bytes) -> CheckedFile:
    """The file as a figure, or ``FigureRefused`` saying why not."""
    if len(content) > max_bytes():
        raise FigureRefused(too_large_message())
    return check_content(name, content)


def check_content(name: str, content: bytes) -> CheckedFile:
    """What the file is, read from its content, which must be what its name's extension says
    (the size is the caller's to cap): also the check of a procedure step's records
    (planportal/phases.py)."""
    if not content:
        raise FigureRefused(_("The file is empty."))
    extension = PurePath(name or "").suffix.lower()
    if extension == ".pdf":
        return _check_pdf(name, content)
    if extension in IMAGE_EXTENSIONS:
        return _check_image(name, content, IMAGE_EXTENSIONS[extension])
    raise FigureRefused(
        _("Only PNG or JPEG images and PDF files can be uploaded as figures (not %(name)s).")
        % {"name": name}
    )


def _disguised(name: str) -> FigureRefused:
    return FigureRefused(
        _(
            "%(name)s is not what its name says: its content is not a file of that type. "
            "It was refused; upload the real PNG, JPEG or PDF file."
        )
        % {"name": name}
    )


def _looks_like_pdf(content: bytes) -> bool:
    return b"%PDF-" in content[:PDF_HEADER_WINDOW]


def _check_pdf(name: str, content: bytes) -> CheckedFile:
    if not _looks_like_pdf(content):
        raise _disguised(name)
    try:
        reader = PdfReader(io.BytesIO(content))
        if reader.is_encrypted:
            raise FigureRefused(
                _("The PDF is protected by a password; upload it without the password.")
            )
        pages = len(reader.pages)
    except FigureRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, AttributeError):
        raise FigureRefused(_("The PDF could not be read: it is damaged.")) from None
    if pages < 1:
        raise FigureRefused(_("The PDF has no pages."))
    return CheckedFile(content, FigureKind.PDF, CONTENT_TYPES["PDF"], pages=pages)


def _check_image(name: str, content: bytes, claimed: str) -> CheckedFile:
    limit = int(settings.FIGURE_MAX_PIXELS)
    too_many = FigureRefused(
        _("The image has too many pixels: at most %(mp)s million.") % {"mp": limit // 1_000_000}
    )
    with warnings.catch_warnings():
        # The cap below is the portal's own; Pillow's warning under twice its limit is noise.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            # The header only: nothing is decoded yet.
            image = Image.open(io.BytesIO(content), formats=("PNG", "JPEG"))
        except Image.DecompressionBombError:
            raise too_many from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise _disguised(name) from None
        if image.format != claimed:
            raise _disguised(name)
        width, height = image.size
        if width < 1 or height < 1:
            raise _disguised(name)
        if width * height > limit:
            raise too_many
        try:
            thumbnail = _thumbnail(image)
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
            raise FigureRefused(_("The image could not be read: it is damaged.")) from None
    return CheckedFile(
        content,
        FigureKind.IMAGE,
        CONTENT_TYPES[claimed],
        width=width,
        height=height,
        thumbnail=thumbnail,
    )


def _thumbnail(image: Image.Image) -> bytes:
    """A JPEG at most FIGURE_THUMBNAIL_SIDE a side, decoded at a reduced scale where the format
    allows (JPEG draft mode), so a large sheet costs little memory."""
    side = int(settings.FIGURE_THUMBNAIL_SIDE)
    if image.format == "JPEG":
        image.draft("RGB", (side * 2, side * 2))
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # A transparent map sheet reads as printed: on white paper.
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    else:
        image = image.convert("RGB")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


# --- Settings of a figure -------------------------------------------------------------------


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise FigureRefused(_("A figure needs a title."))
    if len(title) > PlanFigure._meta.get_field("title").max_length:
        raise FigureRefused(_("The title is too long (at most 200 characters)."))
    return title


def clean_review_number(review_number: str) -> str:
    review_number = " ".join((review_number or "").split())
    if len(review_number) > PlanFigure._meta.get_field("review_number").max_length:
        raise FigureRefused(_("The map review number is too long (at most 60 characters)."))
    return review_number


def figure_version(plan: Plan) -> PlanVersion:
    """The version figures are added to and edited in: the plan's working draft. The figures
    of a published version are part of what was published and never change."""
    version = working_draft(plan)
    if version is None:
        raise FigureRefused(PUBLISHED_VERSION)
    return version


def check_changeable(figure: PlanFigure) -> None:
    if figure.version.is_published:
        raise FigureRefused(PUBLISHED_VERSION)


PUBLISHED_VERSION = gettext_lazy(
    "The plan's latest version is published and its figures cannot change: create a new "
    "version (a revised draft) on the versions page first."
)


def section_of(plan: Plan, number: str) -> Section | None:
    """Section ``number`` ("3.2") of the plan's working draft, None for blank; refused when
    that version has no such section."""
    number = (number or "").strip()
    if not number:
        return None
    section = Section.objects.filter(chapter__version=figure_version(plan), number=number).first()
    if section is None:
        raise FigureRefused(_("The plan has no section %(number)s.") % {"number": number})
    return section


def _facts(figure: PlanFigure) -> dict:
    return {
        "title": figure.title,
        "section": figure.section.number if figure.section else None,
        "review_number": figure.review_number,
        "position": figure.position,
        "file": figure.file.name,
        "sha256": figure.sha256,
        "content_type": figure.content_type,
        "size": figure.size,
    }


# --- Changes --------------------------------------------------------------------------------


def add_figure(
    actor,
    plan: Plan,
    *,
    name: str,
    content: bytes,
    title: str,
    section: Section | None = None,
    review_number: str = "",
) -> PlanFigure:
    """Checks everything, then stores the file (and thumbnail) and the row with its audit
    event ``figure.add``. On any failure after the files were written they are removed."""
    title, review_number = clean_title(title), clean_review_number(review_number)
    version = figure_version(plan)
    if section is not None and section.chapter.version_id != version.pk:
        raise FigureRefused(_("The section is not one of this plan's."))
    checked = check_file(name, content)
    figure = PlanFigure(
        plan=plan,
        version=version,
        section=section,
        title=title,
        review_number=review_number,
        kind=checked.kind,
        content_type=checked.content_type,
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        width=checked.width,
        height=checked.height,
        pages=checked.pages,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    stem = secrets.token_hex(12)
    try:
        figure.file.save(f"{stem}{figure.extension}", ContentFile(checked.content), save=False)
        if checked.thumbnail is not None:
            figure.thumbnail.save(f"{stem}-thumb.jpg", ContentFile(checked.thumbnail), save=False)
        with transaction.atomic():
            # The plan's row lock numbers two uploads at once one after the other.
            Plan.objects.select_for_update().filter(pk=plan.pk).first()
            last = version.figures.aggregate(last=Max("position"))["last"]
            figure.position = 0 if last is None else last + 1
            figure.save(force_insert=True)
            record(actor, "figure.add", figure, summary=_summary(figure), after=_facts(figure))
    except BaseException:
        _remove_files(figure)
        raise
    return figure


def update_figure(
    actor,
    figure: PlanFigure,
    *,
    title: str | None = None,
    section: Section | None | object = ...,
    review_number: str | None = None,
    position: int | None = None,
) -> PlanFigure:
    """Changes what is given (``section=None`` detaches the figure from its section), with a
    ``figure.edit`` event holding the changed facts before and after; nothing when nothing
    changes."""
    with transaction.atomic():
        locked = (
            PlanFigure.objects.select_for_update(of=("self",))
            .select_related("section", "plan")
            .get(pk=figure.pk)
        )
        check_changeable(locked)
        before = _facts(locked)
        if title is not None:
            locked.title = clean_title(title)
        if review_number is not None:
            locked.review_number = clean_review_number(review_number)
        if section is not ...:
            if section is not None and section.chapter.version_id != locked.version_id:
                raise FigureRefused(_("The section is not one of this plan's."))
            locked.section = section
        if position is not None:
            if position < 0:
                raise FigureRefused(_("The position cannot be negative."))
            locked.position = position
        after = _facts(locked)
        changed = [key for key in after if after[key] != before[key]]
        if changed:
            locked.save()
            record(
                actor,
                "figure.edit",
                locked,
                summary=_summary(locked),
                before={key: before[key] for key in changed},
                after={key: after[key] for key in changed},
            )
    return locked


def delete_figure(actor, figure: PlanFigure) -> None:
    """Removes the row with a ``figure.delete`` event holding what it was; the files go once
    the deletion has committed."""
    with transaction.atomic():
        locked = (
            PlanFigure.objects.select_for_update(of=("self",))
            .select_related("section", "plan")
            .get(pk=figure.pk)
        )
        check_changeable(locked)
        record(
            actor,
            "figure.delete",
            locked,
            summary=_summary(locked),
            before={"plan": locked.plan_id, **_facts(locked)},
        )
        locked.delete()
        # Earlier versions' copies of the figure share its files: those stay.
        shared = PlanFigure.objects.filter(file=locked.file.name).exists()
        if not shared:
            transaction.on_commit(lambda: _remove_files(locked))


def _summary(figure: PlanFigure) -> str:
    review = f" {figure.review_number}" if figure.review_number else ""
    return f"{figure.plan.slug}: {figure.title}{review}"


def _remove_files(figure: PlanFigure) -> None:
    for stored in (figure.file, figure.thumbnail):
        if stored and stored.name:
            stored.storage.delete(stored.name)
