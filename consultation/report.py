"""The 意见采纳情况及理由 report of a consultation (城乡规划法 Art. 26): how every opinion was
handled and why. It is generated from the records, never typed; this module builds its
content, report_views.py shows it as a page, report_xlsx.py writes the workbook and
report_freeze.py stores a version for submission (报批).

One row per opinion in the columns practice expects (序号, 意见人, 来源, 收到日期, 涉及条文或地块,
意见内容, 处理意见, 理由, 备注) and the changes of later versions an adopted answer led to
(由此修改); opinions an official grouped as repeating another one
(duplicate_of) share the first opinion's row and answer. Hidden comments (spam, abuse,
off-topic) are not opinions on the plan: they are listed apart, with the reason they were
hidden and without who gave them. The report goes with the plan to the approving authority,
so it names a person only as the public does (``public_name``), an organisation, department
or expert by the organisation, and blots out phone numbers and e-mail addresses typed into
any text (consultation.privacy).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from consultation.change_links import ADOPTING, change_label
from consultation.exports import place_of
from consultation.models import Comment, CommentState, Consultation, Reply, Result, SubmitterKind
from consultation.privacy import mask_contacts
from consultation.staff_queue import comment_chapter
from consultation.stats import consultation_stats

# A hidden comment's text is shown only as far as the approving authority needs to judge the
# reason it was hidden; spam can be pages long.
HIDDEN_TEXT_MAX = 200


def submitter(comment: Comment) -> str:
    """意见人: a person as the public sees them, anyone else by their organisation."""
    kind = SubmitterKind(comment.submitter_kind)
    if kind == SubmitterKind.PERSON:
        return f"{kind.label}：{comment.public_name}"
    organisation = comment.organisation.strip()
    return f"{kind.label}：{organisation}" if organisation else str(kind.label)


def received_date(comment: Comment) -> date:
    """收到日期: a letter's postmark or the day a call or visit came; a web comment's own day."""
    return comment.received_on or timezone.localdate(comment.created_at)


def _each_once(values) -> str:
    return "、".join(dict.fromkeys(str(v) for v in values))


@dataclass
class ReportRow:
    number: int
    comment: Comment
    reply: Reply | None
    duplicates: list[Comment] = field(default_factory=list)

    @property
    def comments(self) -> list[Comment]:
        return [self.comment, *self.duplicates]

    @property
    def codes(self) -> list[str]:
        return [c.receipt_code for c in self.comments]

    @property
    def people(self) -> str:
        return mask_contacts(_each_once(submitter(c) for c in self.comments))

    @property
    def source(self) -> str:
        return _each_once(c.get_channel_display() for c in self.comments)

    @property
    def received(self) -> str:
        return received_date(self.comment).isoformat()

    @property
    def subject(self) -> str:
        comment = self.comment
        parts = []
        chapter = comment_chapter(comment)
        if comment.section_id:
            parts.append(str(comment.section))
        elif chapter:
            parts.append(str(chapter))
        if comment.layer_id:
            place = place_of(comment) if comment.feature_id else ""
            parts.append(f"{comment.layer.title} {place}".strip())
        if comment.drawn is not None and not comment.layer_id:
            parts.append(_("Drawn place"))
        if comment.villages:
            parts.append("、".join(comment.villages))
        return "；".join(parts) or _("The plan as a whole")

    @property
    def text(self) -> str:
        return mask_contacts(self.comment.body)

    @property
    def result(self) -> str | None:
        return self.reply.result if self.reply else None

    @property
    def result_label(self) -> str:
        return str(self.reply.get_result_display()) if self.reply else _("Not answered yet")

    @property
    def reason(self) -> str:
        return mask_contacts(self.reply.reason) if self.reply else ""

    @property
    def changes(self) -> str:
        """由此修改: the changes of later versions an adopted answer led to."""
        if self.reply is None or self.reply.result not in ADOPTING:
            return ""
        changes = sorted(
            self.reply.changes.all(), key=lambda c: (c.version.number, c.position, c.pk)
        )
        return "；".join(change_label(change) for change in changes)

    @property
    def remarks(self) -> str:
        """备注: the receipt codes (the resident's key to the answer) and how many gave it."""
        codes = _("Receipt codes: %(codes)s") % {"codes": "、".join(self.codes)}
        if not self.duplicates:
            return codes
        people = _("%(count)s people gave this opinion") % {"count": len(self.comments)}
        return f"{codes}；{people}"


@dataclass
class HiddenRow:
    """A hidden comment as the report lists it: no name, no contact, the text masked."""

    number: int
    comment: Comment

    @property
    def source(self) -> str:
        return self.comment.get_channel_display()

    @property
    def received(self) -> str:
        return received_date(self.comment).isoformat()

    @property
    def text(self) -> str:
        text = mask_contacts(self.comment.body)
        return text if len(text) <= HIDDEN_TEXT_MAX else text[:HIDDEN_TEXT_MAX] + "…"

    @property
    def reason(self) -> str:
        return mask_contacts(self.comment.state_reason)


@dataclass
class Cover:
    """The cover page: what was consulted on, when, how and where, and the counts."""

    plan_name: str
    title: str
    opens: date
    last_day: date
    methods: str
    places: str
    organisation: str  # 组织编制机关
    compiled_by: str  # 编制单位
    by_chapter: list[tuple[str, int]]
    by_village: list[tuple[str, int]]
    villages_without: list[str]
    # 支持 / 反对 / 建议 / 咨询: a question (咨询) is answered like any opinion, usually 说明解释.
    by_stance: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Report:
    consultation: Consultation
    cover: Cover
    rows: list[ReportRow]
    hidden_rows: list[HiddenRow]
    generated_at: object

    @property
    def hidden(self) -> int:
        return len(self.hidden_rows)

    @property
    def opinions(self) -> int:
        return sum(len(row.comments) for row in self.rows)

    @property
    def groups(self) -> list[ReportRow]:
        """Entries that stand for several opinions (a 联名意见, the same text sent by many)."""
        return [row for row in self.rows if row.duplicates]

    @property
    def grouped_opinions(self) -> int:
        return sum(len(row.comments) for row in self.groups)

    def count(self, result: str | None) -> int:
        """Opinions (grouped ones included) with this result; None counts the unanswered."""
        return sum(len(row.comments) for row in self.rows if row.result == result)

    @property
    def totals(self) -> list[tuple[str, int]]:
        return totals_by_result(self.count)

    def counts(self) -> dict:
        """What a frozen version records of itself (stable keys, not labels)."""
        return {
            "opinions": self.opinions,
            "rows": len(self.rows),
            "groups": len(self.groups),
            "hidden": self.hidden,
            "by_result": counts_by_result(self.count),
        }


def build_report(consultation: Consultation) -> Report:
    comments = list(
        Comment.objects.filter(consultation=consultation)
        .select_related("section__chapter", "layer__chapter", "feature", "reply", "version")
        .prefetch_related("reply__changes__version")
        .order_by("created_at", "pk")
    )
    hidden = [c for c in comments if c.state == CommentState.HIDDEN]
    opinions = [c for c in comments if c.state != CommentState.HIDDEN]
    listed = {c.pk for c in opinions}
    rows: dict[int, ReportRow] = {}
    grouped: list[Comment] = []
    for comment in opinions:
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
    hidden_rows = [HiddenRow(number, c) for number, c in enumerate(hidden, start=1)]
    return Report(
        consultation, build_cover(consultation), list(rows.values()), hidden_rows, timezone.now()
    )


def build_cover(consultation: Consultation) -> Cover:
    plan = consultation.plan
    stats = consultation_stats(consultation)
    # closes_at is the first moment it is closed: the last day is the one before it.
    last_moment = consultation.closes_at - timedelta(microseconds=1)
    return Cover(
        plan_name=plan.name,
        title=consultation.title,
        opens=timezone.localdate(consultation.opens_at),
        last_day=timezone.localdate(last_moment),
        methods=consultation.notice_methods.strip(),
        places=consultation.notice_places.strip(),
        organisation=plan.organisation,
        compiled_by=plan.compiled_by,
        by_chapter=stats.by_chapter,
        by_village=[(name, n) for name, n in stats.by_village if n],
        villages_without=stats.villages_without,
        by_stance=stats.by_stance,
    )


def _reply(comment: Comment) -> Reply | None:
    try:
        return comment.reply
    except Comment.reply.RelatedObjectDoesNotExist:
        return None


def totals_by_result(count) -> list[tuple[str, int]]:
    """Opinions per handling, labelled, the unanswered last; ``count(result)`` counts them."""
    return [(str(label), count(value)) for value, label in Result.choices] + [
        (_("Not answered yet"), count(None))
    ]


def counts_by_result(count) -> dict:
    """The same as a frozen version records them: stable keys, not labels."""
    return {value: count(value) for value in Result.values} | {"unanswered": count(None)}


def opinion_header() -> list[str]:
    """The columns of an opinion's row after its number (and, across rounds, its round)."""
    return [
        _("Opinion given by"),
        _("Came by"),
        _("Date received"),
        _("Article or parcel concerned"),
        _("Opinion (summary)"),
        _("Handling"),
        _("Reason"),
        _("Changes it led to"),
        _("Remarks"),
    ]


def opinion_cells(row: ReportRow) -> list:
    """An opinion's row in the columns of ``opinion_header``."""
    return [
        row.people,
        row.source,
        row.received,
        row.subject,
        row.text,
        row.result_label,
        row.reason,
        row.changes,
        row.remarks,
    ]


def report_header() -> list[str]:
    return [_("No."), *opinion_header()]


def report_table(report: Report) -> list[list]:
    return [[row.number, *opinion_cells(row)] for row in report.rows]


def hidden_header() -> list[str]:
    return [
        _("No."),
        _("Came by"),
        _("Date received"),
        _("Text (contacts masked)"),
        _("Reason it was hidden"),
    ]


def hidden_table(report: Report) -> list[list]:
    return [[h.number, h.source, h.received, h.text, h.reason] for h in report.hidden_rows]
