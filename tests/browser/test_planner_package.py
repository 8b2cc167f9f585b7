"""A planner reads the checks across layers of a 汇交 package on its page, with the overlap and
the part outside the township on a map, acknowledges them and publishes every layer: real
Chromium against the live server. The plan, the planner and the checked package are committed
here (the live server cannot see a test's transaction) and removed afterwards; the audit trail
is append-only, so the account is deactivated, not deleted."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files import File
from django.db import connection

from layers.models import Layer, PackageJob
from layers.packages.service import choose, receive_package, run_package_job
from planportal.models import Plan
from planportal.roles import PLANNERS
from tests.conftest import save_screenshot
from tests.factories import make_plan
from tests.layers.packages.package_helpers import package_layers, write_geopackage

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

USERNAME = "browser.package"
PASSWORD = "Check-The-Lines-2035"
SLUG = "browser-package-town"
RED, PURPLE = "#dc2626", "#7c3aed"


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
        plan = make_plan(SLUG)
        path = write_geopackage(
            tmp_path_factory.mktemp("package") / "huijiao.gpkg", package_layers()
        )
        with path.open("rb") as handle:
            job = receive_package(planner, plan, File(handle, name=path.name))
        defaults = {
            "section": "3.2",
            "data_status": "official",
            "source_note": "汇交数据库",
            "publication_note": "经镇人民政府同意公示",
        }
        choose(job, planner, {}, defaults, defer=False)
        run_package_job(job.pk)
    yield {"plan": plan, "job": job}
    with django_db_blocker.unblock():
        Layer.objects.filter(plan=plan).update(published_revision=None)
        Layer.objects.filter(plan=plan).delete()
        PackageJob.objects.filter(plan=plan).delete()
        Plan.objects.filter(pk=plan.pk).delete()
        planner.is_active = False
        planner.set_unusable_password()
        planner.save()


def test_a_planner_sees_the_overlaps_on_a_map_acknowledges_them_and_publishes_all(
    browser, live_url, scene
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    package_path = f"/staff/layers/packages/{scene['job'].pk}/"
    page.goto(f"{live_url}/staff/login/?next={package_path}")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{live_url}{package_path}")

    assert page.locator(".crosscheck-overlap").count() == 1
    assert "2.0" in page.locator(".crosscheck-overlap").inner_text()
    assert page.locator(".crosscheck-outside").count() == 1
    page.wait_for_selector('#crosscheck-map[data-drawn="2"]')
    strokes = page.locator("#crosscheck-map path.leaflet-interactive").evaluate_all(
        "paths => paths.map(p => p.getAttribute('stroke'))"
    )
    assert sorted(strokes) == sorted([RED, PURPLE])
    page.locator("#crosscheck-map").scroll_into_view_if_needed()
    save_screenshot(page, "planner-package-checks")

    # The browser will not send the form before the acknowledgement is ticked.
    page.click("#package-publish button[type=submit]")
    assert page.url == f"{live_url}{package_path}"
    assert not Layer.objects.filter(plan=scene["plan"], published_revision__isnull=False).exists()
    page.check("input[name=acknowledge_overlaps]")
    page.click("#package-publish button[type=submit]")
    page.wait_for_selector("#package-published")
    save_screenshot(page, "planner-package-published")
    published = Layer.objects.filter(plan=scene["plan"], published_revision__isnull=False)
    assert sorted(published.values_list("code", flat=True)) == ["CZKFBJ", "XZQ", "YJJBNT"]
    assert not errors
    context.close()
