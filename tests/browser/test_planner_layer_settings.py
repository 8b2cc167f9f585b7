"""A planner completes what the publish gate asks for on the layer settings page, publishes,
and withdraws the layer again: real Chromium against the live server. The planner and the layer
(a ready revision written by the ingest pipeline, none of the gate's settings) are committed
here, as the live server cannot see a test's transaction, and removed afterwards; the audit
trail is append-only, so the account is deactivated, not deleted."""

import json
import urllib.request

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from layers.models import Layer
from planportal.models import AuditEvent, Plan
from planportal.roles import PLANNERS
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import audit_baseline, make_layer
from tests.layers.revisions.revision_helpers import five_parcels, revision_from

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.settings.planner"
PASSWORD = "Say-What-It-Is-2035"
COLLECTION = "browser-layer-settings"
MISSING_ALL = "该图层尚缺规划章节、数据状态（示意/正式）、来源、发布说明，不能发布。"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"].startswith("test_")
        planner, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        planner.is_active = True
        planner.set_password(PASSWORD)
        planner.save()
        planner.groups.add(Group.objects.get(name=PLANNERS))
        plan = Plan.objects.get(slug=DEMO_SLUG)
        layer = make_layer(
            plan,
            COLLECTION,
            title="村庄规划范围（测试）",
            section=None,
            data_status="",
            source_note="",
            publication_note="",
            key_field="BSM",
        )
        revision_from(layer, five_parcels(), tmp_path_factory.mktemp("settings"), user=planner)
    yield {"planner": planner, "layer": layer}
    with django_db_blocker.unblock():
        Layer.objects.filter(pk=layer.pk).update(published_revision=None)
        Layer.objects.filter(pk=layer.pk).delete()
        planner.is_active = False
        planner.set_unusable_password()
        planner.save()


def public_collections(live_url: str) -> set[str]:
    url = f"{live_url}/api/plans/{DEMO_SLUG}/layers/"
    with urllib.request.urlopen(url, timeout=10) as response:
        return {layer["collection_id"] for layer in json.load(response)}


def test_a_planner_completes_the_settings_publishes_and_withdraws_the_layer(
    browser, live_url, scene
):
    baseline = audit_baseline()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_url}/staff/login/?next=/staff/layers/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{live_url}/staff/layers/")

    # From the layer list to the settings page, which says what the gate still asks for.
    page.click(f'tr[data-collection="{COLLECTION}"] a.layer-settings-link')
    page.wait_for_url(f"{live_url}/staff/layers/{COLLECTION}/settings/")
    assert page.locator("#settings-missing").inner_text() == MISSING_ALL

    # Publishing is refused before the settings are complete: no button, the reason shown.
    page.goto(f"{live_url}/staff/layers/{COLLECTION}/revisions/1/publish/")
    assert MISSING_ALL in page.locator(".confirm-box").inner_text()
    assert page.locator(".confirm-box form").count() == 0
    page.click(".confirm-box a[href$='/settings/']")

    page.select_option("#id_section", label="3.2 控制线划定")
    page.select_option("#id_data_status", value="schematic")
    page.fill("#id_source_note", "县自然资源局 2024 年村庄规划成果")
    page.fill("#id_publication_note", "经镇人民政府同意，公示期间供查阅")
    save_screenshot(page, "planner-layer-settings")
    page.click("form.layer-settings-form button[type=submit]")
    page.wait_for_url(f"{live_url}/staff/layers/{COLLECTION}/settings/")
    assert "图层设置已保存。" in page.content()
    assert page.locator("#settings-missing").count() == 0

    # Now the revision can be published, and the public sees the layer.
    page.goto(f"{live_url}/staff/layers/{COLLECTION}/revisions/1/publish/")
    page.click(".confirm-box form button[type=submit]")
    page.wait_for_url(f"{live_url}/staff/layers/{COLLECTION}/revisions/")
    assert COLLECTION in public_collections(live_url)

    # Withdrawn again from the revision history, after a confirmation; the revision is kept.
    page.click(f"a[href='/staff/layers/{COLLECTION}/unpublish/']")
    page.click(".confirm-box form button[type=submit]")
    page.wait_for_url(f"{live_url}/staff/layers/{COLLECTION}/revisions/")
    assert "该图层已撤回发布，各版本均予保留。" in page.content()
    assert page.locator("#revision-1").count() == 1
    assert COLLECTION not in public_collections(live_url)

    actions = list(
        AuditEvent.objects.filter(pk__gt=baseline, object_id=str(scene["layer"].pk))
        .order_by("pk")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("layer.settings", USERNAME),
        ("layer.publish", USERNAME),
        ("layer.unpublish", USERNAME),
    ]
    assert errors == []
    context.close()
