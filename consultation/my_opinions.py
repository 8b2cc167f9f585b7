"""我的意见: a page listing the receipt codes a resident kept on their phone, with each
opinion's state. The codes live in the browser only (static/js/kept-receipts.js); the page
asks the public receipt API for each, so the server learns nothing it would not learn from
the resident looking up their codes one by one."""

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

# Where the receipt code goes in the receipt API's address the page builds.
CODE_PLACEHOLDER = "RECEIPTCODE"


def page_config() -> dict:
    return {
        "language": get_language(),
        "urls": {
            "receipt_api": reverse("api-receipt", args=[CODE_PLACEHOLDER]),
            "placeholder": CODE_PLACEHOLDER,
        },
        "strings": keep_strings()
        | {
            "loading": _("Looking up…"),
            "remove": _("Remove"),
            "remove_code": _("Remove the code %(code)s from this phone"),
            "answered_on": _("answered on %(day)s"),
            "no_answer": _("No answer has been published yet."),
            "not_found": _("No opinion has this receipt code. Please check the code."),
            "offline": _("The state could not be looked up. Check the connection and try again."),
        },
    }


def keep_strings() -> dict:
    """The texts of the "keep this code" offer, also shown by the comment form."""
    return {
        "keep_on_device": _("Keep this code on this phone"),
        "kept_on_device": _("Kept on this phone"),
        "kept_status": _("Kept. My opinions shows it with its state."),
        "keep_failed": _(
            "This browser does not keep anything (private mode?). Please write the code down."
        ),
        "my_opinions": _("My opinions"),
    }


@require_GET
def my_opinions(request):
    return render(
        request, "consultation/public/my_opinions.html", {"my_opinions_config": page_config()}
    )
