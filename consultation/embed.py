"""What the consultation offers to pages of other apps (the plan page and the map in front/):
the consultation a plan shows, the published opinions of its sections, and the settings of the
comment form those pages open. Nothing here renders a page."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from consultation.models import Consultation
from consultation.my_opinions import keep_strings
from consultation.published import comments_by_section
from planportal.models import Plan

# Where the receipt code goes in the receipt page's URL the comment form builds.
RECEIPT_PLACEHOLDER = "RECEIPTCODE"


def current_consultation(plan: Plan) -> Consultation | None:
    """The consultation a plan's page shows: the open one (closing soonest), else the next
    to open, else the one that closed last."""
    consultations = list(Consultation.objects.filter(plan=plan))
    by_phase = {"open": [], "upcoming": [], "closed": []}
    for consultation in consultations:
        consultation.plan = plan
        by_phase[consultation.phase].append(consultation)
    if by_phase["open"]:
        return min(by_phase["open"], key=lambda c: c.closes_at)
    if by_phase["upcoming"]:
        return min(by_phase["upcoming"], key=lambda c: c.opens_at)
    if by_phase["closed"]:
        return max(by_phase["closed"], key=lambda c: c.closes_at)
    return None


def plan_page_context(plan: Plan) -> dict:
    """Context for the plan page (two queries). Call it with the plan whose chapters and
    sections are prefetched: each of those sections gets ``public_comments``, the list the
    snippet _section_comments.html shows."""
    consultation = current_consultation(plan) if plan.is_published else None
    by_section = comments_by_section(consultation) if consultation else {}
    for chapter in plan.chapters.all():
        for section in chapter.sections.all():
            section.public_comments = by_section.get(section.pk, [])
    return {
        "consultation": consultation,
        "comment_config": comment_form_config(consultation) if consultation else None,
    }


def comment_form_config(consultation: Consultation) -> dict:
    pk = consultation.pk
    return {
        "consultation": pk,
        "is_open": consultation.is_open,
        "language": get_language(),
        "urls": {
            "form": reverse("consultation-comment-form", args=[pk]),
            "submit": reverse("api-consultation-comments", args=[pk]),
            "token": reverse("api-consultation-form", args=[pk]),
            "published": reverse("api-consultation-published", args=[pk]),
            "receipt_page": reverse("receipt-page", args=[RECEIPT_PLACEHOLDER]),
            "receipt_placeholder": RECEIPT_PLACEHOLDER,
            "my_opinions": reverse("my-opinions"),
            "css": static("css/consultation.css"),
            "pow": static("js/pow.js"),
        },
        "strings": {
            "loading": _("Loading the form…"),
            "load_failed": _("The form could not be loaded. Please try again."),
            "sending": _("Sending…"),
            "checking": _("Please wait a moment while your device completes a short check."),
            "offline": _("Your opinion could not be sent. Check the connection and try again."),
            "fix_fields": _("Please correct the marked fields."),
            "photo_failed": _("The photo could not be read. Please choose a JPEG or PNG picture."),
            "thanks": _("Thank you. Your opinion has been received."),
            "receipt_code": _("Your receipt code"),
            "keep_code": _("Keep this code: with it you can look up the answer later."),
            "look_up": _("Look up the answer"),
            **keep_strings(),
            # {n} is filled in by comment-form.js as the resident types.
            "chars_left": _("You can write {n} more characters."),
            "chars_near": _("Only {n} characters left."),
            "chars_over": _("{n} characters too many: please shorten your opinion."),
        },
    }
