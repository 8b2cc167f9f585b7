"""``GET /.well-known/security.txt`` (RFC 9116): where to report a vulnerability of this
portal privately. The operator (the bureau) sets the address with ``SECURITY_CONTACT`` (a
``mailto:`` or ``https:`` URI); without it there is no file (404) rather than a made-up
address. SECURITY.md at the root of the repository says the same for the software."""

from datetime import timedelta

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

# RFC 9116 wants an expiry under a year ahead; a file made on each request is always fresh.
VALID_FOR = timedelta(days=180)


@require_GET
def security_txt(request):
    contact = settings.SECURITY_CONTACT
    if not contact:
        raise Http404
    expires = (timezone.now() + VALID_FOR).replace(microsecond=0)
    lines = [
        f"Contact: {contact}",
        f"Expires: {expires.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Preferred-Languages: zh, en",
        f"Canonical: {request.build_absolute_uri()}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "max-age=86400"
    return response
