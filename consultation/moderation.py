"""What officials do to comments: publish, hide, answer, batch, enter on a resident's behalf,
mark duplicates, correct the villages and look at contact details.

Every function is one named state change inside ``transaction.atomic()`` that locks the comment
row and writes its AuditEvent in the same transaction, so a change and its record land or fail
together (GB/T 39972 强制留痕). Audit snapshots never hold contact details: the trail is
append-only, so anything personal written there could never be purged.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultation.change_links import ADOPTING, linkable_changes
from consultation.models import (
    Channel,
    Comment,
    CommentState,
    Consultation,
    Reply,
    Result,
    SubmitterKind,
)
from consultation.notices.queue import queue_answer_notices
from consultation.periods import china_date, last_day_open
from planportal.audit import record

BATCH_ACTIONS = ("publish", "hide", "answer")
# Channels an official may enter for a resident; "web" is only ever the resident's own form.
OFFICE_CHANNELS = tuple(value for value in Channel.values if value != Channel.WEB)


class ModerationError(ValueError):
    """A step an official asked for that the rules do not allow; the message is for them."""


def snapshot(comment: Comment, reply: Reply | None) -> dict:
    """The moderation state of a comment as the audit trail keeps it (nothing personal)."""
    return {
        "state": comment.state,
        "state_reason": comment.state_reason,
        "published_at": comment.published_at.isoformat() if comment.published_at else None,
        "duplicate_of": comment.duplicate_of_id,
        "reply": None
        if reply is None
        else {
            "result": reply.result,
            "reason": reply.reason,
            "is_published": reply.is_published,
            "answered_by": reply.answered_by_id,
        },
    }


def _locked(comment: Comment) -> tuple[Comment, Reply | None]:
    """The comment row locked for this transaction, so two officials' steps are serialised
    and each event's "before" is what the step really changed."""
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    reply = Reply.objects.select_for_update().filter(comment=locked).first()
    return locked, reply


def _clean_reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ModerationError(_("Give a reason."))
    return reason


def _refresh(comment: Comment, locked: Comment) -> Comment:
    """Copies the new state onto the caller's instance so it does not go stale."""
    for field in ("state", "state_reason", "published_at", "duplicate_of_id"):
        setattr(comment, field, getattr(locked, field))
    return comment


@transaction.atomic
def publish(actor: AbstractBaseUser, comment: Comment, reason: str = "") -> Comment:
    """Makes the comment public, and its answer with it if there is one."""
    reason = _clean_reason(reason, required=False)
    locked, reply = _locked(comment)
    before = snapshot(locked, reply)
    locked.state = CommentState.PUBLISHED
    locked.state_reason = reason
    locked.published_at = locked.published_at or timezone.now()
    locked.save(update_fields=["state", "state_reason", "published_at"])
    if reply is not None and not reply.is_published:
        reply.is_published = True
        reply.save(update_fields=["is_published"])
        queue_answer_notices(locked, reply)
    after = snapshot(locked, reply)
    if after != before:
        record(actor, "comment.publish", locked, summary=reason, before=before, after=after)
    return _refresh(comment, locked)


@transaction.atomic
def hide(actor: AbstractBaseUser, comment: Comment, reason: str) -> Comment:
    """Takes the comment (and its answer) out of every public view; a reason is required."""
    reason = _clean_reason(reason, required=True)
    locked, reply = _locked(comment)
    before = snapshot(locked, reply)
    locked.state = CommentState.HIDDEN
    locked.state_reason = reason
    locked.save(update_fields=["state", "state_reason"])
    if reply is not None and reply.is_published:
        reply.is_published = False
        reply.save(update_fields=["is_published"])
    after = snapshot(locked, reply)
    if after != before:
        record(actor, "comment.hide", locked, summary=reason, before=before, after=after)
    return _refresh(comment, locked)


@transaction.atomic
def answer(
    actor: AbstractBaseUser,
    comment: Comment,
    result: str,
    reason: str,
    publish: bool = False,
    changes=None,
) -> Reply:
    """Records how the opinion was handled (采纳 / 部分采纳 / 不予采纳 / 说明解释) and why. With
    ``publish`` the answer and the comment become public; without it the answer is kept as
    a draft that the public does not see. ``changes`` (when given) are the changes of later
    versions the answer led to, linked as ``link_changes`` does, in the same transaction."""
    if result not in Result.values:
        raise ModerationError(_("Choose adopted, partly adopted, not adopted or explained."))
    reason = _clean_reason(reason, required=True)
    locked, reply = _locked(comment)
    if publish and locked.state == CommentState.HIDDEN:
        raise ModerationError(
            _("This comment is hidden: publish the comment before publishing its answer.")
        )
    before = snapshot(locked, reply)
    was_public = reply is not None and reply.is_published
    if reply is None:
        reply = Reply(comment=locked)
    reply.result = result
    reply.reason = reason
    reply.is_published = publish
    reply.answered_by = actor
    reply.save()
    after = snapshot(locked, reply)
    if after != before:
        summary = f"{Result(result).label}: {reason}"
        record(actor, "comment.answer", locked, summary=summary, before=before, after=after)
    if publish and locked.state != CommentState.PUBLISHED:
        _publish_state(actor, locked, reply)
    if publish and not (was_public and before["reply"]["result"] == result):
        # Just published, or its result changed: the resident is told (once per result).
        queue_answer_notices(locked, reply)
    if changes is None and result not in ADOPTING and reply.changes.exists():
        changes = []  # an answer that adopts nothing led to no change
    if changes is not None:
        _link(actor, locked, reply, changes)
    _refresh(comment, locked)
    return reply


@transaction.atomic
def link_changes(actor: AbstractBaseUser, comment: Comment, changes) -> Reply:
    """Points the answer to ``comment`` at the changes of later versions it led to (采纳 /
    部分采纳 only), replacing the links it had; the public 修改说明 shows the opinion under
    each change once both are published."""
    locked, reply = _locked(comment)
    if reply is None:
        raise ModerationError(_("Answer the opinion before linking it to changes."))
    _link(actor, locked, reply, changes)
    return reply


def change_key(change) -> dict:
    return {"version": change.version.number, "key": change.key}


def _link(actor, locked: Comment, reply: Reply, changes) -> None:
    changes = list(changes)
    if changes and reply.result not in ADOPTING:
        raise ModerationError(
            _("Only an adopted or partly adopted opinion can be linked to changes of the plan.")
        )
    allowed = set(linkable_changes(locked).values_list("pk", flat=True))
    if any(change.pk not in allowed for change in changes):
        raise ModerationError(
            _(
                "An opinion can only be linked to changes of this plan's versions later than "
                "the one it was made on."
            )
        )
    current = list(reply.changes.select_related("version").order_by("version__number", "key"))
    before = sorted((change_key(c) for c in current), key=lambda k: (k["version"], k["key"]))
    after = sorted((change_key(c) for c in changes), key=lambda k: (k["version"], k["key"]))
    if before == after:
        return
    reply.changes.set(changes)
    record(
        actor,
        "reply.link_changes",
        locked,
        summary="；".join(f"v{k['version']} {k['key']}" for k in after) or _("No change"),
        before={"changes": before},
        after={"changes": after},
    )


def _publish_state(actor, locked: Comment, reply: Reply) -> None:
    before = snapshot(locked, reply)
    locked.state = CommentState.PUBLISHED
    locked.published_at = locked.published_at or timezone.now()
    locked.save(update_fields=["state", "published_at"])
    record(actor, "comment.publish", locked, before=before, after=snapshot(locked, reply))


@dataclass(frozen=True)
class BatchOutcome:
    done: int
    refused: list[tuple[str, str]]  # (receipt code, why)


@transaction.atomic
def batch(
    actor: AbstractBaseUser,
    comments,
    action: str,
    *,
    reason: str = "",
    result: str = "",
    publish_answer: bool = False,
) -> BatchOutcome:
    """One action on several comments. A comment the rules refuse is reported and left
    unchanged; the others are done (each with its own audit event)."""
    if action not in BATCH_ACTIONS:
        raise ModerationError(_("Unknown action."))
    if action == "hide":
        _clean_reason(reason, required=True)
    if action == "answer":
        if result not in Result.values:
            raise ModerationError(_("Choose adopted, partly adopted, not adopted or explained."))
        _clean_reason(reason, required=True)
    done, refused = 0, []
    for comment in comments:
        try:
            with transaction.atomic():
                if action == "publish":
                    publish(actor, comment, reason)
                elif action == "hide":
                    hide(actor, comment, reason)
                else:
                    answer(actor, comment, result, reason, publish=publish_answer)
        except ModerationError as refusal:
            refused.append((comment.receipt_code, str(refusal)))
        else:
            done += 1
    return BatchOutcome(done, refused)


@transaction.atomic
def enter_on_behalf(
    actor: AbstractBaseUser,
    consultation: Consultation,
    *,
    channel: str,
    body: str,
    stance: str,
    section=None,
    villages: list[str] | None = None,
    name: str = "",
    phone: str = "",
    email: str = "",
    consent_show_name: bool = False,
    received_on: date | None = None,
    submitter_kind: str = SubmitterKind.PERSON,
    organisation: str = "",
) -> Comment:
    """A letter, a call or a visit typed in by an official. The channel, the day it was
    received (a letter's postmark) and who entered it are recorded; the privacy consent is the
    resident's own web form's and is not asked. Entering after the close is allowed when the
    opinion was received, or the letter postmarked, within the period."""
    if channel not in OFFICE_CHANNELS:
        raise ModerationError(_("Choose how the opinion reached you (letter, phone, …)."))
    if not body.strip():
        raise ModerationError(_("The opinion is empty."))
    check_received_on(consultation, received_on)
    organisation = _clean_organisation(submitter_kind, organisation)
    # Made on the version the round shows, as a resident's web comment is.
    version = consultation.shown_version
    if section is not None and section.chapter.version_id != version.pk:
        raise ModerationError(_("This section is not in the version the consultation shows."))
    comment = Comment.objects.create(
        consultation=consultation,
        version=version,
        channel=channel,
        entered_by=actor,
        body=body.strip(),
        stance=stance,
        section=section,
        villages=villages or [],
        name=name,
        phone=phone,
        email=email,
        consent_show_name=consent_show_name and bool(name),
        received_on=received_on,
        submitter_kind=submitter_kind,
        organisation=organisation,
    )
    record(
        actor,
        "comment.enter",
        comment,
        summary=f"{Channel(channel).label} {received_on.isoformat()} {comment.receipt_code}",
        after={
            **snapshot(comment, None),
            "channel": channel,
            "received_on": received_on.isoformat(),
            "stance": stance,
            "section": section.pk if section else None,
            "villages": comment.villages,
            "submitter_kind": submitter_kind,
            "organisation": organisation,
        },
    )
    return comment


def check_received_on(consultation: Consultation, received_on: date | None) -> None:
    """An opinion that came by letter, phone or visit belongs to the consultation when it was
    received (a letter: postmarked) between the opening date and the last day; the postmark
    counts, not the day the letter arrives (民法典 Art. 203 and practice)."""
    if received_on is None:
        raise ModerationError(
            _("Give the date the letter was postmarked, or the call or visit was received.")
        )
    if received_on > china_date(timezone.now()):
        raise ModerationError(_("The date received cannot be in the future."))
    opened = china_date(consultation.opens_at)
    if received_on < opened:
        raise ModerationError(
            _("Received on %(day)s, before the consultation opened on %(opened)s.")
            % {"day": received_on.isoformat(), "opened": opened.isoformat()}
        )
    last = last_day_open(consultation.closes_at)
    if received_on > last:
        raise ModerationError(
            _(
                "Received on %(day)s, after the consultation closed (%(last)s 24:00): it "
                "cannot be entered as an opinion of this consultation."
            )
            % {"day": received_on.isoformat(), "last": last.isoformat()}
        )


def _clean_organisation(submitter_kind: str, organisation: str) -> str:
    """An organisation's name goes with every kind but an individual: a person's name is
    personal data and is kept in ``name`` (shown only with consent), never here."""
    if submitter_kind not in SubmitterKind.values:
        raise ModerationError(_("Choose who gave the opinion."))
    organisation = (organisation or "").strip()
    if submitter_kind == SubmitterKind.PERSON:
        return ""
    if not organisation:
        raise ModerationError(_("Name the organisation, department or institution."))
    return organisation


@transaction.atomic
def set_submitter(
    actor: AbstractBaseUser, comment: Comment, submitter_kind: str, organisation: str = ""
) -> Comment:
    """Says who gave an opinion (个人 / 单位 / 部门 / 专家 and the organisation), e.g. a web
    comment that came from a village committee; the report's 意见人 column shows it."""
    organisation = _clean_organisation(submitter_kind, organisation)
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    before = {"submitter_kind": locked.submitter_kind, "organisation": locked.organisation}
    locked.submitter_kind, locked.organisation = submitter_kind, organisation
    after = {"submitter_kind": submitter_kind, "organisation": organisation}
    if after != before:
        locked.save(update_fields=["submitter_kind", "organisation"])
        record(actor, "comment.set_submitter", locked, before=before, after=after)
    comment.submitter_kind, comment.organisation = submitter_kind, organisation
    return comment


@transaction.atomic
def mark_duplicate(actor: AbstractBaseUser, comment: Comment, original: Comment | None) -> Comment:
    """Groups an opinion under another one that says the same (``None`` ungroups it)."""
    locked, reply = _locked(comment)
    if original is not None:
        seen = set()
        # Always point at the first opinion, so groups stay one level deep.
        while original.duplicate_of_id is not None and original.pk not in seen:
            seen.add(original.pk)
            original = original.duplicate_of
        if original.pk == locked.pk:
            raise ModerationError(_("A comment cannot duplicate itself."))
        if original.consultation_id != locked.consultation_id:
            raise ModerationError(_("Both comments must belong to the same consultation."))
    before = snapshot(locked, reply)
    locked.duplicate_of = original
    locked.save(update_fields=["duplicate_of"])
    # Opinions grouped under this one follow it to the new first opinion.
    followers = []
    if original is not None:
        followers = list(Comment.objects.filter(duplicate_of=locked).values_list("pk", flat=True))
        Comment.objects.filter(pk__in=followers).update(duplicate_of=original)
    after = {**snapshot(locked, reply), "regrouped": followers}
    if after != {**before, "regrouped": []}:
        record(actor, "comment.mark_duplicate", locked, before=before, after=after)
    return _refresh(comment, locked)


@transaction.atomic
def set_villages(actor: AbstractBaseUser, comment: Comment, villages: list[str]) -> Comment:
    """Corrects the villages an opinion is about. The submission tags them from the place the
    resident drew or chose (consultation/touches.py), which misses a comment on the plan as a
    whole that names a village, or tags a neighbour a line only grazes; the statistics and the
    report count by these names. ``villages`` are names the caller has checked against the
    plan's villages; they are kept in the plan's order without repeats."""
    chosen = list(dict.fromkeys(name.strip() for name in villages if name.strip()))
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    before = {"villages": list(locked.villages)}
    after = {"villages": chosen}
    if after != before:
        locked.villages = chosen
        locked.save(update_fields=["villages"])
        record(
            actor,
            "comment.set_villages",
            locked,
            summary="、".join(chosen) or _("No village"),
            before=before,
            after=after,
        )
    comment.villages = chosen
    return comment


@transaction.atomic
def reveal_contact(actor: AbstractBaseUser, comment: Comment) -> dict:
    """The full contact details, for an official who needs to reach the resident. Looking is
    itself recorded (PIPL: access to personal information is logged); the event says that
    the details were shown, never what they are."""
    record(
        actor,
        "comment.show_contact",
        comment,
        summary=_("Contact details shown"),
        after={"purged": comment.contact_purged_at is not None},
    )
    return {"name": comment.name, "phone": comment.phone, "email": comment.email}


def masked_email(email: str) -> str:
    """w***@example.cn: enough to recognise, not enough to write to."""
    if "@" not in email:
        return "*" * len(email)
    local, domain = email.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


@transaction.atomic
def answer_group(
    actor: AbstractBaseUser,
    comments,
    result: str,
    reason: str,
    publish: bool = False,
) -> list[Reply]:
    """One answer to opinions that say the same (a group the official confirmed): every later
    opinion is grouped under the first received (``mark_duplicate``), and each gets the same
    answer through ``answer``, so each opinion keeps its own reply and audit events and the
    resident finds it by their own receipt code. All or nothing: one refusal changes none."""
    comments = sorted(comments, key=lambda c: (c.created_at, c.pk))
    if len(comments) < 2:
        raise ModerationError(_("Choose at least two opinions to answer together."))
    if len({c.consultation_id for c in comments}) != 1:
        raise ModerationError(_("Both comments must belong to the same consultation."))
    first, *others = comments
    for comment in others:
        if comment.duplicate_of_id != first.pk:
            mark_duplicate(actor, comment, first)
    replies = [
        answer(actor, comment, result, reason, publish=publish) for comment in [first, *others]
    ]
    codes = [c.receipt_code for c in comments]
    record(
        actor,
        "comment.group_answer",
        first,
        summary=f"{Result(result).label}: {'、'.join(codes)}",
        after={"comments": [c.pk for c in comments], "result": result},
    )
    return replies
