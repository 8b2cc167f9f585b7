"""Response tweaks shared by the whole site."""

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
