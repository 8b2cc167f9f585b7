// Measuring on the map: tap points to measure a distance (metres or kilometres) or an area
// (square metres or hectares, with 亩, the unit farmers count land in). Distances follow the
// sphere (Leaflet's haversine) and areas the spherical polygon formula: within a township the
// error is far below what a tap on a phone can place.

import { el, format } from "../lib/dom.js";

const EARTH_RADIUS = 6378137;
const SQUARE_METRES_PER_MU = 10000 / 15;

export function geodesicArea(latlngs) {
  if (latlngs.length < 3) return 0;
  const rad = Math.PI / 180;
  let sum = 0;
  for (let i = 0; i < latlngs.length; i += 1) {
    const a = latlngs[i];
    const b = latlngs[(i + 1) % latlngs.length];
    sum += (b.lng - a.lng) * rad * (2 + Math.sin(a.lat * rad) + Math.sin(b.lat * rad));
  }
  return Math.abs((sum * EARTH_RADIUS * EARTH_RADIUS) / 2);
}

export function pathLength(map, latlngs) {
  let length = 0;
  for (let i = 1; i < latlngs.length; i += 1) length += map.distance(latlngs[i - 1], latlngs[i]);
  return length;
}

function number(value, digits) {
  return value.toLocaleString("zh-CN", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function formatDistance(metres, strings) {
  return metres < 1000
    ? format(strings.measure_metres, { value: number(Math.round(metres), 0) })
    : format(strings.measure_kilometres, { value: number(metres / 1000, 2) });
}

export function formatArea(squareMetres, strings) {
  const mu = number(squareMetres / SQUARE_METRES_PER_MU, squareMetres < SQUARE_METRES_PER_MU * 10 ? 1 : 0);
  return squareMetres < 10000
    ? format(strings.measure_square_metres, { value: number(Math.round(squareMetres), 0), mu })
    : format(strings.measure_hectares, { value: number(squareMetres / 10000, 2), mu });
}

// canvas: the element the bar goes in; onStart(): other tools make room.
export function createMeasure(L, map, strings, { canvas, onStart = () => {} }) {
  let mode = null; // "distance" | "area" while measuring
  let points = [];
  const drawing = L.layerGroup();
  const result = el("p", { class: "measure-result", role: "status", "aria-live": "polite" });
  const modeButtons = {
    distance: modeButton("distance", strings.measure_distance),
    area: modeButton("area", strings.measure_area),
  };
  const undo = el("button", { type: "button", class: "draw-button" }, strings.measure_undo);
  const close = el("button", { type: "button", class: "draw-button draw-cancel" }, strings.measure_close);
  const bar = el(
    "section",
    { class: "measure-bar", "aria-label": strings.measure, tabindex: "-1", hidden: true },
    el("div", { class: "measure-modes" }, modeButtons.distance, modeButtons.area),
    result,
    el("div", { class: "draw-actions" }, undo, close),
  );
  canvas.append(bar);
  L.DomEvent.disableClickPropagation(bar);
  undo.addEventListener("click", () => {
    points.pop();
    redraw();
  });
  close.addEventListener("click", () => stop());

  const opener = document.getElementById("measure-button");
  opener.addEventListener("click", () => (mode ? stop() : start("distance")));

  function modeButton(name, label) {
    const button = el("button", { type: "button", class: "draw-button", "aria-pressed": "false" }, label);
    button.addEventListener("click", () => start(name));
    return button;
  }

  function start(name) {
    onStart();
    mode = name;
    points = [];
    for (const [key, button] of Object.entries(modeButtons)) {
      button.setAttribute("aria-pressed", String(key === name));
    }
    bar.hidden = false;
    opener.setAttribute("aria-expanded", "true");
    map.getContainer().classList.add("map-drawing", "map-measuring");
    drawing.addTo(map);
    redraw();
    bar.focus();
  }

  function stop() {
    mode = null;
    points = [];
    drawing.clearLayers().remove();
    bar.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    map.getContainer().classList.remove("map-drawing", "map-measuring");
    opener.focus();
  }

  function redraw() {
    drawing.clearLayers();
    const style = { pane: "report-marker", interactive: false, color: "#c2410c", weight: 3, dashArray: "6 4" };
    if (mode === "area" && points.length >= 3) {
      L.polygon(points, { ...style, fillColor: "#fd7e14", fillOpacity: 0.15 }).addTo(drawing);
    } else if (points.length >= 2) {
      L.polyline(points, style).addTo(drawing);
    }
    for (const point of points) {
      L.circleMarker(point, { pane: "report-marker", interactive: false, radius: 5, color: "#fff", weight: 2, fillColor: "#c2410c", fillOpacity: 1 }).addTo(drawing);
    }
    undo.disabled = points.length === 0;
    if (mode === "distance") {
      result.textContent =
        points.length < 2
          ? strings.measure_hint_distance
          : format(strings.measure_distance_result, { value: formatDistance(pathLength(map, points), strings) });
    } else {
      result.textContent =
        points.length < 3
          ? strings.measure_hint_area
          : format(strings.measure_area_result, { value: formatArea(geodesicArea(points), strings) });
    }
  }

  map.on("click", (event) => {
    if (!mode) return;
    points.push(event.latlng);
    redraw();
  });

  return {
    active: () => mode !== null,
    stop: () => mode && stop(),
  };
}
