"""What a notice says: the receipt code, the result and the receipt page's address. Nothing
else of the opinion, and nothing personal (no name, no text: a message can be read by others
on a shared phone or mailbox)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from consultation.models import Comment, Result
from consultation.receipts import display_code


def receipt_url(comment: Comment) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return settings.SITE_URL + reverse("receipt-page", args=[comment.receipt_code])


def _facts(comment: Comment, result: str) -> dict:
    return {
        "code": display_code(comment.receipt_code),
        "result": Result(result).label,
        "url": receipt_url(comment),
    }


def sms_text(comment: Comment, result: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Your opinion (receipt code %(code)s) has been answered: %(result)s. "
            "Read the answer: %(url)s"
        ) % _facts(comment, result)


def email_subject(comment: Comment) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Your opinion %(code)s has been answered") % {
            "code": display_code(comment.receipt_code)
        }


def email_body(comment: Comment, result: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        facts = _facts(comment, result) | {"consultation": comment.consultation.title}
        return (
            _(
                "The opinion you gave in the consultation “%(consultation)s” (receipt code "
                "%(code)s) has been answered.\n\nResult: %(result)s\n\nThe answer and its reasons: "
                "%(url)s\n\nThis message was sent because you gave this address with your "
                "opinion. Please do not reply to it."
            )
            % facts
        )
