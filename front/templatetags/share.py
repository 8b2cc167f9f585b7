"""The share link of a section of the plan page: ``?section=3.3`` lets the page give the
section's own card (front/share_meta.py), the anchor takes the reader to it."""

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def section_share_path(context, section) -> str:
    return f"{context['request'].path}?section={section.number}#{section.anchor}"
