"""What a shared link shows as a card (WeChat, QQ, other apps): the title, one or two sentences
and the share picture of a page, for the ``share`` block of templates/base.html, and what the
picture itself says (``card_content``, drawn by front/share_card.py).

Every word comes from the plan's own data: its name and version, the consultation's dates, a
village's class, a section's first sentence.
"""

import re

from django.urls import reverse
from django.utils.translation import gettext as _

from consultation.embed import current_consultation
from front.qr import ForeignAddress, site_address
from front.share_card import SIZE as CARD_SIZE
from front.share_card import CardContent
from front.share_links import share_target
from front.village import Village, block_texts, plan_villages
from layers.boundary import plan_area
from planportal.models import Plan, Section

DESCRIPTION_LENGTH = 120
FIRST_SENTENCE = re.compile(r"^.+?[。！？；]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def page_share(*, title: str, description: str, path: str, image_path: str) -> dict:
    """The ``share`` context of a page: absolute addresses on SITE_URL."""
    return {
        "title": title,
        "description": _shortened(description),
        "url": site_address(path),
        "image": site_address(image_path),
        "image_size": CARD_SIZE,
        "site_name": _("Territorial spatial plans: public notice and consultation"),
        "path": path,
    }


def shared_path(request) -> str:
    """The address of the page shown, as a share carries it (front/share_links.py)."""
    try:
        return share_target(request.get_full_path()).path
    except ForeignAddress:
        return request.path


def plan_share(request, plan: Plan, sections) -> dict:
    """The plan page's card; with ``?section=3.3`` (a section's share link) that section's."""
    asked = request.GET.get("section", "")
    section = next((s for s in sections if s.number == asked), None)
    if section is None:
        title, description = plan.name, plan_description(plan)
    else:
        title, description = f"{section} · {plan.name}", section_description(section)
    return page_share(
        title=title,
        description=description,
        path=shared_path(request),
        image_path=plan_card_path(plan),
    )


def village_share(request, plan: Plan, village: Village, *, title: str = "") -> dict:
    return page_share(
        title=title or f"{village.name} · {plan.name}",
        description=village_description(plan, village),
        path=shared_path(request),
        image_path=village_card_path(plan, village),
    )


def map_share(request, plan: Plan) -> dict:
    """The map's card; a map opened at a village (``?village=柳湾村``) has the village's."""
    title = _("Plan map") + " · " + plan.name
    asked = request.GET.get("village", "").strip()
    village = next((v for v in plan_villages(plan) if v.name == asked), None) if asked else None
    if village is not None:
        return village_share(request, plan, village, title=f"{village.name} · {title}")
    return page_share(
        title=title,
        description=map_description(plan),
        path=shared_path(request),
        image_path=plan_card_path(plan),
    )


def plan_description(plan: Plan) -> str:
    """《plan》（征求意见稿）and the consultation's dates, e.g. for the plan page."""
    consultation = current_consultation(plan)
    stage = plan.current_version.get_kind_display()
    if consultation is None:
        return _("%(plan)s (%(stage)s), published for public notice.") % {
            "plan": plan.name,
            "stage": stage,
        }
    return _("%(plan)s (%(stage)s). Opinions: %(period)s.") % {
        "plan": plan.name,
        "stage": stage,
        "period": consultation.period_text,
    }


def village_description(plan: Plan, village: Village) -> str:
    if village.classification:
        return _("%(village)s is classed as %(class)s in %(plan)s.") % {
            "village": village.name,
            "class": village.classification,
            "plan": plan.name,
        }
    return _("What %(plan)s says about %(village)s.") % {"plan": plan.name, "village": village.name}


def section_description(section: Section) -> str:
    """The section's number and title, and its first sentence ("3.3 镇村体系：…")."""
    texts = [_BOLD.sub(r"\1", text).strip() for text in block_texts(section.blocks)]
    first = next((text for text in texts if text), "")
    match = FIRST_SENTENCE.match(first)
    sentence = match.group(0) if match else first
    return f"{section.number} {section.title}：{sentence}" if sentence else str(section)


def map_description(plan: Plan) -> str:
    return _("The plan map of %(plan)s: tap a place to see what the plan says there.") % {
        "plan": plan.name
    }


def plan_card_path(plan: Plan) -> str:
    return reverse("plan-share-card", args=[plan.slug])


def village_card_path(plan: Plan, village: Village) -> str:
    return reverse("plan-village-share-card", args=[plan.slug, village.code])


def card_content(plan: Plan, village: Village | None = None) -> CardContent:
    consultation = current_consultation(plan)
    stage = plan.current_version.get_kind_display()
    lines = [stage]
    if consultation is not None:
        # The period on a line of its own, so that its dates are never broken.
        lines = [_("%(stage)s, opinions taken:") % {"stage": stage}, consultation.period_text]
    heading = subheading = ""
    highlight = None
    if village is not None:
        heading = village.name
        if village.classification:
            subheading = _("Village class: %(class)s") % {"class": village.classification}
        if village.area is not None and village.area_layer.allows_features:
            highlight = village.area.geom
    return CardContent(
        portal=_("Territorial spatial plans: public notice and consultation"),
        title=plan.name,
        lines=tuple(lines),
        heading=heading,
        subheading=subheading,
        outline=plan_area(plan).geometry,
        highlight=highlight,
    )


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    return text[: DESCRIPTION_LENGTH - 1] + "…"
