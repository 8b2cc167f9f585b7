"""Template helpers for plan text and language switching."""

import re

from django import template
from django.urls import translate_url
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_BOLD = re.compile(r"\*\*(.+?)\*\*")


@register.filter
def emphasis(text: str) -> SafeString:
    """Renders the draft's **bold** marks as <strong>; everything else is escaped first,
    so no markup from the source text can reach the page."""
    return mark_safe(_BOLD.sub(r"<strong>\1</strong>", escape(text)))  # noqa: S308


@register.filter
def plain(text: str) -> str:
    """The text without the bold marks, for titles and attributes."""
    return _BOLD.sub(r"\1", text)


@register.simple_tag(takes_context=True)
def url_in_language(context, language: str) -> str:
    """The current page's address in another language (/plans/x/ <-> /en/plans/x/)."""
    request = context["request"]
    return translate_url(request.get_full_path(), language)
