"""Conditional GET for the public read paths (tiles, OGC API): one weak comparison of
If-None-Match, as RFC 9110 13.1.2 asks for it. A proxy that gzips an answer, as nginx does,
hands the browser W/"<etag>", and that is what comes back."""

from django.utils.http import parse_etags


def if_none_match_holds(if_none_match: str | None, etag: str) -> bool:
    """True when the header names ``etag`` (weakly) or is ``*``."""
    if not if_none_match:
        return False
    tags = {tag.removeprefix("W/") for tag in parse_etags(if_none_match)}
    return "*" in tags or etag in tags
