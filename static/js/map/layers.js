// The plan's layers on the map: small layers as one GeoJSON download, large or tiles-only
// layers as vector tiles. Each Leaflet layer is made the first time it is switched on.

import { fetchJson } from "../lib/http.js";
import { loadScript } from "../lib/script.js";
import { patchVectorGrid } from "./compat.js";
import { featureStyle } from "./styles.js";

const PANES = { Polygon: "plan-polygons", LineString: "plan-lines", Point: "plan-points" };
const PANE_Z = { "plan-polygons": 410, "plan-lines": 420, "plan-points": 430 };
const MAX_PAGES = 50;

export function createPanes(map) {
  for (const [name, z] of Object.entries(PANE_Z)) {
    map.createPane(name).style.zIndex = String(z);
  }
}

export class PlanLayers {
  // vectorGridScript: Leaflet.VectorGrid's address, loaded with the first tiled layer.
  constructor(L, map, catalogue, { onFeatureClick, onError, vectorGridScript }) {
    this.L = L;
    this.map = map;
    this.catalogue = catalogue;
    this.byId = new Map(catalogue.map((layer) => [layer.collection_id, layer]));
    this.instances = new Map();
    this.downloads = new Map();
    this.featureLayers = new Map(); // collection id -> Map(feature id -> Leaflet layer)
    this.onFeatureClick = onFeatureClick;
    this.onError = onError;
    this.vectorGridScript = vectorGridScript;
  }

  get(id) {
    return this.byId.get(id);
  }

  isOn(id) {
    const instance = this.instances.get(id);
    return Boolean(instance && this.map.hasLayer(instance));
  }

  // Switches a layer on or off; resolves once it is drawn (or failed).
  async setOn(id, on) {
    const layer = this.byId.get(id);
    if (!layer) return;
    if (!on) {
      const instance = this.instances.get(id);
      if (instance) this.map.removeLayer(instance);
      return;
    }
    try {
      const instance = await this.instanceOf(layer);
      if (!this.map.hasLayer(instance)) instance.addTo(this.map);
      this.restack();
    } catch (error) {
      this.onError(layer, error);
    }
  }

  async instanceOf(layer) {
    let instance = this.instances.get(layer.collection_id);
    if (!instance) {
      instance =
        layer.delivery === "geojson" && layer.links.items
          ? this.geojsonLayer(layer, await this.features(layer.collection_id))
          : this.tileLayer(layer, await this.tileSource(layer));
      this.instances.set(layer.collection_id, instance);
    }
    return instance;
  }

  // The layer's features as one FeatureCollection, downloaded once (following `next` links).
  features(id) {
    if (!this.downloads.has(id)) {
      const layer = this.byId.get(id);
      // A failed download is forgotten, so that switching the layer on again retries it.
      const download = downloadFeatures(layer.links.items).catch((error) => {
        this.downloads.delete(id);
        throw error;
      });
      this.downloads.set(id, download);
    }
    return this.downloads.get(id);
  }

  geojsonLayer(layer, collection) {
    const L = this.L;
    const pane = PANES[layer.geometry_type] || "overlayPane";
    const features = new Map();
    const style = (feature) => drawingStyle(layer, categoryOf(layer, feature.properties));
    this.featureLayers.set(layer.collection_id, features);
    return L.geoJSON(collection, {
      pane,
      style,
      pointToLayer: (feature, latlng) => L.circleMarker(latlng, { pane, ...style(feature) }),
      onEachFeature: (feature, path) => {
        features.set(String(feature.id), path);
        path.on("click", (event) => {
          L.DomEvent.stopPropagation(event);
          this.onFeatureClick(layer, feature.properties || {}, event.latlng, feature.id);
        });
      },
    });
  }

  // TileJSON, with VectorGrid loaded meanwhile (most plans open with no tiled layer on).
  async tileSource(layer) {
    const [source] = await Promise.all([tileSource(layer), this.loadVectorGrid()]);
    return source;
  }

  async loadVectorGrid() {
    if (!this.L.vectorGrid) await loadScript(this.vectorGridScript);
    patchVectorGrid(this.L);
  }

  tileLayer(layer, source) {
    const L = this.L;
    const grid = L.vectorGrid.protobuf(source.url, {
      pane: PANES[layer.geometry_type] || "overlayPane",
      rendererFactory: L.svg.tile,
      interactive: true,
      minZoom: source.minZoom,
      maxNativeZoom: source.maxZoom,
      maxZoom: 20,
      vectorTileLayerStyles: {
        [layer.collection_id]: (properties) => drawingStyle(layer, properties.category),
      },
    });
    grid.on("click", (event) => {
      L.DomEvent.stopPropagation(event);
      const properties = event.layer.properties || {};
      // Tiles carry the feature's id as a property (layers/tiles/sql.py).
      this.onFeatureClick(layer, properties, event.latlng, properties.id);
    });
    return grid;
  }

  // Keeps the drawing order of the catalogue however layers were switched on.
  restack() {
    this.catalogue.forEach((layer, index) => {
      const instance = this.instances.get(layer.collection_id);
      if (!instance || !this.map.hasLayer(instance)) return;
      if (instance.setZIndex) instance.setZIndex(index + 1);
      else if (instance.bringToFront) instance.bringToFront();
    });
  }

  // The Leaflet layer of one feature of a GeoJSON layer (for the village search).
  featureLayer(id, featureId) {
    return this.featureLayers.get(id)?.get(String(featureId)) || null;
  }

  // Bounds of the given layers from their published revisions' bounding boxes.
  bounds(ids) {
    let bounds = null;
    for (const id of ids) {
      const bbox = this.byId.get(id)?.revision?.bbox;
      if (!bbox) continue;
      const box = this.L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
      bounds = bounds ? bounds.extend(box) : box;
    }
    return bounds;
  }
}

// The feature style plus a class naming the layer (a hook for print styles and tests).
function drawingStyle(layer, category) {
  return {
    ...featureStyle(layer, category),
    className: `plan-feature plan-layer-${layer.collection_id}`,
  };
}

export function categoryOf(layer, properties) {
  if (!properties) return "";
  if (layer.category_field && properties[layer.category_field] !== undefined) {
    return properties[layer.category_field];
  }
  return properties.category ?? "";
}

// Where a tiled layer's tiles are: TileJSON gives the address with the revision in it (so
// browsers may cache tiles for long) and the zoom range; the catalogue's template is the
// fallback.
async function tileSource(layer) {
  const fallback = { url: layer.links.tiles, minZoom: layer.min_zoom || 0, maxZoom: 18 };
  try {
    const tilejson = await fetchJson(layer.links.tilejson);
    return {
      url: tilejson.tiles?.[0] || fallback.url,
      minZoom: Math.max(tilejson.minzoom ?? 0, fallback.minZoom),
      maxZoom: tilejson.maxzoom ?? fallback.maxZoom,
    };
  } catch {
    return fallback;
  }
}

async function downloadFeatures(itemsUrl) {
  const features = [];
  const first = new URL(itemsUrl, document.baseURI);
  first.searchParams.set("limit", "10000");
  let next = first.href;
  for (let page = 0; next && page < MAX_PAGES; page += 1) {
    const body = await fetchJson(next, { headers: { Accept: "application/geo+json" } });
    features.push(...(body.features || []));
    next = (body.links || []).find((link) => link.rel === "next")?.href || null;
  }
  return { type: "FeatureCollection", features };
}
