// Without a basemap, a light background drawn from the plan's own layers (front/map.py
// background_layers: the official township outline, the rivers, the roads), so that a resident
// still sees where things are when the plan's layers are switched off. It sits under the plan's
// layers and catches no taps.

const STYLES = {
  Polygon: { color: "#a39a88", weight: 1.5, dashArray: "6 4", fillColor: "#fbfaf6", fillOpacity: 0.7 },
  LineString: { color: "#cfc6b6", weight: 3 },
};
const RIVER = { color: "#a5c8e8", weight: 4 };

export async function drawBackground(L, map, ids, { features, isRiver }) {
  const pane = map.createPane("plan-background");
  pane.style.zIndex = "300"; // over tiles (200), under the plan's polygons (410)
  pane.style.pointerEvents = "none";
  const collections = await Promise.all(ids.map((id) => features(id).catch(() => null)));
  collections.forEach((collection, index) => {
    if (!collection) return;
    const river = isRiver(ids[index]);
    L.geoJSON(collection, {
      pane: "plan-background",
      interactive: false,
      style: (feature) =>
        river ? RIVER : STYLES[feature.geometry?.type?.replace("Multi", "")] || STYLES.LineString,
      filter: (feature) => feature.geometry && !feature.geometry.type.endsWith("Point"),
    }).addTo(map);
  });
}
