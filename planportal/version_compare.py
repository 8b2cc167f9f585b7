"""What changed between two published versions of a plan besides the text (that is
planportal/textdiff/): indicators by name, figures by title. Plain data for the version pages
and the API; layers are compared in layers/versions.py."""

from dataclasses import dataclass

from planportal.models import Indicator, PlanFigure, PlanVersion
from planportal.versions import public_versions


def previous_published(version: PlanVersion) -> PlanVersion | None:
    """The published version just before ``version`` (what "与上一版比较" compares with)."""
    earlier = public_versions(version.plan).filter(number__lt=version.number)
    return earlier.order_by("-number").first()


@dataclass
class IndicatorChange:
    name: str
    role: str
    status: str  # "changed", "added", "removed"
    old: Indicator | None
    new: Indicator | None

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "role": self.role,
            "status": self.status,
            "old_value": self.old.display_value if self.old else None,
            "new_value": self.new.display_value if self.new else None,
            "old_year": self.old.year if self.old else None,
            "new_year": self.new.year if self.new else None,
        }


def _indicator_key(indicator: Indicator) -> tuple[str, str]:
    return (indicator.name, indicator.role)


def _indicator_value(indicator: Indicator) -> tuple:
    return (indicator.comparator, indicator.value, indicator.unit, indicator.year, indicator.kind)


def indicator_changes(old: PlanVersion, new: PlanVersion) -> list[IndicatorChange]:
    """Indicators whose value (comparator, value, unit, year or kind) changed, and those only
    one version has, in the newer version's order then the removed ones."""
    before = {_indicator_key(i): i for i in Indicator.objects.filter(version=old)}
    changes = []
    for indicator in Indicator.objects.filter(version=new).order_by("position", "id"):
        previous = before.pop(_indicator_key(indicator), None)
        if previous is None:
            changes.append(IndicatorChange(*_indicator_key(indicator), "added", None, indicator))
        elif _indicator_value(previous) != _indicator_value(indicator):
            changes.append(
                IndicatorChange(*_indicator_key(indicator), "changed", previous, indicator)
            )
    for key, previous in sorted(before.items(), key=lambda item: item[1].position):
        changes.append(IndicatorChange(*key, "removed", previous, None))
    return changes


@dataclass
class FigureChange:
    title: str
    status: str  # "added", "removed", "replaced" (same title, another file)
    old: PlanFigure | None
    new: PlanFigure | None

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "status": self.status,
            "old_sha256": self.old.sha256 if self.old else None,
            "new_sha256": self.new.sha256 if self.new else None,
        }


def figure_changes(old: PlanVersion, new: PlanVersion) -> list[FigureChange]:
    before = {f.title: f for f in PlanFigure.objects.filter(version=old).order_by("position")}
    changes = []
    for figure in PlanFigure.objects.filter(version=new).order_by("position", "id"):
        previous = before.pop(figure.title, None)
        if previous is None:
            changes.append(FigureChange(figure.title, "added", None, figure))
        elif previous.sha256 != figure.sha256:
            changes.append(FigureChange(figure.title, "replaced", previous, figure))
    changes.extend(FigureChange(title, "removed", f, None) for title, f in before.items())
    return changes
