// Small controls in the map's right-hand column: a north arrow, and "show where I am" where
// the browser may tell (HTTPS only: browsers refuse a position to a plain-http page, so the
// button would only fail there).

import { el, format, svgEl } from "../lib/dom.js";

export function addNorthArrow(L, map, strings) {
  const NorthArrow = L.Control.extend({
    options: { position: "topright" },
    onAdd() {
      return el(
        "div",
        { class: "leaflet-control map-north", role: "img", "aria-label": strings.north },
        svgEl(
          "svg",
          { viewBox: "0 0 24 30", width: 24, height: 30, "aria-hidden": "true" },
          svgEl("path", { d: "M12 9 18 28 12 24 6 28Z", fill: "#1f2933" }),
          svgEl("path", { d: "M12 9 12 24 6 28Z", fill: "#fff", stroke: "#1f2933" }),
          svgEl("text", { x: 12, y: 8, "text-anchor": "middle", class: "map-north-letter" }, "N"),
        ),
      );
    },
  });
  new NorthArrow().addTo(map);
}

export function canLocate() {
  return window.isSecureContext && window.location.protocol === "https:" && "geolocation" in navigator;
}

// showMessage(text): tells the resident when the position cannot be found.
export function addLocateButton(L, map, strings, { showMessage }) {
  if (!canLocate()) return null;
  let marks = null;
  const Locate = L.Control.extend({
    options: { position: "topright" },
    onAdd() {
      const button = el(
        "button",
        { type: "button", class: "map-control-button map-locate", title: strings.locate, "aria-label": strings.locate },
        svgEl(
          "svg",
          { viewBox: "0 0 20 20", width: 20, height: 20, "aria-hidden": "true" },
          svgEl("circle", { cx: 10, cy: 10, r: 6, fill: "none", stroke: "currentColor", "stroke-width": 2 }),
          svgEl("circle", { cx: 10, cy: 10, r: 2.5, fill: "currentColor" }),
          svgEl("path", { d: "M10 0v4M10 16v4M0 10h4M16 10h4", stroke: "currentColor", "stroke-width": 2 }),
        ),
      );
      L.DomEvent.disableClickPropagation(button);
      button.addEventListener("click", () =>
        map.locate({ setView: true, maxZoom: 16, enableHighAccuracy: true }),
      );
      return el("div", { class: "leaflet-control leaflet-bar" }, button);
    },
  });
  map.on("locationfound", (event) => {
    marks?.remove();
    const metres = Math.round(event.accuracy);
    marks = L.layerGroup([
      L.circle(event.latlng, { radius: event.accuracy, pane: "report-marker", interactive: false, color: "#1971c2", weight: 1, fillOpacity: 0.1 }),
      L.circleMarker(event.latlng, { pane: "report-marker", radius: 7, color: "#fff", weight: 2, fillColor: "#1971c2", fillOpacity: 1 })
        .bindTooltip(format(strings.located, { metres })),
    ]).addTo(map);
  });
  map.on("locationerror", () => showMessage(strings.locate_failed));
  return new Locate().addTo(map);
}
