// The village page's small map: the village's area and point from the json_script block
// "village-map-config" (only shapes of layers whose coordinates are public), on the 天地图
// basemap where the portal has a key, else on a plain background. Nothing is fetched.

const L = window.L;
const config = JSON.parse(document.getElementById("village-map-config").textContent);
const container = document.getElementById("village-map");

const map = L.map(container, { attributionControl: false, scrollWheelZoom: false, maxZoom: 18 });
if (config.basemap) {
  for (const template of config.basemap.tiles) {
    L.tileLayer(template, {
      subdomains: config.basemap.subdomains,
      maxZoom: config.basemap.max_zoom,
    }).addTo(map);
  }
}
const shapes = L.geoJSON(config.shapes, {
  interactive: false,
  style: { color: "#b35900", weight: 2, fillColor: "#ffcc80", fillOpacity: 0.3 },
  pointToLayer: (feature, latlng) =>
    L.circleMarker(latlng, {
      radius: 8,
      color: "#fff",
      weight: 2,
      fillColor: "#b35900",
      fillOpacity: 1,
    }),
}).addTo(map);
map.fitBounds(shapes.getBounds(), { maxZoom: 15, padding: [12, 12] });
container.dataset.ready = "true";
