"""The plan text on paper, one section (?section=3.2) or one chapter (?chapter=3) at a time:
the words of the current version without the page's buttons, with the plan's title, the
version, the date printed, where it comes from and a QR code back to it; also as PDF."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from front.sheets.common import BadSheetRequest, answer, bad_request, paper_of, sheet_context
from planportal.models import Chapter, Plan, Section


def text_sheet(request, slug: str, as_pdf: bool = False):
    plan = get_object_or_404(Plan.objects.public(), slug=slug)
    try:
        paper = paper_of(request)
        chapter, section = _chosen_text(plan, request.GET)
    except BadSheetRequest as error:
        return bad_request(error)
    anchor = section.anchor if section else chapter.anchor

    def build_context():
        page = f"{reverse('plan-detail', args=[plan.slug])}#{anchor}"
        return sheet_context(page_path=page, paper=paper) | {
            "plan": plan,
            "version": plan.current_version,
            "chapter": chapter,
            "sections": [section] if section else list(chapter.sections.order_by("position")),
            "whole_chapter": section is None,
            "pdf_url": f"{reverse('plan-text-print-pdf', args=[plan.slug])}?"
            + request.GET.urlencode(),
        }

    part = section.number if section else str(chapter.number)
    return answer(
        request,
        "front/sheets/text.html",
        build_context,
        as_pdf=as_pdf,
        paper=paper,
        etag_parts=[plan.pk, plan.updated_at.isoformat(), plan.current_version.pk, part],
        filename=_("%(plan)s %(part)s.pdf") % {"plan": plan.name, "part": part},
    )


def _chosen_text(plan: Plan, query) -> tuple[Chapter, Section | None]:
    """The chapter and section (None for a whole chapter) the query names, of the version
    the public reads."""
    section_number = query.get("section", "").strip()
    chapter_number = query.get("chapter", "").strip()
    if bool(section_number) == bool(chapter_number):
        raise BadSheetRequest(_("Name one section (section=3.2) or one chapter (chapter=3)."))
    chapters = Chapter.objects.filter(version=plan.current_version)
    if section_number:
        section = (
            Section.objects.filter(chapter__in=chapters, number=section_number[:20])
            .select_related("chapter")
            .first()
        )
        if section is None:
            raise Http404("The plan has no such section.")
        return section.chapter, section
    if not chapter_number.isdigit() or len(chapter_number) > 3:
        raise BadSheetRequest(_("A chapter is given by its number, e.g. chapter=3."))
    chapter = chapters.filter(number=int(chapter_number)).first()
    if chapter is None:
        raise Http404("The plan has no such chapter.")
    return chapter, None
