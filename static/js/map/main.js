// The plan map page. Reads its settings from the json_script block "map-config" (API
// addresses, translated words, extent, basemap), loads the layer catalogue and wires the
// layer list, popups, point report, village search, section links and opinions together.

import { el, format } from "../lib/dom.js";
import { fetchJson } from "../lib/http.js";
import { drawBackground } from "./background.js";
import { createComments } from "./comments.js";
import { addLocateButton, addNorthArrow } from "./controls.js";
import { createLabels } from "./labels.js";
import { createPanes, PlanLayers } from "./layers.js";
import { createLegend } from "./legend.js";
import { createLoadingSign } from "./loading.js";
import { createMeasure } from "./measure.js";
import { createOpacity } from "./opacity.js";
import { createPanels } from "./panels.js";
import { featureTitle, popupContent } from "./popups.js";
import { createReport } from "./report.js";
import { anchorOf, layersOfSection, sectionFromLocation, sectionTitle } from "./section.js";
import { buildTree } from "./tree.js";
import { createViewState } from "./viewstate.js";

const L = window.L;
const config = JSON.parse(document.getElementById("map-config").textContent);
const strings = config.strings;
const VILLAGE_ZOOM = 15;
const loading = createLoadingSign(document.getElementById("map-loading"), strings);

// With "reduce motion" asked for, the map zooms, pans, shows popups and stops a drag at once.
const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

const map = L.map("map", {
  zoomControl: false,
  attributionControl: false, // the notice in the lower-left corner carries the credits
  minZoom: 5,
  maxZoom: 18,
  zoomAnimation: !reduceMotion,
  fadeAnimation: !reduceMotion,
  markerZoomAnimation: !reduceMotion,
  inertia: !reduceMotion,
});
if (reduceMotion) {
  // A popup that pans itself into view and the arrow keys move the map through panBy, which
  // slides the map by default.
  const panBy = map.panBy;
  map.panBy = (offset, options) => panBy.call(map, offset, { ...options, animate: false });
}
L.control
  .zoom({
    position: "topright",
    zoomInTitle: strings.zoom_in,
    zoomOutTitle: strings.zoom_out,
  })
  .addTo(map);
L.control.scale({ position: "bottomright", imperial: false }).addTo(map);
addNorthArrow(L, map, strings);
createPanes(map);
map.createPane("report-marker").style.zIndex = "640";
const canvas = document.querySelector(".map-canvas");
addLocateButton(L, map, strings, { showMessage });
const measure = createMeasure(L, map, strings, {
  canvas,
  onStart: () => {
    map.closePopup();
    panels.hideReport();
    panels.hideLayersOnPhone();
    comments?.hide({ returnFocus: false });
  },
});
showWholePlan();
if (config.basemap) addBasemap(config.basemap);

let comments = null;
const panels = createPanels({
  map,
  layerPanel: document.getElementById("layer-panel"),
  layerButton: document.getElementById("layer-panel-button"),
  reportPanel: document.getElementById("report-panel"),
  onReportClosed: () => report.clear(),
  // One panel at a time where they share a place (phone: the bottom; wide: the right card).
  onOpen: (name) => {
    // (Also called while the panels are made, before `comments` exists.)
    if (comments && (name === "report" || !panels.isWide())) comments.hide({ returnFocus: false });
  },
});
// The opinion tools while the consultation takes opinions or shows the published ones.
if (config.comments && (config.comments.is_open || config.shows_published_comments)) {
  comments = createComments({
    L,
    map,
    config,
    canvas: document.querySelector(".map-canvas"),
    layerPanel: document.getElementById("layer-panel"),
    onOpen: () => {
      measure.stop();
      panels.hideReport();
      panels.hideLayersOnPhone();
    },
  });
}
const commenting = Boolean(comments?.isOpen);

const treeContainer = document.getElementById("layer-tree");
let catalogue;
try {
  // In the page (front/map.py); fetched only where a page does not carry it.
  const inline = document.getElementById("map-catalogue");
  catalogue = inline
    ? JSON.parse(inline.textContent)
    : await fetchJson(config.urls.layers, { headers: { "Accept-Language": config.language } });
} catch {
  treeContainer.replaceChildren(
    el("p", { class: "panel-error", role: "alert" }, strings.layers_failed),
  );
  loading.failed(() => window.location.reload());
  throw new Error("The layer catalogue could not be loaded.");
}

const sectionTitles = new Map(
  catalogue.filter((layer) => layer.section).map((l) => [l.section.number, l.section.title]),
);
const report = createReport({
  L,
  map,
  config,
  panel: document.getElementById("report-panel"),
  panels,
  sectionTitles,
  onCommentHere: commenting
    ? (latlng) => {
        panels.closeReport();
        comments.commentAt(latlng);
      }
    : null,
});
// Popups pan clear of the buttons along the top of the map.
const popup = L.popup({
  maxWidth: 300,
  minWidth: 240,
  autoPanPaddingTopLeft: [16, 72],
  autoPanPaddingBottomRight: [16, 40],
});

const layers = new PlanLayers(L, map, catalogue, {
  onFeatureClick: (layer, properties, latlng, featureId) =>
    openPopup(layer, properties, latlng, { featureId }),
  onError: (layer) =>
    tree.setFailed(layer.collection_id, format(strings.layer_failed, { layer: layer.title })),
  vectorGridScript: config.urls.vector_grid_script,
});
const opacity = createOpacity();
const tree = buildTree(treeContainer, catalogue, strings, {
  onToggle: async (id, on) => {
    await layers.setOn(id, on);
    tree.updateZoom(map.getZoom());
    overlaysChanged();
  },
  onZoomTo: (zoom) => map.setZoom(zoom),
  onOpacity: (id, value) => opacity.set(id, value),
});
// The address keeps the view (village, section, layers, centre and zoom) for sharing.
const viewState = createViewState({
  map,
  catalogue,
  villageLayer: config.village_layer,
  isOn: (id) => layers.isOn(id),
  setOn: setLayerOn,
});
const legend = createLegend(document.getElementById("map-legend"), catalogue, strings, {
  isOn: (id) => layers.isOn(id),
  note: config.basemap ? "" : strings.no_basemap,
});
// Names: of the layers that are on; without a basemap, always, as part of the background.
const labels = createLabels(L, map, {
  labelled: config.labels || {},
  features: (id) => layers.features(id),
  isShown: (id) => !config.basemap || layers.isOn(id),
});
if (!config.basemap) {
  const drawable = new Set(catalogue.filter((l) => l.links?.items).map((l) => l.collection_id));
  drawBackground(
    L,
    map,
    (config.background_layers || []).filter((id) => drawable.has(id)),
    {
      features: (id) => layers.features(id),
      isRiver: (id) => config.labels?.[id]?.kind === "river",
    },
  );
}

// A tap that only closes an open popup (a feature's or a published opinion's) is not also a
// question about that place.
let popupIsOpen = false;
let tapClosesPopup = false;
map.on("popupclose", () => {
  popupIsOpen = false;
});
map.on("preclick", () => {
  tapClosesPopup = popupIsOpen;
});
map.on("click", (event) => {
  // While a place is drawn, taps are its points.
  if (!tapClosesPopup && !comments?.drawingActive() && !measure.active()) {
    report.at(event.latlng);
  }
  tapClosesPopup = false;
});
map.on("zoomend", () => tree.updateZoom(map.getZoom()));
map.on("popupopen", (event) => {
  popupIsOpen = true;
  const close = event.popup.getElement()?.querySelector(".leaflet-popup-close-button");
  close?.setAttribute("aria-label", strings.close);
});
const centreButton = document.getElementById("report-centre-button");
centreButton.addEventListener("click", () =>
  report.at(map.getCenter(), { returnFocusTo: centreButton }),
);
document.addEventListener("keydown", onEscape, true);
window.addEventListener("hashchange", () => {
  const number = sectionFromLocation(window.location);
  if (number) focusSection(number);
});
document.querySelector(".section-banner-close").addEventListener("click", closeSectionBanner);

// First drawing: the default layers, plus those of the section the visitor came from.
const asked = sectionFromLocation(window.location);
const firstOn = viewState.firstLayers(config.default_layers);
if (asked) layersOfSection(catalogue, asked).forEach((layer) => firstOn.add(layer.collection_id));
await drawFirstLayers();
// The tools the first drawing does not need are fetched once it is done: on a slow line their
// modules would otherwise queue with the ones that draw it (bench/README.md, weak_phone.py).
const laterTools = Promise.all([
  import("./compare.js"),
  import("./print.js"),
  import("./search.js"),
]);
if (asked) await focusSection(asked);
await focusFeatureFromLocation();
tree.updateZoom(map.getZoom());
overlaysChanged();
await labels.refresh();
const [{ createCompare }, { setUpPrint }, { setUpVillageSearch }] = await laterTools;
createCompare(document.getElementById("compare-tool"), catalogue, strings, {
  setOn: async (id, on) => {
    tree.setChecked(id, on);
    await layers.setOn(id, on);
    overlaysChanged();
  },
});
map.getContainer().dataset.ready = "true";

setUpPrint(document.querySelectorAll("[data-print-map]"), {
  url: config.urls.print,
  map,
  catalogue,
  isOn: (id) => layers.isOn(id),
});

await setUpVillageSearch({
  form: document.querySelector(".village-search"),
  layers,
  layerId: config.village_layer,
  strings,
  onChoose: showVillage,
});
await viewState.restore();

// A village's page, for a feature of the villages layer with its 12-digit code (XZQDM).
function villageUrlOf(layer, properties) {
  if (layer.collection_id !== config.village_layer) return "";
  const code = String(properties.XZQDM ?? "");
  if (!/^\d{12}$/.test(code)) return "";
  return config.urls.village_page.replace(config.urls.village_placeholder, code);
}

// `?layer=<collection id>&lon=&lat=` (the portal's search links a facility, road or project
// so): that layer on, the map at the feature.
async function focusFeatureFromLocation() {
  const params = new URLSearchParams(window.location.search);
  const id = params.get("layer");
  if (!id || !catalogue.some((layer) => layer.collection_id === id)) return;
  await switchOn(id);
  const lon = Number.parseFloat(params.get("lon"));
  const lat = Number.parseFloat(params.get("lat"));
  if (Number.isFinite(lon) && Number.isFinite(lat)) {
    map.setView([lat, lon], Math.max(map.getZoom(), VILLAGE_ZOOM), { animate: false });
  }
}

async function switchOn(id) {
  await setLayerOn(id, true);
  if (layers.isOn(id)) loading.done();
}

async function setLayerOn(id, on) {
  tree.setChecked(id, on);
  await layers.setOn(id, on);
  overlaysChanged();
}

// The loading sign goes with the first layer drawn; if none of them could be, it offers to
// try again.
async function drawFirstLayers() {
  const first = catalogue.filter((layer) => firstOn.has(layer.collection_id));
  await Promise.all(first.map((layer) => switchOn(layer.collection_id)));
  if (first.length && !first.some((layer) => layers.isOn(layer.collection_id))) {
    loading.failed(drawFirstLayers);
  } else {
    loading.done();
  }
}

// The legend and the names follow the layers that are on.
function overlaysChanged() {
  legend.update();
  labels.refresh();
  viewState.changed();
}

// A short message over the map (e.g. the position could not be found).
function showMessage(text) {
  const message = document.createElement("p");
  message.className = "map-toast";
  message.setAttribute("role", "alert");
  message.textContent = text;
  canvas.append(message);
  setTimeout(() => message.remove(), 6000);
}

function openPopup(layer, properties, latlng, { focus = false, featureId = null } = {}) {
  const hasId = featureId !== null && featureId !== undefined;
  const content = popupContent(layer, properties, strings, {
    villageUrl: villageUrlOf(layer, properties),
    onReport: () => {
      map.closePopup();
      report.at(latlng, { returnFocusTo: map.getContainer() });
    },
    comment:
      commenting && hasId
        ? {
            label: config.comment_strings.comment_feature,
            onClick: () =>
              comments.commentOnFeature({
                layer,
                featureId,
                featureName: featureTitle(layer, properties),
              }),
          }
        : null,
  });
  popup.setLatLng(latlng).setContent(content).openOn(map);
  viewState.popupOpened(layer, properties);
  if (focus) {
    const title = content.querySelector(".popup-title");
    title.tabIndex = -1;
    title.focus();
  }
}

async function showVillage(layer, feature) {
  await switchOn(layer.collection_id);
  const [lon, lat] = feature.geometry.coordinates;
  // Without animation, so the popup below can pan itself clear of the buttons at once.
  map.setView([lat, lon], Math.max(map.getZoom(), VILLAGE_ZOOM), { animate: false });
  openPopup(layer, feature.properties || {}, L.latLng(lat, lon), {
    focus: true,
    featureId: feature.id,
  });
}

async function focusSection(number) {
  const focused = layersOfSection(catalogue, number);
  const ids = focused.map((layer) => layer.collection_id);
  await Promise.all(ids.map(switchOn));
  tree.markFocus(ids);
  viewState.setSection(number);
  const title = sectionTitle(catalogue, number);
  const label = `${number} ${title}`.trim();
  let text = format(strings.section_focus, { section: label });
  const bounds = layers.bounds(ids);
  if (!ids.length) text = format(strings.section_no_layers, { section: number });
  else if (!bounds) text = format(strings.section_no_features, { section: label });
  showSectionBanner(text, anchorOf(number));
  if (bounds) {
    // A parcel layer drawn only from a closer zoom would otherwise stay invisible, so the
    // view goes at least that close (centred on the section's layers).
    const needed = Math.max(
      0,
      ...focused.filter((layer) => layer.revision?.feature_count).map((l) => l.min_zoom || 0),
    );
    const fitted = map.getBoundsZoom(bounds, false, L.point(48, 48));
    const zoom = Math.max(Math.min(fitted, VILLAGE_ZOOM), needed);
    map.setView(bounds.getCenter(), zoom, { animate: false });
  }
}

function showSectionBanner(text, anchor) {
  const banner = document.getElementById("section-banner");
  banner.querySelector(".section-banner-text").textContent = text;
  const link = banner.querySelector(".section-banner-link");
  link.textContent = strings.read_text;
  link.href = `${config.urls.plan}#${anchor}`;
  banner.hidden = false;
  map.invalidateSize();
}

function closeSectionBanner() {
  document.getElementById("section-banner").hidden = true;
  tree.markFocus([]);
  viewState.setSection(null);
  map.invalidateSize();
  map.getContainer().focus();
}

function onEscape(event) {
  if (event.key !== "Escape") return;
  const results = document.getElementById("village-search-results");
  if (!results.hidden) return; // the search closes its own list first
  if (measure.active()) {
    measure.stop();
  } else if (comments?.drawingActive()) {
    comments.onEscape();
  } else if (popupIsOpen) {
    map.closePopup();
    map.getContainer().focus();
  } else if (panels.reportOpen()) {
    panels.closeReport();
  } else if (panels.layersOpen() && !panels.isWide()) {
    panels.closeLayers();
  } else if (comments?.panelOpen()) {
    comments.onEscape();
  } else {
    return;
  }
  event.stopPropagation();
}

function showWholePlan() {
  if (config.extent) {
    const [west, south, east, north] = config.extent;
    map.fitBounds(
      [
        [south, west],
        [north, east],
      ],
      { padding: [8, 8] },
    );
  } else {
    map.setView([37.5, 112], 7);
  }
}

function addBasemap(basemap) {
  for (const template of basemap.tiles) {
    L.tileLayer(template, {
      subdomains: basemap.subdomains,
      maxZoom: 18,
      maxNativeZoom: basemap.max_zoom,
    }).addTo(map);
  }
}
