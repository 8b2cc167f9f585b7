"""Which addresses the share controls, the share page and the QR codes may carry.

A shared link or a QR code on a poster must lead to a public page of this portal and say
nothing but what the plan itself holds. So an address is taken apart and built again: its path
must resolve to one of the shareable pages (``SHAREABLE``) of a published plan, and of its query
only the parameters that page reads survive, each checked against the plan's own data (a
village's name must be one of the plan's villages, a layer one of its public layers, numbers
must be numbers). Anything else is refused (``front.qr.ForeignAddress``) or dropped, so
``/qr.png?path=/plans/x/map/?village=点此领奖`` cannot print a foreign sentence into a code.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation

from front.qr import ForeignAddress, site_address
from front.village import CODE_PATTERN, plan_villages
from layers.models import Layer
from planportal.models import Plan, VersionState

SECTION_NUMBER = re.compile(r"^\d{1,3}(\.\d{1,3}){0,3}$")
COLLECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
# An anchor of the plan page: section-3-2, chapter-3, consultation, contact ...
PAGE_ANCHOR = re.compile(r"^[a-z]{1,20}(-\d{1,3}){0,4}$")
MAX_LAYERS = 40
MAX_PATH = 2000

# The pages one may share, by URL name, with the query parameters each of them reads.
SHAREABLE = {
    "plan-list": (),
    "plan-detail": ("section",),
    "plan-version": ("section",),
    "plan-map": ("village", "section", "layers", "layer", "lon", "lat", "zoom"),
    "plan-village": (),
    "public-comment": (),
}


@dataclass
class ShareTarget:
    """A shareable page: its normalised local path (with query and anchor) and what it is."""

    path: str
    url_name: str
    kwargs: dict
    params: dict[str, str] = field(default_factory=dict)
    plan: Plan | None = None

    @property
    def address(self) -> str:
        """The absolute address on this site (SITE_URL), as a code or a link carries it."""
        return site_address(self.path)


def share_target(path: str) -> ShareTarget:
    """The shareable page ``path`` leads to, normalised; ForeignAddress for anything else."""
    if not path or len(path) > MAX_PATH:
        raise ForeignAddress(path)
    site_address(path)  # refuses other sites, schemes and relative paths
    parts = urlsplit(path)
    match = _resolve(parts.path)
    if match is None or match.url_name not in SHAREABLE:
        raise ForeignAddress(path)
    plan = None
    if "slug" in match.kwargs:
        plan = Plan.objects.public().filter(slug=match.kwargs["slug"]).first()
        if plan is None:
            raise ForeignAddress(path)
    if match.url_name == "plan-village" and not CODE_PATTERN.match(match.kwargs["code"]):
        raise ForeignAddress(path)
    if match.url_name == "plan-version" and not _is_published(plan, match.kwargs["number"]):
        raise ForeignAddress(path)  # a draft version is staff's, never shared
    query = _query(parts.query)
    params = _checked_params(match.url_name, query, plan)
    target = parts.path + (f"?{urlencode(params)}" if params else "")
    if match.url_name in ("plan-detail", "plan-version") and PAGE_ANCHOR.match(parts.fragment):
        target += f"#{parts.fragment}"
    return ShareTarget(target, match.url_name, match.kwargs, params, plan)


def _is_published(plan: Plan, number: int) -> bool:
    return plan.versions.filter(number=number, state=VersionState.PUBLISHED).exists()


def _resolve(path: str):
    """The match of ``path`` in any of the site's languages (English pages are under /en/)."""
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            try:
                return resolve(path)
            except Resolver404:
                continue
    return None


def _query(query: str) -> dict[str, str]:
    """The first value of each parameter (a repeated one is not a view's address)."""
    values: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(key, value.strip())
    return values


def _checked_params(url_name: str, query: dict[str, str], plan: Plan | None) -> dict[str, str]:
    """The parameters the page reads, those whose values the plan's data confirms, in a fixed
    order (so one view has one address)."""
    checked: dict[str, str] = {}
    for key in SHAREABLE[url_name]:
        value = query.get(key)
        if value is None:
            continue
        good = _CHECKS[key](value, plan)
        if good is not None:
            checked[key] = good
    return checked


def _section(value: str, plan) -> str | None:
    return value if SECTION_NUMBER.match(value) else None


def _village(value: str, plan) -> str | None:
    names = {village.name for village in plan_villages(plan)}
    return value if value in names else None


def _public_layers(plan) -> set[str]:
    return set(Layer.objects.public().filter(plan=plan).values_list("collection_id", flat=True))


def _layers(value: str, plan) -> str | None:
    ids = [part for part in value.split(",") if COLLECTION_ID.match(part)]
    public = _public_layers(plan)
    kept = list(dict.fromkeys(i for i in ids if i in public))[:MAX_LAYERS]
    # An empty list is a view too: every layer switched off.
    return ",".join(kept) if kept or not value else None


def _layer(value: str, plan) -> str | None:
    return value if COLLECTION_ID.match(value) and value in _public_layers(plan) else None


def _number(low: float, high: float, decimals: int):
    def check(value: str, plan) -> str | None:
        try:
            number = float(value)
        except ValueError:
            return None
        if not low <= number <= high:
            return None
        return f"{number:.{decimals}f}".rstrip("0").rstrip(".")

    return check


_CHECKS = {
    "section": _section,
    "village": _village,
    "layers": _layers,
    "layer": _layer,
    "lon": _number(-180, 180, 6),
    "lat": _number(-90, 90, 6),
    "zoom": _number(0, 20, 2),
}
