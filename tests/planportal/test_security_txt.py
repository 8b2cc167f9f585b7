"""Where to report a vulnerability: /.well-known/security.txt (RFC 9116) with the operator's
address (SECURITY_CONTACT), none made up when it is not set; SECURITY.md says the same."""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_without_a_contact_there_is_no_file(client, settings):
    settings.SECURITY_CONTACT = ""
    assert client.get("/.well-known/security.txt").status_code == 404


def test_the_operators_contact_with_an_expiry_within_a_year(client, settings):
    settings.SECURITY_CONTACT = "mailto:security@ghgs.example.cn"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:security@ghgs.example.cn"
    assert fields["Expires"].endswith("Z") and fields["Expires"][:4].isdigit()
    assert fields["Canonical"] == "http://testserver/.well-known/security.txt"


def test_security_md_names_the_setting_and_the_supported_versions():
    text = (Path(settings.BASE_DIR) / "SECURITY.md").read_text(encoding="utf-8")
    for needle in ("SECURITY_CONTACT", "placeholder", "## Supported versions", "make audit"):
        assert needle in text
