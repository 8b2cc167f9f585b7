"""Response tweaks shared by the whole site."""

from planportal import api_errors

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


def database_unavailable_answers(get_response):
    """A view that met a database gone away (a restart, a failover) answers 503 with
    Retry-After (planportal/api_errors.py), in development too; what fails outside a view
    reaches the same answer through the 500 handler when DEBUG is off."""

    def middleware(request):
        return get_response(request)

    def process_exception(request, exception):
        if isinstance(exception, api_errors.DATABASE_DOWN):
            return api_errors.database_unavailable(request)
        return None

    middleware.process_exception = process_exception
    return middleware
