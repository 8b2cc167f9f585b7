"""Response tweaks shared by the whole site: language-neutral machine answers, and the
Permissions-Policy header."""

# Machine-readable answers that are the same in every language: a CDN must not keep one copy
# per browser language of each tile.
LANGUAGE_NEUTRAL_PREFIXES = ("/tiles/", "/ogc/")


def language_neutral_responses(get_response):
    def middleware(request):
        response = get_response(request)
        if request.path.startswith(LANGUAGE_NEUTRAL_PREFIXES):
            vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
            kept = [v for v in vary if v.lower() != "accept-language"]
            if kept:
                response["Vary"] = ", ".join(kept)
            elif "Vary" in response:
                del response["Vary"]
            if "Content-Language" in response:
                del response["Content-Language"]
        return response

    return middleware


# Browser features no page of the portal uses are switched off for it and for anything it
# might embed; geolocation stays on for the portal's own pages (the map's "locate me").
# A photo is picked with a file input, which needs no camera permission.
PERMISSIONS_POLICY = ", ".join(
    [
        "accelerometer=()",
        "camera=()",
        "display-capture=()",
        "geolocation=(self)",
        "gyroscope=()",
        "magnetometer=()",
        "microphone=()",
        "midi=()",
        "payment=()",
        "serial=()",
        "usb=()",
    ]
)
PERMISSIONS_POLICY_HEADER = "Permissions-Policy"


def permissions_policy(get_response):
    """Middleware (first in MIDDLEWARE): the header on every response Django makes."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault(PERMISSIONS_POLICY_HEADER, PERMISSIONS_POLICY)
        return response

    return middleware


def permissions_policy_app(application):
    """WSGI wrapper (WSGI_WRAPPERS, outermost): the header on the answers made in front of
    Django too (a tile revalidated by layers/tiles/fastpath.py)."""

    def wrapped(environ, start_response):
        def start(status, headers, exc_info=None):
            if not any(name.lower() == "permissions-policy" for name, _value in headers):
                headers.append((PERMISSIONS_POLICY_HEADER, PERMISSIONS_POLICY))
            return start_response(status, headers, exc_info)

        return application(environ, start)

    return wrapped
