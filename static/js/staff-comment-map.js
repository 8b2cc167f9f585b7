// The small map of an official's comment page: the place the opinion points at (drawn by the
// resident, or the feature it is about) inside the plan's dashed outline, on the plain
// background of the staff maps. Everything comes inline from the json_script block
// "comment-map-config": no request, so the map is there as soon as the page is.

import { planOutlineMap } from "./staff-map.js";

const L = window.L;
const config = JSON.parse(document.getElementById("comment-map-config").textContent);
const PLACE_STYLE = { color: "#b91c1c", weight: 3, fillColor: "#b91c1c", fillOpacity: 0.25 };

const map = planOutlineMap("comment-place-map", config, { maxZoom: 18 });
const place = L.geoJSON(config.place, {
  style: PLACE_STYLE,
  pointToLayer: (_feature, latlng) =>
    L.circleMarker(latlng, { ...PLACE_STYLE, radius: 8, fillOpacity: 0.6 }),
}).addTo(map);
const bounds = place.getBounds();
if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
document.getElementById("comment-place-map").dataset.drawn = String(place.getLayers().length);
