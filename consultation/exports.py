"""CSV and XLSX of all comments of a consultation, for officials.

Spreadsheet programs run a cell that starts with =, +, -, @ (or a tab or carriage return
before one) as a formula, so a resident could plant ``=HYPERLINK(...)`` in an official's
spreadsheet (CSV injection). Every text cell that starts with one of those characters gets a
leading apostrophe, which spreadsheets show as plain text. Phones and e-mail addresses leave
only masked; phone numbers and addresses typed into the opinion itself are blotted out
(consultation.privacy.mask_contacts, the rule of every public output).
"""

import csv
import io

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from consultation.models import Comment, Consultation
from consultation.moderation import masked_email
from consultation.privacy import mask_contacts
from consultation.staff_queue import comment_chapter
from planportal.audit import record
from planportal.roles import official_required, require_moderation_right

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value):
    """A cell value that no spreadsheet will evaluate."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def local_time(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def place_of(comment: Comment) -> str:
    """Where the opinion points, in words: a feature by name or key, a drawn place by a
    point on it (never the parcel's outline: exports travel further than the portal)."""
    if comment.feature_id:
        feature = comment.feature
        key = feature.properties.get(comment.layer.key_field, "") if comment.layer_id else ""
        return feature.name or str(key) or f"#{feature.pk}"
    if comment.drawn is not None:
        point = comment.drawn.point_on_surface
        return f"{point.x:.5f}, {point.y:.5f}"
    return ""


def header() -> list[str]:
    return [
        _("No."),
        _("Receipt code"),
        _("Received at"),
        _("Channel"),
        _field_label("received_on"),
        _field_label("submitter_kind"),
        _field_label("organisation"),
        _field_label("declared_under_14"),
        _field_label("guardian_consent"),
        _("Entered by"),
        _("State"),
        _("Reason for the state"),
        _("Stance"),
        _("Chapter"),
        _("Section"),
        _("Layer"),
        _("Place"),
        _("Villages"),
        _("Control lines"),
        _("Opinion"),
        _("Name"),
        _("Name may be shown"),
        _("Phone (masked)"),
        _("Email (masked)"),
        _("Duplicate of"),
        _("Result"),
        _("Reason"),
        _("Answer published"),
        _("Answered by"),
        _("Answered at"),
        _("Contact details purged"),
    ]


def _field_label(name: str) -> str:
    """A comment field's name as the forms show it (its translated verbose name)."""
    return capfirst(str(Comment._meta.get_field(name).verbose_name))


def comment_rows(consultation: Consultation):
    comments = (
        Comment.objects.filter(consultation=consultation)
        .select_related(
            "section__chapter", "layer__chapter", "feature", "entered_by", "duplicate_of"
        )
        .select_related("reply__answered_by")
        .order_by("created_at", "pk")
    )
    yes, no = _("yes"), _("no")
    for comment in comments.iterator(chunk_size=500):
        reply = getattr(comment, "reply", None) if _has_reply(comment) else None
        chapter = comment_chapter(comment)
        yield [
            comment.pk,
            comment.receipt_code,
            local_time(comment.created_at),
            comment.get_channel_display(),
            comment.received_on.isoformat() if comment.received_on else "",
            comment.get_submitter_kind_display(),
            comment.organisation,
            yes if comment.declared_under_14 else no,
            yes if comment.guardian_consent else no,
            comment.entered_by.get_username() if comment.entered_by else "",
            comment.get_state_display(),
            comment.state_reason,
            comment.get_stance_display(),
            str(chapter) if chapter else "",
            str(comment.section) if comment.section_id else "",
            comment.layer.title if comment.layer_id else "",
            place_of(comment),
            "、".join(comment.villages),
            "、".join(comment.control_lines),
            mask_contacts(comment.body),
            mask_contacts(comment.name),
            yes if comment.consent_show_name else no,
            comment.masked_phone,
            masked_email(comment.email) if comment.email else "",
            comment.duplicate_of.receipt_code if comment.duplicate_of else "",
            reply.get_result_display() if reply else "",
            reply.reason if reply else "",
            (yes if reply.is_published else no) if reply else "",
            reply.answered_by.get_username() if reply else "",
            local_time(reply.answered_at) if reply else "",
            local_time(comment.contact_purged_at),
        ]


def _has_reply(comment: Comment) -> bool:
    try:
        comment.reply  # noqa: B018 (select_related filled it, or it raises)
    except Comment.reply.RelatedObjectDoesNotExist:
        return False
    return True


def clean_cell(value):
    value = neutralise(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # XLSX cannot hold control characters
    elif value is not None and not isinstance(value, int | float):
        value = str(value)
    return value


def write_csv(rows, headings: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headings])
    for row in rows:
        writer.writerow([neutralise(str(v)) if v is not None else "" for v in row])
    # The byte order mark makes Excel read the file as UTF-8 instead of GBK.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(rows, headings: list[str], title: str, preamble: list[str] = ()) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for line in preamble:
        sheet.append([clean_cell(line)])
    sheet.append([clean_cell(h) for h in headings])
    for row in rows:
        sheet.append([clean_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@official_required
def comments_csv(request, pk: int):
    consultation = get_object_or_404(Consultation.objects.select_related("plan"), pk=pk)
    require_moderation_right(request.user, consultation.plan)
    content = write_csv(comment_rows(consultation), header())
    record(request.user, "consultation.export_csv", consultation, summary=_("Comments (CSV)"))
    return attachment(content, "text/csv; charset=utf-8", f"comments-{consultation.pk}.csv")


@require_GET
@official_required
def comments_xlsx(request, pk: int):
    consultation = get_object_or_404(Consultation.objects.select_related("plan"), pk=pk)
    require_moderation_right(request.user, consultation.plan)
    content = write_xlsx(comment_rows(consultation), header(), _("Comments"))
    record(request.user, "consultation.export_xlsx", consultation, summary=_("Comments (XLSX)"))
    return attachment(content, XLSX_TYPE, f"comments-{consultation.pk}.xlsx")
