// The map of a 汇交 package's checks across layers: overlaps of the control lines in red,
// parts outside the township extent in purple, on a plain background with the plan's outline.
// The pieces come inline in the json_script block "crosscheck-map-config"; labels and keys go
// in as text only (lib/dom.js), never as HTML.

import { el } from "./lib/dom.js";
import { planOutlineMap } from "./staff-map.js";

const L = window.L;
const config = JSON.parse(document.getElementById("crosscheck-map-config").textContent);
const strings = config.strings;
const container = document.getElementById("crosscheck-map");
const colours = { overlap: "#dc2626", outside: "#7c3aed" };

container.setAttribute("aria-label", strings.map_label);
const map = planOutlineMap(
  container,
  { outline: config.outline ? JSON.parse(config.outline) : null, extent: null },
  { maxZoom: 19 },
);
const layer = L.geoJSON(config.pieces, {
  style: (feature) => {
    const colour = colours[feature.properties.kind] || "#57606a";
    return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.45 };
  },
  onEachFeature: (feature, shape) =>
    shape.bindPopup(() =>
      el(
        "div",
        {},
        el("strong", {}, strings[feature.properties.kind] || feature.properties.kind),
        el("div", {}, `${feature.properties.label}: ${feature.properties.hectares} ${strings.hectares}`),
      ),
    ),
}).addTo(map);
if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { maxZoom: 17 });
container.dataset.drawn = String(layer.getLayers().length);
