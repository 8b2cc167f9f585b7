"""关怀模式 and tap targets on a 360 px phone (issue 13, item 7): real Chromium against the live
server, on the plan page, the map with a feature's popup open, the comment form and a receipt.

Three ways of reading the same pages:
- "normal": the phone's default text size;
- "text-200": the root font size at 200 %, set by a style sheet added to each page
  (``html { font-size: 200% }``). It stands in for the font scaling of Android and WeChat, which
  Chromium's headless mode cannot emulate; as the portal sizes its text in rem, it scales all of
  it as those settings do;
- "care": the site's own 关怀模式, switched on with the button in the header.

On each: every element one can tap is at least 44 × 44 CSS px, and every piece of text is at
least 16 px (18 px in care mode). The exceptions are few and named in ``EXEMPT_TARGETS``; each
says why. Screenshots go to test-artifacts/care-*.png.
"""

import pytest

from consultation.embed import current_consultation
from consultation.models import Comment
from planportal.models import Plan
from tests.browser.test_accessibility import assert_accessible, readable
from tests.conftest import DEMO_SLUG, save_screenshot
from tests.factories import make_comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
TEXT_200 = "html { font-size: 200% !important; }"
MAP_READY = "document.getElementById('map').dataset.ready === 'true'"
MIN_TARGET = 44
MARK = "关怀模式测试："

# What one can tap: links, buttons, fields, the summary of a <details>, and labels that hold a
# radio button or a check box (the label, not the 18 px box inside, is the target).
TARGETS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [role=button], [tabindex]:not([tabindex="-1"])';
  const found = [];
  for (const element of document.querySelectorAll(selector)) {
    if (!element.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    // A radio button or a check box counts through the label that holds it.
    let target = element;
    if (element.matches('input[type=radio], input[type=checkbox]')) {
      target = element.closest('label') || element;
    }
    const box = target.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    // Out of sight on purpose: the skip link until focused, the form's honeypot.
    if (box.right < 0 || box.bottom < -window.scrollY) continue;
    found.push({
      what: target.tagName.toLowerCase() + (target.className && typeof target.className === 'string'
        ? '.' + target.className.trim().split(/\\s+/).join('.') : ''),
      text: (target.innerText || target.value || target.getAttribute('aria-label') || '')
        .trim().slice(0, 30),
      width: Math.round(box.width * 10) / 10,
      height: Math.round(box.height * 10) / 10,
      exempt: exemption(element),
    });
  }
  return found;

  function exemption(element) {
    // A link inside a sentence (WCAG 2.5.8's "inline" exception): its block holds text
    // besides the link, and a bigger box would pull the lines apart.
    if (element.tagName === 'A') {
      let block = element.parentElement;
      while (block && getComputedStyle(block).display.startsWith('inline')) {
        block = block.parentElement;
      }
      // Text of the block that is not a link: a sentence, not " · " between links.
      const links = block ? [...block.querySelectorAll('a')] : [];
      const linked = links.reduce((sum, a) => sum + a.innerText.trim().length, 0);
      const all = block ? block.innerText.trim().length : 0;
      if (block && block.matches('p, li, dd, td, blockquote, div') && all - linked > 6
          && getComputedStyle(element).display === 'inline') {
        return 'a link within a sentence';
      }
    }
    // Leaflet's map container takes the keyboard focus; it is the whole map, not a button.
    if (element.classList.contains('leaflet-container')) return 'the map itself';
    // The scrollable privacy notice takes the focus for the keyboard; it is a block of text.
    if (element.classList.contains('comment-privacy')) return 'a scrollable block of text';
    return '';
  }
}"""

# Every element with text of its own, and its computed font size.
TEXTS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const element = node.parentElement;
    if (!element.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    if (element.closest('.visually-hidden, .skip-link, .comment-hp, script, style, noscript')) {
      continue;
    }
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    found.push({
      what: element.tagName.toLowerCase()
        + (typeof element.className === 'string' && element.className
          ? '.' + element.className.trim().split(/\\s+/).join('.') : ''),
      text: node.textContent.trim().slice(0, 30),
      size: parseFloat(getComputedStyle(element).fontSize),
    });
  }
  return found;
}"""


@pytest.fixture(scope="module")
def receipt(django_db_setup, django_db_blocker):
    """An opinion on the demo plan's open consultation, for its receipt page."""
    with django_db_blocker.unblock():
        consultation = current_consultation(Plan.objects.get(slug=DEMO_SLUG))
        comment = make_comment(consultation, body=f"{MARK}字太小，看不清。", email="")
    yield comment.receipt_code
    with django_db_blocker.unblock():
        Comment.objects.filter(body__startswith=MARK).delete()


@pytest.fixture
def reader(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def show(page, url: str, how: str, *, map_page: bool = False) -> None:
    page.goto(url)
    if map_page:
        page.wait_for_function(MAP_READY, timeout=30_000)
    if how == "text-200":
        page.add_style_tag(content=TEXT_200)
        # Leaflet measures in pixels; a resize makes it measure its container again.
        page.evaluate("window.dispatchEvent(new Event('resize'))")


def switch_care_on(page) -> None:
    button = page.locator("[data-care-switch] button")
    if button.get_attribute("aria-pressed") != "true":
        button.click()
    page.wait_for_function("document.documentElement.classList.contains('care')")


def small_targets(page) -> list[dict]:
    return [
        t
        for t in page.evaluate(TARGETS)
        if not t["exempt"] and (t["width"] < MIN_TARGET or t["height"] < MIN_TARGET)
    ]


def small_texts(page, least: float) -> list[dict]:
    return [t for t in page.evaluate(TEXTS) if t["size"] < least - 0.01]


def assert_readable_and_tappable(page, name: str, *, least_text: float) -> None:
    save_screenshot(page, f"care-{name}")
    targets = small_targets(page)
    texts = small_texts(page, least_text)
    problems = [f"target {t['what']} «{t['text']}» {t['width']}×{t['height']}" for t in targets]
    problems += [f"text {t['what']} «{t['text']}» {t['size']} px" for t in texts]
    assert not problems, f"{name} at {page.url}:\n" + "\n".join(problems)


def least_text_for(how: str) -> float:
    return 18 if how == "care" else 16


def open_village_popup(page):
    """The popup of a village found with the search, as a resident would open it."""
    page.wait_for_function("!document.getElementById('village-search-input').disabled")
    page.locator("#village-search-input").fill("柳湾")
    results = page.locator("#village-search-results button")
    results.first.click()
    page.wait_for_function(
        "(p => p && getComputedStyle(p).opacity === '1')(document.querySelector('.leaflet-popup'))"
    )
    return page.locator(".leaflet-popup")


def uncovered(page, selector: str) -> list[str]:
    """The buttons and links of ``selector`` that are not wholly in the viewport or whose
    centre and corners another element covers (what a finger would hit instead)."""
    return page.evaluate(
        """(selector) => {
          const problems = [];
          for (const element of document.querySelectorAll(selector)) {
            element.scrollIntoView({ block: 'nearest' });
            const box = element.getBoundingClientRect();
            const name = element.innerText.trim();
            if (box.top < 0 || box.left < 0 || box.bottom > innerHeight || box.right > innerWidth) {
              problems.push(`${name}: outside the screen ${JSON.stringify(box)}`);
              continue;
            }
            // The centre and the middle of each edge, 3 px in (a rounded corner's tip is not
            // part of the button for the browser's hit test).
            const inset = 3;
            const [middleX, middleY] = [box.left + box.width / 2, box.top + box.height / 2];
            const spots = [
              [middleX, middleY], [middleX, box.top + inset], [middleX, box.bottom - inset],
              [box.left + inset, middleY], [box.right - inset, middleY],
            ];
            for (const [x, y] of spots) {
              const hit = document.elementFromPoint(x, y);
              if (!hit || !(hit === element || element.contains(hit))) {
                const by = hit && hit.outerHTML.slice(0, 80);
                problems.push(`${name}: covered at ${x},${y} by ${by}`);
                break;
              }
            }
          }
          return problems;
        }""",
        selector,
    )


HOW = ["normal", "text-200", "care"]


@pytest.mark.parametrize("how", HOW)
def test_the_plan_page_is_readable_and_tappable(reader, live_url, how):
    show(reader, f"{live_url}/plans/{DEMO_SLUG}/", how)
    if how == "care":
        switch_care_on(reader)
    reader.locator(".chapter-nav summary").first.click()  # the contents, folded on a phone
    assert_readable_and_tappable(reader, f"plan-{how}", least_text=least_text_for(how))
    assert reader.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("how", HOW)
def test_a_popups_buttons_are_in_sight_and_tappable_on_the_map(reader, live_url, how):
    show(reader, f"{live_url}/plans/{DEMO_SLUG}/map/", how, map_page=True)
    if how == "care":
        switch_care_on(reader)
    popup = open_village_popup(reader)
    save_screenshot(reader, f"care-map-popup-{how}")
    problems = uncovered(reader, ".leaflet-popup .popup-actions :is(a, button)")
    assert not problems, "\n".join(problems)
    assert_readable_and_tappable(reader, f"map-popup-{how}", least_text=least_text_for(how))
    # The popup's own button answers a tap: "对此要素提意见" opens the opinion form.
    popup.locator(".popup-comment").click()
    reader.locator("#comment-panel form[data-comment-form]").wait_for()
    assert not reader.console_errors


@pytest.mark.parametrize("how", HOW)
def test_the_comment_form_is_readable_and_tappable(reader, live_url, how):
    consultation = current_consultation(Plan.objects.get(slug=DEMO_SLUG))
    show(reader, f"{live_url}/consultations/{consultation.pk}/comment/?section=3.2", how)
    if how == "care":
        switch_care_on(reader)
    reader.locator("details.comment-contact summary").click()  # the contact fields too
    assert_readable_and_tappable(reader, f"comment-form-{how}", least_text=least_text_for(how))
    assert reader.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.mark.parametrize("how", HOW)
def test_the_receipt_is_readable_and_tappable(reader, live_url, receipt, how):
    show(reader, f"{live_url}/receipts/{receipt}/", how)
    if how == "care":
        switch_care_on(reader)
    assert_readable_and_tappable(reader, f"receipt-{how}", least_text=least_text_for(how))


def test_care_mode_is_remembered_from_page_to_page_and_from_the_first_paint(reader, live_url):
    reader.goto(f"{live_url}/plans/{DEMO_SLUG}/")
    body_size = "parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)"
    normal = reader.evaluate(body_size)
    switch_care_on(reader)
    assert reader.evaluate(body_size) >= 20 > normal
    button = reader.locator("[data-care-switch] button")
    assert button.get_attribute("aria-pressed") == "true"

    # The next page is large from its first byte: the server put the class on <html>.
    response = reader.goto(f"{live_url}/plans/{DEMO_SLUG}/map/")
    assert '<html class="care"' in response.text()
    reader.goto(f"{live_url}/receipts/")
    assert reader.evaluate("document.documentElement.classList.contains('care')")
    save_screenshot(reader, "care-receipt-lookup-care")

    # And off again, also remembered.
    reader.locator("[data-care-switch] button").click()
    reader.wait_for_function("!document.documentElement.classList.contains('care')")
    response = reader.goto(f"{live_url}/plans/{DEMO_SLUG}/")
    assert 'class="care"' not in response.text()
    assert reader.evaluate(body_size) == normal


def test_the_switch_works_without_javascript(browser, live_url):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_url}/plans/{DEMO_SLUG}/?x=1#section-3-2")
        page.locator("[data-care-switch] button").click()
        page.wait_for_url(f"**/plans/{DEMO_SLUG}/?x=1")
        assert page.evaluate("document.documentElement.className") == "care"
        assert page.locator("[data-care-switch] button").get_attribute("aria-pressed") == "true"
        save_screenshot(page, "care-plan-no-js")
        page.locator("[data-care-switch] button").click()
        page.wait_for_url(f"**/plans/{DEMO_SLUG}/?x=1")
        assert page.evaluate("document.documentElement.className") == ""
    finally:
        context.close()


@pytest.mark.parametrize(
    "path", ["plan", "map", "comment-form", "receipt"], ids=lambda path: f"care-{path}"
)
def test_care_mode_passes_axe(reader, live_url, receipt, path):
    consultation = current_consultation(Plan.objects.get(slug=DEMO_SLUG))
    url = {
        "plan": f"/plans/{DEMO_SLUG}/",
        "map": f"/plans/{DEMO_SLUG}/map/",
        "comment-form": f"/consultations/{consultation.pk}/comment/?section=3.2",
        "receipt": f"/receipts/{receipt}/",
    }[path]
    reader.goto(live_url + url)
    switch_care_on(reader)
    if path == "map":
        reader.wait_for_function(MAP_READY, timeout=30_000)
        open_village_popup(reader)
    reader.wait_for_load_state("networkidle")
    assert_accessible(reader, f"care-{path}")
    # Care mode aims higher than AA: text at 7:1 (WCAG's AAA "enhanced contrast") where the
    # page's own colours decide it.
    enhanced = [v for v in axe_violations_enhanced(reader) if v["id"] == "color-contrast-enhanced"]
    assert not enhanced, readable(enhanced)


def axe_violations_enhanced(page) -> list[dict]:
    return page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: { type: 'rule', values: ['color-contrast-enhanced'] },
            resultTypes: ['violations'],
        })).violations"""
    )
