// The map of a revision's differences on the planners' page: added features green, removed
// red, changed orange (their new shape), on a plain background with the plan's outline.
// Everything it needs comes from the json_script block "diff-map-config"; feature keys from
// the planner's file go in as text only (lib/dom.js), never as HTML.

import { el } from "./lib/dom.js";
import { fetchFeatures, planOutlineMap } from "./staff-map.js";

const L = window.L;
const config = JSON.parse(document.getElementById("diff-map-config").textContent);
const strings = config.strings;
const colours = config.colours;
const status = document.getElementById("diff-map-status");
const container = document.getElementById("diff-map");

const map = planOutlineMap(container, config, { maxZoom: 19 });

function styleOf(feature) {
  const colour = colours[feature.properties.change] || "#57606a";
  return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.35 };
}

function popupOf(feature) {
  const props = feature.properties;
  return el(
    "div",
    {},
    el("strong", {}, strings[props.change] || props.change),
    el("div", {}, `${strings.feature} ${props.key || props.feature}`),
  );
}

async function load() {
  const collection = await fetchFeatures(config.features, status, strings);
  if (!collection) return;
  if (!collection.features.length) {
    status.textContent = strings.none;
    container.dataset.drawn = "0";
    return;
  }
  // Removed first, changed last: the new shapes stay on top of the old ones.
  const order = { removed: 0, added: 1, changed: 2 };
  collection.features.sort((a, b) => order[a.properties.change] - order[b.properties.change]);
  const layer = L.geoJSON(collection, {
    style: styleOf,
    pointToLayer: (feature, latlng) =>
      L.circleMarker(latlng, { ...styleOf(feature), radius: 6, fillOpacity: 0.7 }),
    onEachFeature: (feature, shape) => shape.bindPopup(() => popupOf(feature)),
  }).addTo(map);
  if (!config.extent) map.fitBounds(layer.getBounds(), { maxZoom: 16 });
  status.textContent = collection.truncated ? strings.truncated : "";
  container.dataset.drawn = String(collection.features.length);
}

container.setAttribute("aria-label", strings.map_label);
load();
