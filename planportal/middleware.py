"""Response tweaks shared by the whole site."""

from django.middleware.gzip import GZipMiddleware

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


# Answers worth compressing in Python: pages and JSON, a few kB to a few hundred. Not tiles
# (binary, many, cheap to gzip in nginx, and a quarter of the tile throughput in Python; see
# deploy/nginx-planportal.conf), nor files (GeoPackage, photos, PDFs: compressed already or
# too large to hold). Static files are WhiteNoise's, compressed once by collectstatic.
COMPRESSED_TYPES = ("text/html", "text/csv", "application/json", "application/geo+json")


class CompressedResponsesMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its BREACH mitigation) for pages and JSON only. On a slow
    phone network the layer catalogue goes from 61 kB to a few, the map layers to a third.
    Behind nginx the answer arrives compressed and nginx passes it on as it is; a strong ETag
    becomes weak (W/"..."), which the conditional GETs compare weakly (planportal/etags.py)."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in COMPRESSED_TYPES:
            return response
        return super().process_response(request, response)
