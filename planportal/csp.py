"""django-csp's middleware with the site's policy built once per process instead of for every
response: building it (copying and joining every directive's sources) was 4-5% of a comment
submission's CPU (bench/README.md, comments.py). A response or request that brings anything of
its own (a nonce used by a template, a view's @csp_update/@csp_replace/@csp decorator) goes
through django-csp's own code, as before."""

import http.client

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# What a view's decorators put on its response (csp.decorators).
PER_RESPONSE_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
DEBUG_EXEMPT_STATUSES = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)

_policies: dict[bool, str] = {}


def site_policy(report_only: bool) -> str:
    """The policy of CONTENT_SECURITY_POLICY (or its REPORT_ONLY twin) as a header value,
    built at the first response."""
    policy = _policies.get(report_only)
    if policy is None:
        policy = _policies[report_only] = build_policy(report_only=report_only)
    return policy


@receiver(setting_changed)
def _forget_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.clear()


class SitePolicyMiddleware(CSPMiddleware):
    def process_response(self, request, response):
        own_parts = getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) for name in PER_RESPONSE_ATTRIBUTES
        )
        if own_parts:
            return super().process_response(request, response)
        if response.status_code in DEBUG_EXEMPT_STATUSES and settings.DEBUG:
            return response
        for header, report_only, exempt in (
            (HEADER, False, "_csp_exempt"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro"),
        ):
            policy = site_policy(report_only)
            if not policy or header in response or getattr(response, exempt, False):
                continue
            setting = (
                "CONTENT_SECURITY_POLICY_REPORT_ONLY"
                if report_only
                else ("CONTENT_SECURITY_POLICY")
            )
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES")
            if not request.path_info.startswith(tuple(prefixes or ())):
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
