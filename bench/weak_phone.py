"""The plan map and the plan text on a weak phone: requests, bytes and times under a slow
network, against the network floor measured in the same run.

    .venv/bin/python bench/weak_phone.py [--runs 3] [--list]

gunicorn serves the local database (``DATABASE_URL``, default ``planportal``) as `make run`
serves it: the environment scripts/serve.sh adds (scripts/serve.env) and gunicorn.conf.py,
after collectstatic. Its database sessions are read-only (``default_transaction_read_only``),
so the run cannot write to the demo. Chromium (/usr/bin/chromium, Playwright) opens the pages
on a 360x740 phone in a fresh context (cold cache) with the network throttled by CDP
``Network.emulateNetworkConditions`` at two profiles. See bench/README.md.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys

import _server
from _server import REPO, free_port, start_gunicorn, stop

DEMO_SLUG = "yangquanqu-2021-2035"
CHROMIUM = "/usr/bin/chromium"
PROFILES = {
    # name: (kilobits per second, round-trip time in ms)
    "400 kbps / 300 ms": (400, 300),
    "1.6 Mbps / 150 ms": (1600, 150),
}
GOALS = {  # first shape, whole view (seconds)
    "400 kbps / 300 ms": (4.0, 6.0),
    "1.6 Mbps / 150 ms": (2.0, 3.0),
}
LOCAL_DATABASE_URL = "postgis://planportal:planportal@127.0.0.1:5432/planportal"

# Installed before any script of the page runs: the time (ms from navigation start) at which
# the first path of a plan layer is in one of the map's plan panes. Leaflet adds a GeoJSON
# layer's SVG paths to the DOM as it draws them, VectorGrid its tiles' paths.
FIRST_SHAPE_WATCH = """
window.__firstShape = null;
window.__ready = null;
new MutationObserver((records, observer) => {
  if (window.__firstShape === null && document.querySelector(
      '.leaflet-plan-polygons-pane path, .leaflet-plan-lines-pane path, ' +
      '.leaflet-plan-points-pane path')) {
    window.__firstShape = performance.now();
  }
  const map = document.getElementById('map');
  if (window.__ready === null && map && map.dataset.ready === 'true') {
    window.__ready = performance.now();
  }
  if (window.__firstShape !== null && window.__ready !== null) observer.disconnect();
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['data-ready']});
"""


def serve_environment() -> dict[str, str]:
    """What scripts/serve.sh adds to the environment of `make run` (_server.serve_environment),
    with a key of the run's own in place of the machine's, and read-only database sessions."""
    env = _server.serve_environment()
    env["SECRET_KEY"] = secrets.token_urlsafe(40)
    database = os.environ.get("DATABASE_URL", LOCAL_DATABASE_URL)
    joiner = "&" if "?" in database else "?"
    env["DATABASE_URL"] = f"{database}{joiner}options=-c%20default_transaction_read_only%3Don"
    env["GUNICORN_ACCESS_LOG"] = ""
    return env


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=REPO,
        env={**os.environ, **env},
        check=True,
    )


class Phone:
    """A fresh phone context per load: no cache, no cookies, unless ``context`` is kept for a
    repeat visit."""

    def __init__(self, browser):
        self.browser = browser

    def context(self):
        return self.browser.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
        )

    def load(self, context, url: str, profile: tuple[int, int], *, map_page: bool) -> dict:
        kbps, rtt = profile
        page = context.new_page()
        page.add_init_script(FIRST_SHAPE_WATCH)
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        rate = kbps * 1000 / 8  # bytes per second
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": rtt,
                "downloadThroughput": rate,
                "uploadThroughput": rate,
            },
        )
        requests = {}
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: requests.setdefault(e["requestId"], {"url": e["request"]["url"]}),
        )
        cdp.on(
            "Network.responseReceived",
            lambda e: requests.setdefault(e["requestId"], {}).update(
                status=e["response"]["status"],
                cached=e["response"].get("fromDiskCache", False)
                or e["response"].get("fromMemoryCache", False),
            ),
        )
        cdp.on(
            "Network.loadingFinished",
            lambda e: requests.setdefault(e["requestId"], {}).update(bytes=e["encodedDataLength"]),
        )
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url, wait_until="load", timeout=120_000)
        if map_page:
            # A function, not an expression: Playwright evaluates an expression with eval, which
            # the page's Content-Security-Policy refuses.
            page.wait_for_function("() => window.__ready !== null", timeout=120_000)
        page.wait_for_load_state("networkidle", timeout=120_000)
        timing = page.evaluate(
            """() => {
              const nav = performance.getEntriesByType('navigation')[0];
              const ends = performance.getEntriesByType('resource').map((r) => r.responseEnd);
              return {
                first_shape: window.__firstShape,
                ready: window.__ready,
                dom_content_loaded: nav.domContentLoadedEventEnd,
                load: nav.loadEventEnd,
                last_response: Math.max(nav.responseEnd, ...ends),
              };
            }"""
        )
        page.close()
        on_wire = [r for r in requests.values() if not r.get("cached")]
        result = {
            "requests": len(requests),
            "from_network": len(on_wire),
            "bytes": sum(r.get("bytes", 0) for r in on_wire),
            "dom_content_loaded": timing["dom_content_loaded"] / 1000,
            "load": timing["load"] / 1000,
            "urls": [(r.get("status"), r.get("bytes", 0), r["url"]) for r in requests.values()],
            "errors": errors,
        }
        if map_page:
            result["first_shape"] = (timing["first_shape"] or float("nan")) / 1000
            # All default layers drawn (the map's data-ready) and no request still open.
            result["whole_view"] = max(timing["ready"], timing["last_response"]) / 1000
        else:
            result["whole_view"] = max(timing["load"], timing["last_response"]) / 1000
        return result


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def span(runs: list[dict], key: str) -> str:
    values = sorted(run[key] for run in runs)
    return f"{statistics.median(values):.2f} ({values[0]:.2f}-{values[-1]:.2f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="loads per page and profile (<= 10)")
    parser.add_argument("--list", action="store_true", help="print every request of a map load")
    arguments = parser.parse_args()
    runs = max(1, min(arguments.runs, 10))

    from playwright.sync_api import sync_playwright

    env = serve_environment()
    collectstatic(env)
    port = free_port()
    server = start_gunicorn(port, env=env)
    base = f"http://127.0.0.1:{port}"
    pages = {
        "baseline: /healthz": (f"{base}/healthz", False),
        "map": (f"{base}/plans/{DEMO_SLUG}/map/", True),
        "plan text": (f"{base}/plans/{DEMO_SLUG}/", False),
    }
    print(f"weak_phone: gunicorn as `make run` serves it, DEBUG={env.get('DEBUG', '(default)')}")
    failed = False
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            phone = Phone(browser)
            # Unmeasured: a first load warms the server (imports, connections, templates).
            context = phone.context()
            phone.load(context, pages["map"][0], (100_000, 0), map_page=True)
            context.close()
            for profile_name, profile in PROFILES.items():
                print(f"\n== {profile_name} (cold cache, median (range) of {runs} loads)")
                header = "| page | requests | bytes | first shape s | whole view s |"
                print(header + "\n|---|---|---|---|---|")
                results = {}
                for name, (url, map_page) in pages.items():
                    results[name] = []
                    for _ in range(runs):
                        context = phone.context()
                        results[name].append(phone.load(context, url, profile, map_page=map_page))
                        if map_page and name == "map":
                            repeat = phone.load(context, url, profile, map_page=True)
                            results.setdefault("map, repeat visit", []).append(repeat)
                        context.close()
                for name, loads in results.items():
                    shape = span(loads, "first_shape") if "first_shape" in loads[0] else "-"
                    print(
                        f"| {name} | {median_of(loads, 'from_network'):.0f} of "
                        f"{median_of(loads, 'requests'):.0f} | {median_of(loads, 'bytes'):,.0f} | "
                        f"{shape} | {span(loads, 'whole_view')} |"
                    )
                    for load in loads:
                        if load["errors"]:
                            print(f"  page errors on {name}: {load['errors'][:3]}")
                            failed = True
                kbps, rtt = profile
                map_bytes = median_of(results["map"], "bytes")
                floor = 3 * rtt / 1000 + map_bytes / (kbps * 1000 / 8)
                print(
                    f"floor of the map: 3 round trips + its bytes / bandwidth = {floor:.2f} s; "
                    f"whole view / floor = {median_of(results['map'], 'whole_view') / floor:.2f}"
                )
                first_goal, whole_goal = GOALS[profile_name]
                first = median_of(results["map"], "first_shape")
                whole = median_of(results["map"], "whole_view")
                verdict = "PASS" if first <= first_goal and whole <= whole_goal else "MISS"
                print(
                    f"goal: first shape <= {first_goal} s, whole view <= {whole_goal} s: "
                    f"{first:.2f} / {whole:.2f} s: {verdict}"
                )
                if arguments.list and profile_name == next(iter(PROFILES)):
                    print("requests of the first cold map load (status, bytes, url):")
                    for status, size, url in results["map"][0]["urls"]:
                        print(f"  {status} {size:>8} {url.removeprefix(base)[:110]}")
            browser.close()
    finally:
        stop(server)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
