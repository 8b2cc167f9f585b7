"""Tiles and OGC answers do not vary by the browser's language, so caches keep one copy."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/tiles/yangquanqu-xzq/12/3317/1581.mvt", "/ogc/collections/yangquanqu-xzq/items"]
)
def test_machine_answers_carry_no_language_variation(client, demo_plan, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (200, 204)
    assert "accept-language" not in response.get("Vary", "").lower()
    assert "Content-Language" not in response


def test_pages_still_vary_by_language(client, demo_plan):
    response = client.get("/api/plans/", HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "en"
