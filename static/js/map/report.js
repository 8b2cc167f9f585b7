// "What does the plan say here": a tap on the map (or the centre, from the keyboard) asks
// the point report API and shows its plain sentences in a panel.

import { el, format } from "../lib/dom.js";
import { fetchJson } from "../lib/http.js";

// onCommentHere(latlng): given while the consultation takes opinions, for "Comment on this
// place" under the report.
export function createReport({ L, map, config, panel, panels, sectionTitles, onCommentHere }) {
  const body = panel.querySelector(".panel-body");
  const strings = config.strings;
  let marker = null;
  let pending = null;

  function show(...children) {
    body.replaceChildren(...children.filter(Boolean));
  }

  async function at(latlng, { returnFocusTo } = {}) {
    const point = L.latLng(latlng);
    if (marker) marker.setLatLng(point);
    else {
      marker = L.circleMarker(point, {
        pane: "report-marker",
        radius: 9,
        color: "#c2410c",
        weight: 3,
        fillColor: "#ffffff",
        fillOpacity: 0.85,
        interactive: false,
      }).addTo(map);
    }
    pending?.abort();
    pending = new AbortController();
    show(el("p", { class: "panel-loading" }, strings.report_loading));
    panels.openReport({ returnFocusTo });
    keepClearOfPanel(point);
    const url = new URL(config.urls.report, document.baseURI);
    url.searchParams.set("lon", point.lng.toFixed(6));
    url.searchParams.set("lat", point.lat.toFixed(6));
    try {
      const report = await fetchJson(url, {
        headers: { "Accept-Language": config.language },
        signal: pending.signal,
      });
      render(point, report);
      keepClearOfPanel(point);
    } catch (error) {
      if (error.name === "AbortError") return;
      show(el("p", { class: "panel-error", role: "alert" }, strings.report_failed));
    }
  }

  function render(point, report) {
    const coordinates = format(strings.report_point, {
      lon: point.lng.toFixed(5),
      lat: point.lat.toFixed(5),
    });
    show(
      el(
        "ul",
        { class: "report-sentences" },
        (report.sentences || []).map((sentence) => el("li", {}, sentence)),
      ),
      el("p", { class: "report-point" }, coordinates),
      commentHere(point),
      relatedSections(report),
    );
  }

  function commentHere(point) {
    if (!onCommentHere) return null;
    const button = el(
      "button",
      { type: "button", class: "report-comment" },
      config.comment_strings.comment_here,
    );
    button.addEventListener("click", () => onCommentHere(point));
    return el("p", { class: "report-actions" }, button);
  }

  function relatedSections(report) {
    const seen = new Map();
    for (const item of [...report.elements, ...report.nearby_lines, ...report.nearest]) {
      if (item.section && item.section_anchor && !seen.has(item.section)) {
        seen.set(item.section, item.section_anchor);
      }
    }
    if (!seen.size) return null;
    const byNumber = (a, b) => a[0].localeCompare(b[0], undefined, { numeric: true });
    const links = [...seen].sort(byNumber).map(([number, anchor]) =>
      el(
        "li",
        {},
        el(
          "a",
          { href: `${config.urls.plan}#${anchor}` },
          `${number} ${sectionTitles.get(number) || ""}`.trim(),
        ),
      ),
    );
    return el(
      "div",
      { class: "report-sections" },
      el("h3", {}, strings.report_sections),
      el("ul", {}, links),
    );
  }

  // The asked point must stay in sight: above the bottom sheet on a phone, left of the card
  // on a wide screen.
  function keepClearOfPanel(latlng) {
    const margin = 24;
    const mapBox = map.getContainer().getBoundingClientRect();
    const box = panel.getBoundingClientRect();
    const at = map.latLngToContainerPoint(latlng).add([mapBox.left, mapBox.top]);
    const covered =
      at.x > box.left - margin &&
      at.x < box.right + margin &&
      at.y > box.top - margin &&
      at.y < box.bottom + margin;
    if (!covered) return;
    if (box.top - mapBox.top > 120) map.panBy([0, at.y - (box.top - margin)]);
    else map.panBy([at.x - (box.left - margin), 0]);
  }

  function clear() {
    pending?.abort();
    if (marker) {
      marker.remove();
      marker = null;
    }
  }

  return { at, clear };
}
