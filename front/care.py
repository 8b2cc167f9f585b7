"""关怀模式 (care mode, after 工信部《互联网网站适老化通用设计规范》): larger text and stronger
contrast for people who read with difficulty.

The choice lives in a cookie, not a session: the server reads it to put the class on <html> in
the first paint (no flash of small text), it needs no account, and static/js/care.js can set
the same cookie without a page load. The switch is a GET form, so it works without JavaScript;
it asks for a state ("on" or "off"), not a toggle, so repeating it changes nothing."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

COOKIE = "care"
ON = "1"
# A year: the choice of someone who needs large text does not expire with a session.
MAX_AGE = 365 * 24 * 60 * 60


def is_on(request: HttpRequest) -> bool:
    return request.COOKIES.get(COOKIE) == ON


def switch(request: HttpRequest) -> HttpResponse:
    """Turns care mode on (?mode=on) or off (?mode=off) and goes back to ?next= (a page of this
    site; anything else goes to the home page). Any other mode changes nothing."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    mode = request.GET.get("mode")
    if mode == "on":
        response.set_cookie(COOKIE, ON, max_age=MAX_AGE, samesite="Lax")
    elif mode == "off":
        response.delete_cookie(COOKIE, samesite="Lax")
    return response
