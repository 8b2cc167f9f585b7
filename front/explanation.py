"""The public 修改说明 of a published version: ``/plans/<slug>/v/<n>/explanation/``. The
version's foreword, then every change with its reason, a link to it on the comparison page and
the published opinions whose adopted answer led to it (consultation/change_links.py)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from consultation.change_links import diff_url, public_opinions_by_change
from planportal.change_list import base_of, diff_anchor
from planportal.models import Plan
from planportal.versions import version_of


def version_explanation(request, slug: str, number: int):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    version = version_of(plan, number, public=True)
    if version is None:
        raise Http404("No published version of this number.")
    base = base_of(version)
    opinions = public_opinions_by_change(version)
    changes = [
        {
            "change": change,
            "diff_url": diff_url(version, base, diff_anchor(change)) if base else "",
            "opinions": opinions.get(change.pk, []),
        }
        for change in version.changes.order_by("position", "pk")
    ]
    context = {"plan": plan, "version": version, "base": base, "changes": changes}
    return render(request, "front/version_explanation.html", context)
