"""A planner uploads a revised layer: real Chromium against the live server, with a real job
worker (``manage.py procrastinate worker``) on the live server's database. The planner and
the layer are committed here (the live server cannot see a test's transaction) and removed
afterwards; the planner stays in the audit trail, so the account is deactivated."""

import pytest

from layers.models import Feature, UploadJob
from tests.conftest import save_screenshot
from tests.factories import PASSWORD, audit_baseline
from tests.layers.revisions.upload_helpers import (
    GBK_WARNING,
    FeaturesLocked,
    Scene,
    audit_actions,
    gbk_parcels_zip,
    log_tail,
    start_worker,
    stop_worker,
    wait_for_job,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, live_url, tmp_path_factory):
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with django_db_blocker.unblock():
        scene = Scene()
        scene.planner_user = scene.planner()
        scene.target = scene.layer("browser", title="规划地块（浏览器测试）")
        worker = start_worker(log)
    scene.log = log
    yield scene
    stop_worker(worker)
    with django_db_blocker.unblock():
        scene.clean_up()


def test_a_planner_uploads_a_gbk_shapefile_and_watches_it_load(browser, live_url, scene, tmp_path):
    layer = scene.target
    baseline = audit_baseline()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{live_url}/staff/layers/")
    page.wait_for_url("**/staff/login/**")  # anonymous: the login page first
    page.fill("input[name=username]", scene.planner_user.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/staff/layers/")
    row = page.locator(f"tr[data-collection='{layer.collection_id}']")
    assert "规划地块（浏览器测试）" in row.inner_text()
    save_screenshot(page, "planner-layers")

    # Upload: a GBK Shapefile without .cpg, the key under a name no standard knows.
    row.locator(f"a[href$='/staff/layers/{layer.collection_id}/upload/']").click()
    page.set_input_files("input[name=file]", str(gbk_parcels_zip(tmp_path, "规划地块")))
    page.locator("form.upload-form button[type=submit]").click()

    # Choices: the text was read as GBK; standard fields are matched, DKBH is mapped here.
    page.wait_for_selector("form.choices-form")
    assert GBK_WARNING in page.locator("#upload-notes").inner_text()
    assert "村集体" in page.locator("tr[data-field='备注']").inner_text()
    assert page.locator("tr[data-field='备注'] select").input_value() == "BZ"
    assert page.locator("tr[data-field='DLBM'] select").input_value() == "DLBM"
    page.select_option("tr[data-field='DKBH'] select", "BSM")
    save_screenshot(page, "planner-upload-choices")

    # Progress: the worker's COPY waits for a lock we hold, so the bar stops at the start of
    # "writing"; the page follows the job without being reloaded.
    lock = FeaturesLocked()
    try:
        page.locator("form.choices-form button[type=submit]").click()
        page.wait_for_selector("#job-progress")
        page.wait_for_function(
            "document.getElementById('job-progress').value === 35"
            " && document.getElementById('job-state').dataset.state === 'running'",
            timeout=60_000,
        )
        assert page.locator("#job-percent").inner_text() == "35"
        assert GBK_WARNING in page.locator("#job-problems").inner_text()
        save_screenshot(page, "planner-upload-progress")
    finally:
        lock.release()

    # Done: the page reloads itself and shows the revision with its Chinese attributes.
    page.wait_for_selector("#revision-summary", timeout=60_000)
    assert page.locator("#job-state").get_attribute("data-state") == "done"
    assert page.locator("#job-progress").evaluate("bar => bar.value") == 100
    assert page.locator("#job-percent").inner_text() == "100"
    summary = page.locator("#revision-summary")
    assert page.locator("#revision-features").inner_text() == "3"
    sample = summary.locator("table.sample-table").inner_text()
    for text in ("水田", "旱地", "乔木林地", "村集体", "农户承包", "林场"):
        assert text in sample
    link = page.locator("#revision-link")
    assert link.get_attribute("href") == f"/staff/layers/{layer.collection_id}/revisions/1/"
    save_screenshot(page, "planner-upload-done")
    assert errors == []
    context.close()

    job = wait_for_job(UploadJob.objects.get(collection_id=layer.collection_id).pk)
    assert job.state == "done", log_tail(scene.log)
    names = [f.properties["DLMC"] for f in Feature.objects.filter(revision=job.revision)]
    assert sorted(names) == sorted(["水田", "旱地", "乔木林地"])
    assert audit_actions(baseline, job) == ["upload.created", "upload.queued", "upload.done"]
