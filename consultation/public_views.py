"""Public pages of a consultation (inside the language prefixes); what the plan and map pages
need from it is in embed.py.

- ``/consultations/{id}/comment/``: the comment form as a page; it works without JavaScript
  (a plain multipart POST with Django's CSRF check, then a redirect to the receipt).
- ``/consultations/{id}/comment/form/``: the same form alone, which comment-form.js loads into
  the plan page or the map and sends as JSON to the API.
- ``/receipts/`` and ``/receipts/{code}/``: the receipt lookup.
"""

import secrets
import uuid

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from consultation import abuse
from consultation.change_links import public_changes_of, reply_of
from consultation.comment_context import comment_context
from consultation.embed import comment_form_config
from consultation.models import Consultation, Stance
from consultation.photos import max_request_bytes
from consultation.privacy import privacy_notice
from consultation.public_serializers import form_limits
from consultation.receipts import display_code, find_receipt, normalise_code, receipt_payload
from consultation.submission import submit
from layers.models import Layer
from planportal.clients import client_from_meta
from planportal.middleware import max_body_bytes
from planportal.versions import section_of

FORM_FIELDS = (
    "body",
    "stance",
    "photo",
    "name",
    "phone",
    "email",
    "consent_privacy",
    "guardian_consent",
    "guardian_name",
)


# -- the comment form ------------------------------------------------------------------------


def _target_from_params(consultation: Consultation, params) -> dict:
    """Hidden inputs and a description of what the form's opinion will point at (a section of
    the version the consultation shows)."""
    plan = consultation.plan
    number = params.get("section", "").strip()[:20]
    if number:
        section = section_of(plan, number, consultation.shown_version)
        if section is not None:
            label = _("Section %(number)s %(title)s") % {
                "number": section.number,
                "title": section.title,
            }
            return {"section": section.number, "label": label}
    collection_id = params.get("collection_id", "")[:100]
    feature_id = params.get("feature_id", "")
    if collection_id and feature_id.isdigit():
        layer = Layer.objects.public().filter(plan=plan, collection_id=collection_id).first()
        if layer is not None:
            name = params.get("feature_name", "").strip()[:100]
            label = _("%(feature)s in the map layer %(layer)s") % {
                "feature": name or _("A feature"),
                "layer": layer.title,
            }
            return {"collection_id": collection_id, "feature_id": feature_id, "label": label}
    if params.get("drawn"):
        return {"drawn": True, "label": _("A place drawn on the map")}
    return {"label": _("The plan as a whole")}


def form_context(request, consultation: Consultation, target: dict, values=None, errors=None):
    errors = errors or {}
    general = [
        message
        for key, messages in errors.items()
        if key not in FORM_FIELDS
        for message in (messages if isinstance(messages, list) else [messages])
        if isinstance(message, str)
    ]
    if any(key in FORM_FIELDS for key in errors):
        # Without JavaScript the page comes back from the top: say first that nothing was sent
        # and where to look, the messages by the fields say what to change.
        general.insert(0, not_sent_message())
    limits = form_limits()
    return {
        "consultation": consultation,
        "action": reverse("consultation-comment", args=[consultation.pk]),
        "token": _form_token(consultation, values or {}, used=errors.get("code") == "form_used"),
        "idempotency_key": (values or {}).get("idempotency_key") or uuid.uuid4().hex,
        "prefix": "comment-" + secrets.token_hex(4),
        "target": target,
        "values": values or {},
        "errors": errors,
        "general_errors": general,
        "stances": Stance.choices,
        "limits": {**limits, "photo_max_mb": limits["photo_max_bytes"] // (1024 * 1024)},
        "privacy": privacy_notice(consultation),
    }


def not_sent_message() -> str:
    return _(
        "Your opinion has not been sent yet. Please change what is marked in red below and "
        "press “Send my opinion” again; what you wrote is kept."
    )


def _form_token(consultation: Consultation, values: dict, *, used: bool = False) -> str:
    """A form shown again with its errors keeps its token, so the time already spent on it
    counts towards the minimum fill time; a stale, foreign or used token is replaced."""
    posted = values.get("form_token", "")
    if used:
        return abuse.issue_form_token(consultation.pk)
    try:
        abuse.check_form_token(posted, consultation.pk)
    except abuse.TooQuick:
        return posted
    except abuse.Rejected:
        return abuse.issue_form_token(consultation.pk)
    return posted


def comment_form_fragment(request, pk: int):
    """The bare form, for comment-form.js to place on the plan page or the map."""
    consultation = get_object_or_404(Consultation.objects.public(), pk=pk)
    if not consultation.is_open:
        return HttpResponse(
            format_html(
                '<p class="comment-closed" role="status" data-comment-closed>{}</p>',
                _("This consultation is not open for opinions."),
            )
        )
    target = _target_from_params(consultation, request.GET)
    return render(
        request,
        "consultation/public/_form.html",
        {"form": form_context(request, consultation, target)},
    )


@max_body_bytes(max_request_bytes)
def comment_page(request, pk: int):
    """The comment form as a page of its own; without JavaScript it is posted here. A body
    larger than a comment with its photo is refused before anything reads it, the CSRF check
    included (planportal.middleware.RefuseLargeBodies)."""
    consultation = get_object_or_404(Consultation.objects.public(), pk=pk)
    if request.method == "POST":
        data = request.POST.copy()
        if request.FILES.get("photo"):
            data["photo"] = request.FILES["photo"]
        try:
            submitted = submit(
                consultation,
                data,
                client=client_from_meta(request.META),
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except abuse.Rejected as rejected:
            values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
            target = _target_from_params(consultation, request.POST)
            context = {
                "consultation": consultation,
                "form": form_context(request, consultation, target, values, rejected.payload),
                "comment_config": comment_form_config(consultation),
            }
            return render(
                request, "consultation/public/comment_page.html", context, status=rejected.status
            )
        code = submitted.comment.receipt_code
        return redirect(reverse("receipt-page", args=[code]) + "?new=1")
    target = _target_from_params(consultation, request.GET)
    context = {
        "consultation": consultation,
        "form": form_context(request, consultation, target),
        "comment_config": comment_form_config(consultation),
    }
    return render(request, "consultation/public/comment_page.html", context)


# -- receipts --------------------------------------------------------------------------------


def receipt_lookup(request):
    raw = request.GET.get("code", "")
    if raw:
        code = normalise_code(raw)
        if find_receipt(code) is not None:
            return redirect("receipt-page", code=code)
        return render(
            request,
            "consultation/public/receipt_lookup.html",
            {"code": raw[:40], "not_found": True},
            status=404,
        )
    return render(request, "consultation/public/receipt_lookup.html", {"code": ""})


def receipt_page(request, code: str):
    comment = find_receipt(code)
    if comment is None:
        return render(
            request,
            "consultation/public/receipt_lookup.html",
            {"code": code[:40], "not_found": True},
            status=404,
        )
    context = {
        "receipt": receipt_payload(comment),
        "code": display_code(comment.receipt_code),
        "is_new": request.GET.get("new") == "1",
        "plan_url": reverse("plan-detail", args=[comment.consultation.plan.slug]),
        "made_on": comment_context(comment),
        "led_to": public_changes_of(reply_of(comment)),
    }
    return render(request, "consultation/public/receipt.html", context)
