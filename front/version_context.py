"""What a plan page says about the plan's versions: the version shown and whether another
has superseded it, its approval (批准成果 and its 文号), and the list of published versions with
links to each and to its changes. Shared by the plan page, the version pages and the API."""

from dataclasses import dataclass

from django.http import Http404

from planportal.models import PhaseKind, Plan, PlanPhase, PlanVersion, VersionKind
from planportal.roles import may_manage_layers
from planportal.versions import public_versions


@dataclass
class VersionEntry:
    version: PlanVersion
    previous: PlanVersion | None  # the published version before it, for "与上一版比较"
    is_current: bool


def published_entries(plan: Plan) -> list[VersionEntry]:
    """The plan's published versions, oldest first (one query); the current one is the
    approved version once published, else the latest (Plan.find_public_version)."""
    versions = list(public_versions(plan).order_by("number"))
    current = current_of(versions)
    return [
        VersionEntry(v, versions[i - 1] if i else None, current is not None and v.pk == current.pk)
        for i, v in enumerate(versions)
    ]


def current_of(versions: list[PlanVersion]) -> PlanVersion | None:
    approved = [v for v in versions if v.kind == VersionKind.APPROVED]
    return (approved or versions or [None])[-1]


def readable_version(request, slug: str, number: int) -> tuple[Plan, PlanVersion]:
    """Plan ``slug`` and its version ``number``: for everyone a published version of a
    published plan; planners of the plan may also preview a draft (or an unpublished plan).
    404 otherwise, as for a version that does not exist."""
    plan = Plan.objects.filter(slug=slug).first()
    version = plan and plan.versions.filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    public = plan.is_published and version.is_published
    if not public and not may_manage_layers(request.user, plan):
        raise Http404("No such version.")
    return plan, version


def approval_of(version: PlanVersion) -> PlanPhase | None:
    """The approval step recording ``version`` (its 机关, 文号 and date), if one is public."""
    if version.kind != VersionKind.APPROVED:
        return None
    phases = PlanPhase.objects.filter(
        plan_id=version.plan_id, kind=PhaseKind.APPROVAL, version=version, is_public=True
    )
    return phases.order_by("-starts_at").first()


def version_context(plan: Plan, shown: PlanVersion, *, banner: bool) -> dict:
    """Context of the version banner and list (templates front/_version_banner.html and
    front/_version_list.html)."""
    entries = published_entries(plan)
    current = next((e.version for e in entries if e.is_current), None)
    return {
        "shown_version": shown,
        "current_public_version": current,
        "is_current_version": current is not None and current.pk == shown.pk,
        "version_entries": entries,
        "version_banner": banner,
        "approval": approval_of(shown),
    }
