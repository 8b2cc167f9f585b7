"""The 意见采纳情况及理由 report of a consultation (城乡规划法 Art. 26): how every opinion was
handled and why, as a printable page and as XLSX. It is generated, not typed.

One row per opinion; opinions an official grouped as repeating another one (duplicate_of)
share the first opinion's row and answer. Hidden comments (spam, abuse, off-topic) are not
opinions on the plan: they are counted, not listed. The report goes with the plan to the
approving authority, so it names people only as the public does (``public_name``) and blots
out phone numbers and e-mail addresses typed into the text (consultation.privacy).
"""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consultation.exports import XLSX_TYPE, attachment, local_time, write_xlsx
from consultation.models import Comment, CommentState, Consultation, Reply, Result
from consultation.privacy import mask_contacts
from consultation.staff_queue import comment_chapter
from planportal.roles import official_required


@dataclass
class ReportRow:
    number: int
    comment: Comment
    reply: Reply | None
    duplicates: list[Comment] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [self.comment.receipt_code] + [d.receipt_code for d in self.duplicates]

    @property
    def people(self) -> str:
        names = [self.comment.public_name] + [d.public_name for d in self.duplicates]
        return mask_contacts("、".join(dict.fromkeys(names)))  # each name once, in order

    @property
    def subject(self) -> str:
        parts = []
        chapter = comment_chapter(self.comment)
        if self.comment.section_id:
            parts.append(str(self.comment.section))
        elif chapter:
            parts.append(str(chapter))
        if self.comment.layer_id:
            feature = self.comment.feature
            parts.append(
                f"{self.comment.layer.title} {feature.name}".strip()
                if feature
                else self.comment.layer.title
            )
        if self.comment.drawn is not None and not self.comment.layer_id:
            parts.append(_("Drawn place"))
        if self.comment.villages:
            parts.append("、".join(self.comment.villages))
        return "；".join(parts) or _("The plan as a whole")

    @property
    def text(self) -> str:
        return mask_contacts(self.comment.body)

    @property
    def result_label(self) -> str:
        return str(self.reply.get_result_display()) if self.reply else _("Not answered yet")

    @property
    def reason(self) -> str:
        return self.reply.reason if self.reply else ""


@dataclass
class Report:
    consultation: Consultation
    rows: list[ReportRow]
    hidden: int
    generated_at: object

    @property
    def opinions(self) -> int:
        return sum(1 + len(row.duplicates) for row in self.rows)

    def count(self, result: str | None) -> int:
        """Opinions (grouped ones included) with this result; None counts the unanswered."""
        return sum(
            1 + len(row.duplicates)
            for row in self.rows
            if (row.reply.result if row.reply else None) == result
        )

    @property
    def totals(self) -> list[tuple[str, int]]:
        return [(label, self.count(value)) for value, label in Result.choices] + [
            (_("Not answered yet"), self.count(None))
        ]


def build_report(consultation: Consultation) -> Report:
    comments = list(
        Comment.objects.filter(consultation=consultation)
        .exclude(state=CommentState.HIDDEN)
        .select_related("section__chapter", "layer__chapter", "feature", "reply")
        .order_by("created_at", "pk")
    )
    listed = {c.pk for c in comments}
    rows: dict[int, ReportRow] = {}
    grouped: list[Comment] = []
    for comment in comments:
        # A duplicate of a hidden (unlisted) opinion stands on its own.
        if comment.duplicate_of_id in listed:
            grouped.append(comment)
        else:
            rows[comment.pk] = ReportRow(len(rows) + 1, comment, _reply(comment))
    for comment in grouped:
        root = rows.get(comment.duplicate_of_id)
        if root is None:  # a chain left by older data: its own row rather than lost
            rows[comment.pk] = ReportRow(len(rows) + 1, comment, _reply(comment))
        else:
            root.duplicates.append(comment)
    hidden = Comment.objects.filter(consultation=consultation, state=CommentState.HIDDEN).count()
    return Report(consultation, list(rows.values()), hidden, timezone.now())


def _reply(comment: Comment) -> Reply | None:
    try:
        return comment.reply
    except Comment.reply.RelatedObjectDoesNotExist:
        return None


def report_header() -> list[str]:
    return [
        _("No."),
        _("Receipt codes"),
        _("Given by"),
        _("Subject"),
        _("Opinion"),
        _("Result"),
        _("Reason"),
    ]


def report_table(report: Report) -> list[list]:
    return [
        [
            row.number,
            "、".join(row.codes),
            row.people,
            row.subject,
            row.text,
            row.result_label,
            row.reason,
        ]
        for row in report.rows
    ]


@require_GET
@official_required
def report_page(request, pk: int):
    consultation = get_object_or_404(Consultation.objects.select_related("plan"), pk=pk)
    report = build_report(consultation)
    return render(
        request,
        "consultation/staff/report.html",
        {"report": report, "consultation": consultation, "generated": local_time(timezone.now())},
    )


@require_GET
@official_required
def report_xlsx(request, pk: int):
    consultation = get_object_or_404(Consultation.objects.select_related("plan"), pk=pk)
    report = build_report(consultation)
    title = _("Opinions and how they were handled")
    preamble = [
        f"{consultation.plan.name} {title}",
        f"{consultation.title}（{local_time(consultation.opens_at)} – "
        f"{local_time(consultation.closes_at)}）",
    ]
    content = write_xlsx(report_table(report), report_header(), title, preamble=preamble)
    return attachment(content, XLSX_TYPE, f"consultation-{consultation.pk}-report.xlsx")
