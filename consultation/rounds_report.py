"""The report across every round of 公示 of a plan: each opinion with its round (the
consultation's title and period), the version it was made on, how it was handled and the
change(s) it led to, so that the approving authority sees the whole path from the first draft
to the version submitted. Built from the per-round reports (consultation/report.py: the same
rows, the same grouping of repeated opinions, the same rules on names and contact details);
hidden comments stay in each round's own report and are only counted here.

rounds_report_files.py writes it as a page, a document and a workbook, and freezes it.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from consultation.change_links import comment_version
from consultation.models import Consultation
from consultation.report import (
    Report,
    ReportRow,
    build_report,
    counts_by_result,
    opinion_cells,
    opinion_header,
    totals_by_result,
)
from planportal.models import Plan


@dataclass
class RoundsRow:
    number: int  # across the whole report
    round: Consultation
    row: ReportRow

    @property
    def round_title(self) -> str:
        return self.round.title

    @property
    def period(self) -> str:
        return self.round.period_text

    @property
    def version(self) -> str:
        version = comment_version(self.row.comment)
        return str(version.title) if version else ""


@dataclass
class Round:
    consultation: Consultation
    report: Report

    @property
    def version(self) -> str:
        version = self.consultation.shown_version
        return str(version.title) if version else ""


@dataclass
class RoundsReport:
    plan: Plan
    rounds: list[Round]
    rows: list[RoundsRow]
    generated_at: object

    @property
    def opinions(self) -> int:
        return sum(round_.report.opinions for round_ in self.rounds)

    @property
    def hidden(self) -> int:
        return sum(round_.report.hidden for round_ in self.rounds)

    def count(self, result: str | None) -> int:
        return sum(round_.report.count(result) for round_ in self.rounds)

    @property
    def totals(self) -> list[tuple[str, int]]:
        return totals_by_result(self.count)

    @property
    def led_to_changes(self) -> int:
        """Opinions (grouped ones included) whose answer is linked to a change."""
        return sum(len(r.row.comments) for r in self.rows if r.row.changes)

    def counts(self) -> dict:
        """What a frozen version records of itself (stable keys, not labels)."""
        return {
            "rounds": len(self.rounds),
            "opinions": self.opinions,
            "rows": len(self.rows),
            "hidden": self.hidden,
            "led_to_changes": self.led_to_changes,
            "by_result": counts_by_result(self.count),
        }


def build_rounds_report(plan: Plan) -> RoundsReport:
    consultations = plan.consultations.select_related("plan", "version").order_by("opens_at", "pk")
    rounds = [Round(c, build_report(c)) for c in consultations]
    rows = [
        RoundsRow(number, round_.consultation, row)
        for number, (round_, row) in enumerate(
            ((round_, row) for round_ in rounds for row in round_.report.rows), start=1
        )
    ]
    return RoundsReport(plan, rounds, rows, timezone.now())


def rounds_header() -> list[str]:
    return [
        _("No."),
        _("Round"),
        _("Notice period"),
        _("Version commented on"),
        *opinion_header(),
    ]


def rounds_table(report: RoundsReport) -> list[list]:
    return [
        [r.number, r.round_title, r.period, r.version, *opinion_cells(r.row)] for r in report.rows
    ]
