"""Size limits of an upload (UPLOAD_MAX_* in planportal/settings.py, with their defaults and
reasons), read at the moment they are needed so tests and deployments can change them."""

from django.conf import settings


def limit(name: str) -> int:
    return int(getattr(settings, name))


def human_bytes(count: int) -> str:
    """1048576 -> "1 MB": how limits are quoted to the planner."""
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if size == int(size) else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"
