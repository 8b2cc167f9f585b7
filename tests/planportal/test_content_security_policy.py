"""Every page carries a Content-Security-Policy that allows scripts from the site only (no
inline script, no eval), and no page relies on one: its <script> elements either load a file
or hold JSON data, and no element has an inline event handler. The browser tests run under the
same header, so a script it blocked would show as a console error there."""

import re

import pytest
from django.urls import reverse

from tests.conftest import DEMO_SLUG

pytestmark = pytest.mark.django_db

VILLAGE = "141181101203"  # 柳湾村
PAGES = [
    "/",
    f"/plans/{DEMO_SLUG}/",
    f"/plans/{DEMO_SLUG}/map/",
    f"/plans/{DEMO_SLUG}/villages/{VILLAGE}/",
    f"/plans/{DEMO_SLUG}/villages/{VILLAGE}/print/",
    f"/plans/{DEMO_SLUG}/procedure/",
    "/search/?q=柳湾",
    "/my-opinions/",
    "/staff/login/",
]
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.parametrize("path", PAGES)
def test_pages_allow_scripts_from_the_site_only_and_need_no_inline_script(client, demo_plan, path):
    response = client.get(path)
    assert response.status_code == 200, path
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("default-src", [])
    page = response.content.decode()
    for attributes in SCRIPT.findall(page):
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes
    assert not INLINE_HANDLER.search(page), INLINE_HANDLER.search(page).group(0)


def test_staff_pages_and_the_api_carry_it_too(official_client, demo_plan):
    answer = official_client.get(reverse("staff-home"))
    assert "script-src 'self'" in answer["Content-Security-Policy"]
    assert "Content-Security-Policy" in official_client.get("/api/plans/")
