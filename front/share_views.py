"""Sharing a page: the share page that works without JavaScript (``/share/?path=``), the QR
codes of a page (``/qr.svg?path=``, ``/qr.png?path=``) and the share cards (PNG) of a plan and
of a village.

A ``path`` is a local address of a shareable public page (front/share_links.py); anything else
is answered 400, so no code or link made here can lead elsewhere or carry foreign words.
"""

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from front.qr import ForeignAddress, qr_png, qr_svg, qr_svg_document
from front.share_card import render_card
from front.share_links import ShareTarget, share_target
from front.share_meta import card_content
from front.village import find_village
from planportal.models import Plan, Section

QR_CACHE = "public, max-age=86400"
CARD_CACHE = "public, max-age=3600"


def _target_or_none(request) -> ShareTarget | None:
    try:
        return share_target(request.GET.get("path", ""))
    except ForeignAddress:
        return None


def _refused() -> HttpResponseBadRequest:
    return HttpResponseBadRequest(
        _("Only the address of a public page of this site can be shared."),
        content_type="text/plain; charset=utf-8",
    )


@require_GET
def share_page(request):
    target = _target_or_none(request)
    if target is None:
        return _refused()
    return render(
        request,
        "front/share.html",
        {
            "target": target,
            "page_title": _page_title(target),
            "qr": qr_svg(target.address, scale=5, title=_("QR code of this page")),
        },
    )


@require_GET
def qr_code_svg(request):
    target = _target_or_none(request)
    if target is None:
        return _refused()
    response = HttpResponse(
        qr_svg_document(target.address, title=_("QR code of this page")),
        content_type="image/svg+xml; charset=utf-8",
    )
    response["Cache-Control"] = QR_CACHE
    return response


@require_GET
def qr_code_png(request):
    target = _target_or_none(request)
    if target is None:
        return _refused()
    response = HttpResponse(qr_png(target.address), content_type="image/png")
    response["Content-Disposition"] = 'inline; filename="qrcode.png"'
    response["Cache-Control"] = QR_CACHE
    return response


def _page_title(target: ShareTarget) -> str:
    """What the shared page is, in words the plan's data gives."""
    plan = target.plan
    if plan is None:
        return _("Territorial spatial plans: public notice and consultation")
    if target.url_name == "plan-village":
        village = find_village(plan, target.kwargs["code"])
        return f"{village.name} · {plan.name}" if village else plan.name
    if target.url_name == "plan-map":
        village = target.params.get("village")
        title = _("Plan map") + " · " + plan.name
        return f"{village} · {title}" if village else title
    if target.url_name == "plan-detail" and "section" in target.params:
        section = _section(plan, target.params["section"])
        return f"{section} · {plan.name}" if section else plan.name
    return plan.name


def _section(plan: Plan, number: str) -> Section | None:
    return Section.objects.filter(chapter__version=plan.current_version, number=number).first()


# -- the share cards -----------------------------------------------------------------------


def _card_response(request, content) -> HttpResponse:
    etag = content.etag
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(render_card(content), content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = CARD_CACHE
    return response


@require_GET
def plan_share_card(request, slug: str):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    return _card_response(request, card_content(plan))


@require_GET
def village_share_card(request, slug: str, code: str):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    village = find_village(plan, code)
    if village is None:
        raise Http404("No village of this plan has that code.")
    return _card_response(request, card_content(plan, village))
