"""The pages people use pass axe-core's WCAG 2.0/2.1 A and AA rules: real Chromium against the
live server, in Chinese (the default language), on a desktop screen and on a 360 px phone.

axe-core is vendored under tests/browser/vendor/axe-core/ and injected into each page (no
network). A violation of impact "serious" or "critical" fails the test, with a list of the
rules, where they hit and what to do. Automated checks find only part of the problems (about a
third of WCAG's success criteria can be tested this way); they are a floor, not a verdict.
"""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from consultation.models import Comment
from planportal.models import Plan
from planportal.roles import OFFICIALS
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_comment, make_consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
MAP_READY = "document.getElementById('map').dataset.ready === 'true'"
# No CSS transition or animation is running (Web Animations API).
SETTLED = "document.getAnimations().every((a) => a.playState !== 'running')"
USERNAME = "a11y.official"
PASSWORD = "Every-Resident-Can-Read-2035"  # noqa: S105 (a test account's password)

SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


def axe_violations(page, exclude: tuple[str, ...] = ()) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations of impact serious or critical on ``page``.

    ``exclude`` lists CSS selectors axe leaves out; each caller says why. Colours are measured
    once no transition or animation is running: the browser asks for reduced motion (see
    tests/conftest.py), and this waits for any that still run."""
    page.wait_for_function(SETTLED)
    # Evaluated through DevTools, not added as a <script>: the page's Content-Security-Policy
    # (no inline script) would block that, as it should.
    page.evaluate(AXE.read_text())
    results = page.evaluate(
        """async ([tags, exclude]) => {
            const context = exclude.length
                ? { include: [document], exclude: exclude.map((s) => [s]) }
                : document;
            return await axe.run(context, {
                runOnly: { type: "tag", values: tags },
                resultTypes: ["violations"],
            });
        }""",
        [WCAG_A_AA, list(exclude)],
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING]


def readable(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:4]]
        more = len(violation["nodes"]) - len(targets)
        lines.append(
            f"- {violation['id']} ({violation['impact']}, {len(violation['nodes'])} nodes): "
            f"{violation['help']}\n    {violation['helpUrl']}\n    at "
            + "\n       ".join(targets)
            + (f"\n       ... and {more} more" if more > 0 else "")
        )
        summary = violation["nodes"][0].get("failureSummary", "")
        if summary:
            lines.append("    first: " + " ".join(summary.split())[:300])
    return "\n".join(lines)


def repeated_ids(page) -> list[str]:
    """Ids used more than once. WCAG 2.0/2.1's 4.1.1 (Parsing); axe 4.14 no longer tests it,
    as WCAG 2.2 dropped it, but a repeated id still makes a label or an aria-describedby name
    the wrong field."""
    return page.evaluate(
        """() => {
            const seen = {};
            for (const e of document.querySelectorAll("[id]")) seen[e.id] = (seen[e.id] || 0) + 1;
            return Object.keys(seen).filter((id) => seen[id] > 1);
        }"""
    )


def assert_accessible(page, name: str, exclude: tuple[str, ...] = ()) -> None:
    save_screenshot(page, f"a11y-{name}")
    violations = axe_violations(page, exclude)
    repeated = repeated_ids(page)
    if repeated:
        violations.append(
            {
                "id": "repeated-id",
                "impact": "serious",
                "help": "Ids must be unique (WCAG 2.1 4.1.1)",
                "helpUrl": "https://www.w3.org/TR/WCAG21/#parsing",
                "nodes": [{"target": [f"#{id_}"]} for id_ in repeated],
            }
        )
    if violations:
        pytest.fail(f"axe (WCAG 2.1 A/AA) on {name} at {page.url}:\n" + readable(violations))


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """An open consultation on the demo plan with one comment, and an official; committed so
    the live server sees them, removed afterwards (the account is deactivated, as the audit
    trail keeps pointing at it)."""
    with django_db_blocker.unblock():
        official, _ = get_user_model().objects.get_or_create(
            username=USERNAME, defaults={"is_staff": True}
        )
        official.is_active = True
        official.set_password(PASSWORD)
        official.save()
        official.groups.add(Group.objects.get(name=OFFICIALS))
        consultation = make_consultation(
            Plan.objects.get(slug=DEMO_SLUG),
            title="无障碍测试：规划草案征求意见",
            contact="阳泉曲镇人民政府 0358-0000000",
        )
        comment = make_comment(consultation, name="孙七", phone="13712345678", email="")
    yield {"consultation": consultation, "comment": comment}
    with django_db_blocker.unblock():
        Comment.objects.filter(consultation=consultation).delete()
        consultation.delete()
        official.is_active = False
        official.set_unusable_password()
        official.save()


@pytest.fixture(params=list(SCREENS))
def screen(request, browser):
    context = browser.new_context(**SCREENS[request.param])
    page = context.new_page()
    page.screen_name = request.param
    yield page
    context.close()


@pytest.fixture(scope="module")
def official_session(browser, live_url, scene):
    """The cookies of an official who signed in once with the right password (failed logins
    are throttled, so the tests never guess)."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_url}/staff/login/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form.login-form button[type=submit]").click()
    page.wait_for_url("**/staff/**")
    assert "/staff/login/" not in page.url
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture(params=list(SCREENS))
def official_screen(request, browser, official_session):
    context = browser.new_context(storage_state=official_session, **SCREENS[request.param])
    page = context.new_page()
    page.screen_name = request.param
    yield page
    context.close()


def test_the_home_page_is_accessible(screen, live_url):
    screen.goto(f"{live_url}/")
    screen.wait_for_load_state("networkidle")
    assert_accessible(screen, f"home-{screen.screen_name}")


def test_the_plan_page_is_accessible(screen, live_url, scene):
    screen.goto(f"{live_url}/plans/{DEMO_SLUG}/")
    screen.wait_for_load_state("networkidle")
    assert_accessible(screen, f"plan-{screen.screen_name}")


def test_the_comment_form_opened_on_a_section_is_accessible(screen, live_url, scene):
    screen.goto(f"{live_url}/plans/{DEMO_SLUG}/")
    screen.wait_for_load_state("networkidle")
    opener = screen.locator('#section-3-2 a[data-comment-open][data-section="3.2"]')
    opener.scroll_into_view_if_needed()
    opener.click()
    form = screen.locator("#section-3-2 form[data-comment-form]")
    form.wait_for()
    form.locator("details.comment-contact summary").click()  # the contact fields too
    form.scroll_into_view_if_needed()
    assert_accessible(screen, f"comment-form-{screen.screen_name}")


def test_the_plan_map_is_accessible(screen, live_url):
    screen.goto(f"{live_url}/plans/{DEMO_SLUG}/map/")
    screen.wait_for_function(MAP_READY, timeout=30_000)
    screen.wait_for_load_state("networkidle")
    assert_accessible(screen, f"map-{screen.screen_name}")


def test_the_comment_form_showing_errors_is_accessible(screen, live_url, scene):
    screen.goto(f"{live_url}/consultations/{scene['consultation'].pk}/comment/?section=7.1")
    form = screen.locator("form[data-comment-form]")
    form.locator('textarea[name="body"]').fill("公交站点太少。")
    form.locator('input[name="stance"][value="oppose"]').check()
    form.locator("details.comment-contact summary").click()
    form.locator('input[name="phone"]').fill("12345")
    form.locator('input[name="consent_privacy"]').check()
    form.locator('button[type="submit"]').click()
    form.locator('[data-error-for="phone"]').wait_for()
    assert_accessible(screen, f"comment-errors-{screen.screen_name}")


def test_the_maps_panels_are_accessible(screen, live_url, scene):
    screen.goto(f"{live_url}/plans/{DEMO_SLUG}/map/")
    screen.wait_for_function(MAP_READY, timeout=30_000)
    screen.wait_for_load_state("networkidle")
    if not screen.locator("#layer-panel").is_visible():  # a sidebar on a wide screen
        screen.locator("#layer-panel-button").click()
        screen.locator("#layer-panel").wait_for()
        assert_accessible(screen, f"map-layers-{screen.screen_name}")
        screen.keyboard.press("Escape")

    screen.locator("#report-centre-button").click()
    screen.locator("#report-body .report-sentences li").first.wait_for()
    assert_accessible(screen, f"map-report-{screen.screen_name}")
    screen.keyboard.press("Escape")

    screen.locator("#comment-panel-button").click()
    screen.locator("#comment-panel").wait_for()
    assert_accessible(screen, f"map-comment-{screen.screen_name}")
    screen.keyboard.press("Escape")

    screen.wait_for_function("!document.getElementById('village-search-input').disabled")
    screen.locator("#village-search-input").fill("村")
    results = screen.locator("#village-search-results button")
    results.first.wait_for()
    assert_accessible(screen, f"map-search-{screen.screen_name}")
    results.first.click()
    screen.locator(".leaflet-popup").wait_for()
    assert_accessible(screen, f"map-popup-{screen.screen_name}")


def test_the_receipt_pages_are_accessible(screen, live_url, scene):
    screen.goto(f"{live_url}/receipts/")
    assert_accessible(screen, f"receipt-lookup-{screen.screen_name}")
    screen.goto(f"{live_url}/receipts/{scene['comment'].receipt_code}/")
    assert_accessible(screen, f"receipt-{screen.screen_name}")


def test_the_staff_login_page_is_accessible(screen, live_url):
    screen.goto(f"{live_url}/staff/login/")
    assert_accessible(screen, f"staff-login-{screen.screen_name}")


def test_the_comment_queue_is_accessible_to_an_official(official_screen, live_url, scene):
    official_screen.goto(f"{live_url}/staff/comments/?consultation={scene['consultation'].pk}")
    assert "/staff/login/" not in official_screen.url
    official_screen.wait_for_load_state("networkidle")
    assert_accessible(official_screen, f"staff-queue-{official_screen.screen_name}")


def test_a_comments_page_is_accessible_to_an_official(official_screen, live_url, scene):
    official_screen.goto(f"{live_url}/staff/comments/{scene['comment'].pk}/")
    assert "/staff/login/" not in official_screen.url
    official_screen.wait_for_load_state("networkidle")
    assert_accessible(official_screen, f"staff-comment-{official_screen.screen_name}")


def test_the_report_is_accessible_to_an_official(official_screen, live_url, scene):
    official_screen.goto(f"{live_url}/consultations/{scene['consultation'].pk}/report/")
    assert "/staff/login/" not in official_screen.url
    official_screen.wait_for_load_state("networkidle")
    assert_accessible(official_screen, f"staff-report-{official_screen.screen_name}")


def test_the_check_finds_what_it_should(screen, live_url):
    """The check can fail: a grey-on-white label and an unnamed button are reported."""
    screen.goto(f"{live_url}/receipts/")
    screen.evaluate(
        """() => {
            const p = document.createElement("p");
            p.textContent = "浅灰色的文字";
            p.style.color = "#bbbbbb";
            p.style.background = "#ffffff";
            const button = document.createElement("button");
            document.querySelector("main").append(p, button);
        }"""
    )
    found = {v["id"] for v in axe_violations(screen)}
    assert {"color-contrast", "button-name"} <= found
