"""A receipt: what the holder of a receipt code may learn about their opinion — its state and,
once published, the official answer. Nothing personal: not the name, phone, e-mail or photo,
and not the text either (a receipt code can be passed on; the text may hold details).
"""

import re

from django.urls import reverse
from django.utils.translation import gettext as _

from consultation.models import RECEIPT_ALPHABET, Comment, CommentState
from consultation.published import published_reply, target_summary

_NOT_CODE = re.compile(r"[\s\-_/]")


def normalise_code(raw: str) -> str:
    """Receipt codes as people type them: any case, with spaces or dashes."""
    return _NOT_CODE.sub("", raw or "").upper()[:40]


def looks_like_code(code: str) -> bool:
    return 6 <= len(code) <= 20 and all(c in RECEIPT_ALPHABET for c in code)


def display_code(code: str) -> str:
    """ABCDE-FGHJK: easier to read aloud and copy from a phone."""
    return f"{code[:5]}-{code[5:]}" if len(code) == 10 else code


def find_receipt(code: str) -> Comment | None:
    code = normalise_code(code)
    if not looks_like_code(code):
        return None
    return (
        Comment.objects.in_public_consultations()
        .filter(receipt_code=code)
        .select_related("consultation__plan", "section", "layer", "reply")
        .first()
    )


def state_explanation(state: str) -> str:
    return {
        CommentState.RECEIVED: _("Your opinion was received and waits to be reviewed."),
        CommentState.PUBLISHED: _("Your opinion was reviewed and published."),
        CommentState.HIDDEN: _("Your opinion was reviewed; it is not shown in public."),
    }.get(state, "")


def receipt_payload(comment: Comment) -> dict:
    consultation = comment.consultation
    return {
        "receipt_code": comment.receipt_code,
        "consultation": {
            "id": consultation.pk,
            "title": consultation.title,
            "closes_at": consultation.closes_at.isoformat(),
        },
        "received": comment.created_at.date().isoformat(),
        "state": comment.state,
        "state_label": comment.get_state_display(),
        "state_explanation": state_explanation(comment.state),
        "stance": comment.stance,
        "stance_label": comment.get_stance_display(),
        "target": target_summary(comment),
        # The villages the opinion is about (tagged from its place): names, nothing personal.
        "villages": list(comment.villages),
        "answer": published_reply(comment),
        "page": reverse("receipt-page", args=[comment.receipt_code]),
    }
