"""The report as HTML: the context its templates share, the page numbers of its print
stylesheet, and the self-contained document a frozen version stores.

Chromium (and so its "print to PDF") fills CSS margin boxes with page counters, so printing
the page gives "第 x 页，共 y 页" at the foot of every page; the counter text is translated
here, because CSS cannot take it from the catalogue.
"""

import json
import re

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

from consultation.exports import local_time
from consultation.report import Report

REPORT_CSS = "css/report.css"


def page_number_css() -> SafeString:
    """An @page rule whose footer reads "第 x 页，共 y 页" (or the active language's words)."""
    words = pgettext("page number", "Page {page} of {pages}")
    parts = []
    for piece in re.split(r"(\{page\}|\{pages\})", words):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            # A JSON string is a valid CSS string; "<" is escaped so nothing ends the <style>.
            parts.append(json.dumps(piece, ensure_ascii=False).replace("<", "\\3c "))
    rule = f"@page {{ @bottom-center {{ content: {' '.join(parts)}; }} }}"
    return mark_safe(rule)  # noqa: S308 (catalogue text, quoted and escaped above)


def report_context(report: Report, *, frozen=None) -> dict:
    return {
        "report": report,
        "consultation": report.consultation,
        "cover": report.cover,
        "generated": local_time(report.generated_at),
        "frozen": frozen,
        "page_number_css": page_number_css(),
    }


def render_document(report: Report, *, frozen) -> str:
    """The whole report as one HTML file (``render_standalone``), the version it is named in
    the heading."""
    context = report_context(report, frozen=frozen)
    return render_standalone("consultation/staff/report_document.html", context)


def render_standalone(template_name: str, context: dict) -> str:
    """A report document that needs nothing else: its stylesheet inlined, no links into the
    portal; the report across rounds renders its document the same way."""
    with open(finders.find(REPORT_CSS), encoding="utf-8") as css:
        stylesheet = mark_safe(css.read())  # noqa: S308 (the project's own stylesheet)
    return render_to_string(template_name, context | {"stylesheet": stylesheet})
