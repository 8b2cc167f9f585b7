// The staff pages' maps (officials' comment queue, planners' revision differences): a plain
// background, fitted to the plan's extent, with the plan's outline dashed. No basemap, so
// they work with no network beyond the portal.

import { fetchJson } from "./lib/http.js";

const L = window.L;

export function planOutlineMap(container, config, { maxZoom = 18, fallback = [37.07, 111.55] } = {}) {
  const map = L.map(container, { attributionControl: false, minZoom: 5, maxZoom });
  if (config.extent) {
    const [west, south, east, north] = config.extent;
    map.fitBounds([
      [south, west],
      [north, east],
    ]);
  } else {
    map.setView(fallback, 12);
  }
  if (config.outline) {
    L.geoJSON(config.outline, {
      interactive: false,
      style: { color: "#57606a", weight: 1.5, fill: false, dashArray: "4 4" },
    }).addTo(map);
  }
  return map;
}

// The FeatureCollection a staff map draws, or null once `status` says the request failed.
export async function fetchFeatures(url, status, strings) {
  try {
    return await fetchJson(url, { credentials: "same-origin" });
  } catch {
    status.textContent = strings.failed;
    return null;
  }
}
