// The officials' queue map: the selected comments' places (drawn, or the feature they point
// at) on a plain background with the plan's outline. Everything it needs comes from the
// json_script block "queue-map-config"; residents' text goes in as text only (lib/dom.js).

import { el } from "./lib/dom.js";
import { fetchFeatures, planOutlineMap } from "./staff-map.js";

const L = window.L;
const config = JSON.parse(document.getElementById("queue-map-config").textContent);
const strings = config.strings;
const status = document.getElementById("queue-map-status");

const STANCE_COLOURS = { support: "#15803d", oppose: "#b91c1c", suggest: "#1d4ed8", question: "#7c3aed" };

const map = planOutlineMap("queue-map", config, { maxZoom: 18, fallback: [37.1, 111.6] });

function styleOf(feature) {
  const colour = STANCE_COLOURS[feature.properties.stance] || "#57606a";
  return { color: colour, weight: 3, fillColor: colour, fillOpacity: 0.25 };
}

function popupOf(feature) {
  const props = feature.properties;
  return el(
    "div",
    { class: "queue-popup" },
    el("strong", {}, props.receipt_code),
    el("div", {}, `${props.stance_label} · ${props.state_label}`),
    el("p", {}, props.excerpt),
    el("a", { href: props.url }, strings.open),
  );
}

async function load() {
  const collection = await fetchFeatures(config.features, status, strings);
  if (!collection) return;
  if (!collection.features.length) {
    status.textContent = strings.none;
    return;
  }
  const layer = L.geoJSON(collection, {
    style: styleOf,
    pointToLayer: (feature, latlng) =>
      L.circleMarker(latlng, { ...styleOf(feature), radius: 7, fillOpacity: 0.6 }),
    onEachFeature: (feature, shape) => shape.bindPopup(() => popupOf(feature)),
  }).addTo(map);
  if (!config.extent) map.fitBounds(layer.getBounds(), { maxZoom: 15 });
  status.textContent = "";
}

document.getElementById("queue-map").setAttribute("aria-label", strings.map_label);
load();
