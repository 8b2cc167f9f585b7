"""The village sheet's PDF against the village page, in the same run: what 打印本村规划 costs.

Run after ``make run`` has loaded the demo plan (``make bench`` does): ``.venv/bin/python
bench/sheets.py``. Reads only, in the local database (``DATABASE_URL``). For 柳湾村 it asks, in
process through Django's test client and alternating, REPEATS times each: the village page
(HTML), the village sheet (HTML, its map drawn by PostGIS), the sheet's PDF with the PDF cache
emptied first (drawing + WeasyPrint) and the same PDF from the cache; it prints the median
time of each, its ratio to the village page, and the bytes. See bench/README.md.
"""

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planportal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

SLUG = "yangquanqu-2021-2035"
LIUWAN = "141181101203"
REPEATS = 7


def main() -> None:
    host = next((h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".")), "127.0.0.1")
    client = Client(HTTP_HOST=host.replace("*", "127.0.0.1"))
    urls = {
        "village page (HTML)": reverse("plan-village", args=[SLUG, LIUWAN]),
        "village sheet (HTML)": reverse("plan-village-print", args=[SLUG, LIUWAN]),
        "village sheet PDF, A4": reverse("plan-village-print-pdf", args=[SLUG, LIUWAN]),
        "village sheet PDF, A4, cached": reverse("plan-village-print-pdf", args=[SLUG, LIUWAN]),
        "poster PDF, A3": reverse("plan-village-poster-pdf", args=[SLUG, LIUWAN]),
    }
    times = {name: [] for name in urls}
    sizes = {}
    for name, url in urls.items():  # warm up: imports, fonts, PostgreSQL's buffers
        assert client.get(url).status_code == 200, (name, url)
    for _ in range(REPEATS):
        for name, url in urls.items():
            if "cached" not in name:
                cache.clear()
            start = time.perf_counter()
            response = client.get(url)
            times[name].append(time.perf_counter() - start)
            assert response.status_code == 200, (name, response.status_code)
            sizes[name] = len(response.content)
    base = statistics.median(times["village page (HTML)"])
    print(f"柳湾村 ({LIUWAN}), {REPEATS} runs each, alternating; median ms, ratio, bytes")
    for name in urls:
        median = statistics.median(times[name])
        print(f"{name:32} {median * 1000:8.1f} ms  x{median / base:5.2f}  {sizes[name]:9,} B")


if __name__ == "__main__":
    main()
