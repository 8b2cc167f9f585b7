"""What an opinion was about, as it was: the version it was made on, the commented section's
text in that version, and what became of that section in the plan's current public version
("该条文在第 2 版（修改稿）中已修改 / 已删除"), with links to the change and to the comparison.

For the public comment page and the receipt; nothing here is personal. The section shown is
the row of the commented version (published versions never change, migration 0011), so the
text is the one the resident read.
"""

import re

from django.utils.translation import gettext as _

from consultation.change_links import comment_version, diff_url, explanation_url
from consultation.models import Comment
from planportal.models import PlanVersion, Section, VersionChange, VersionState
from planportal.textdiff import section_fate
from planportal.versions import public_version, sections_of

_EMPHASIS = re.compile(r"\*\*(.+?)\*\*")


def plain_blocks(blocks: list) -> list[dict]:
    """A section's blocks as plain text for a template (the ``**`` emphasis marks dropped)."""
    shown = []
    for block in blocks or []:
        if block.get("type") == "list":
            items = [_EMPHASIS.sub(r"\1", str(item)) for item in block.get("items", [])]
            shown.append({"type": "list", "items": items})
        else:
            text = _EMPHASIS.sub(r"\1", str(block.get("text", "")))
            shown.append({"type": block.get("type") or "paragraph", "text": text})
    return shown


def section_as_made(comment: Comment, version: PlanVersion | None) -> Section | None:
    """The commented section as it stood in ``version``: the comment's own row when it is of
    that version, else that version's section of the same number."""
    section = comment.section
    if section is None:
        return None
    if version is None or section.chapter.version_id == version.pk:
        return section
    return sections_of(version).filter(number=section.number).first() or section


def _text_of(version: PlanVersion) -> dict:
    """Just enough of a version's text for section_fate: its sections, one query."""
    sections = [
        {"number": s.number, "title": s.title, "blocks": s.blocks} for s in sections_of(version)
    ]
    return {"chapters": [{"number": 0, "title": "", "sections": sections}]}


def _change_for(plan_id: int, made_on: int, shown: int, numbers: list[str]):
    keys = [f"section:{n}" for n in numbers] + [f"section:{n}:removed" for n in numbers]
    return (
        VersionChange.objects.filter(
            version__plan_id=plan_id,
            version__state=VersionState.PUBLISHED,
            version__number__gt=made_on,
            version__number__lte=shown,
            key__in=keys,
        )
        .select_related("version__plan")
        .order_by("-version__number")
        .first()
    )


def comment_context(comment: Comment) -> dict:
    """The version, the section as it was and its fate, for the templates."""
    version = comment_version(comment)
    section = section_as_made(comment, version)
    context = {
        "version": {"number": version.number, "title": version.title} if version else None,
        "section": None,
        "fate": None,
    }
    if section is None:
        return context
    context["section"] = {
        "number": section.number,
        "title": section.title,
        "blocks": plain_blocks(section.blocks),
    }
    plan = comment.consultation.plan
    shown = public_version(plan)
    if version is None or shown is None or shown.number <= version.number:
        return context
    old = {"number": section.number, "title": section.title, "blocks": section.blocks}
    fate = section_fate(old, _text_of(shown))
    if fate.status == "unchanged":
        return context
    words = {"version": shown.title}
    if fate.status == "removed":
        message = _("This article was removed in %(version)s.") % words
    else:
        message = _("This article was changed in %(version)s.") % words
    anchor = "section-" + (fate.number or section.number).replace(".", "-")
    change = _change_for(plan.pk, version.number, shown.number, [section.number, fate.number or ""])
    context["fate"] = {
        "status": fate.status,
        "message": message,
        "change_url": explanation_url(change) if change else "",
        "change_subject": change.subject if change else "",
        "diff_url": diff_url(shown, version, anchor),
    }
    return context
