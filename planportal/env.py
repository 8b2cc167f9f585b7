"""Typed readers for settings that come from environment variables.

Every setting of the portal is read through these helpers in ``planportal/settings.py`` so
that a wrong value fails at start-up with a message naming the variable, not later.
"""

import json
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_secret(name: str, default: str = "") -> str:
    """``NAME``, or the contents of the file ``NAME_FILE`` names (a container or systemd
    credential), without its trailing newline; setting both is a mistake."""
    path = os.environ.get(f"{name}_FILE")
    if path is None:
        return env_str(name, default)
    if name in os.environ:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both.")
    try:
        with open(path, encoding="utf-8") as secret:
            return secret.read().rstrip("\n")
    except OSError as error:
        raise ImproperlyConfigured(f"{name}_FILE cannot be read: {error}") from None


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no; got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name: str, default: tuple[int, int]) -> tuple[int, int]:
    """A rate limit written COUNT/SECONDS, e.g. "20/3600" for 20 an hour."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        count, seconds = (int(part) for part in raw.split("/"))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"{name} must look like 20/3600 (count/seconds); got {raw!r}"
        ) from exc
    return count, seconds


def env_json(name: str) -> dict:
    """A JSON object from ``NAME`` or the file ``NAME_FILE`` names (env_secret), e.g. a storage
    backend's options with their keys; empty when unset."""
    raw = env_secret(name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a JSON object: {exc}") from exc
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, not {type(value).__name__}")
    return value
