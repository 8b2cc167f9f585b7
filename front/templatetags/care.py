"""The care mode's state for the page shell (templates/base.html): see front/care.py."""

from django import template

from front import care

register = template.Library()


@register.simple_tag(takes_context=True)
def care_mode(context) -> bool:
    request = context.get("request")
    return request is not None and care.is_on(request)
