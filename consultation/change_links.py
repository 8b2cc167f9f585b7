"""Opinions and the changes they led to, both ways: which changes of later versions an answer
may point at (the answer form), the changes an adopted answer led to (the public comment page,
the receipt, the reports) and the opinions behind each change (a version's 修改说明 page).

Officials link an answer to changes with consultation.moderation.link_changes (audited).
Only what the public may see leaves ``public_*`` functions here: published comments with a
published 采纳 / 部分采纳 answer, changes of published versions, names as the public pages
show them and contact details typed into a text blotted out.
"""

from django.urls import reverse

from consultation.models import Comment, Reply, Result
from consultation.privacy import mask_contacts
from planportal.models import PlanVersion, VersionChange, VersionState

# Answers that can have led to a change of the plan.
ADOPTING = (Result.ADOPTED, Result.PARTLY_ADOPTED)
# How many characters of a receipt code a public page shows: enough for its holder to know
# their opinion, too few to look the receipt up (published.py shows no receipt code at all).
SHOWN_CODE_CHARACTERS = 4


def comment_version(comment: Comment) -> PlanVersion:
    """The version the opinion was made on: its own, else the one its round showed."""
    return comment.version or comment.consultation.shown_version


def linkable_changes(comment: Comment):
    """The changes an answer to ``comment`` may point at: those of the plan's versions later
    than the one the opinion was made on (drafts too: the answer may be written while the
    revised version is prepared)."""
    version = comment_version(comment)
    later = {"version__number__gt": version.number} if version is not None else {}
    return (
        VersionChange.objects.filter(version__plan_id=comment.consultation.plan_id, **later)
        .select_related("version")
        .order_by("version__number", "position", "pk")
    )


def change_label(change: VersionChange) -> str:
    """How a change is named in a list of choices and in the reports: 第 2 版（修改稿）：3.2 …"""
    summary = f"（{change.summary}）" if change.summary else ""
    return f"{change.version.title}：{change.subject}{summary}"


def explanation_url(change: VersionChange) -> str:
    """The change on its version's 修改说明 page."""
    version = change.version
    page = reverse("plan-version-explanation", args=[version.plan.slug, version.number])
    return f"{page}#{change.anchor}"


def diff_url(version: PlanVersion, against: PlanVersion, anchor: str = "") -> str:
    """The comparison page of two versions (/plans/<slug>/v/<n>/changes/?against=<m>)."""
    page = reverse("plan-detail", args=[version.plan.slug])
    url = f"{page}v/{version.number}/changes/?against={against.number}"
    return f"{url}#{anchor}" if anchor else url


def shown_code(code: str) -> str:
    """A receipt code as a public page shows it: its last characters only."""
    return "·" * (len(code) - SHOWN_CODE_CHARACTERS) + code[-SHOWN_CODE_CHARACTERS:]


def public_changes_of(reply: Reply | None) -> list[dict]:
    """The published changes a published 采纳 / 部分采纳 answer led to (由此修改)."""
    if reply is None or not reply.is_published or reply.result not in ADOPTING:
        return []
    changes = (
        reply.changes.filter(version__state=VersionState.PUBLISHED)
        .select_related("version__plan")
        .order_by("version__number", "position", "pk")
    )
    return [
        {
            "version": change.version.title,
            "subject": change.subject,
            "summary": change.summary,
            "url": explanation_url(change),
        }
        for change in changes
    ]


def reply_of(comment: Comment) -> Reply | None:
    try:
        return comment.reply
    except Comment.reply.RelatedObjectDoesNotExist:
        return None


def public_opinions_by_change(version: PlanVersion) -> dict[int, list[dict]]:
    """For each change of ``version``, the published opinions whose published 采纳 / 部分采纳
    answer is linked to it, oldest first."""
    through = Reply.changes.through
    links = (
        through.objects.filter(
            versionchange__version=version,
            reply__is_published=True,
            reply__result__in=ADOPTING,
            reply__comment__in=Comment.objects.published(),
        )
        .select_related("reply__comment__consultation")
        .order_by("reply__comment__created_at", "reply__comment__pk")
    )
    by_change: dict[int, list[dict]] = {}
    for link in links:
        reply = link.reply
        comment = reply.comment
        by_change.setdefault(link.versionchange_id, []).append(
            {
                "id": comment.pk,
                "code": shown_code(comment.receipt_code),
                "name": mask_contacts(comment.public_name),
                "consultation": comment.consultation.title,
                "received": comment.created_at.date().isoformat(),
                "result": reply.result,
                "result_label": reply.get_result_display(),
                "url": reverse("public-comment", args=[comment.pk]),
            }
        )
    return by_change
