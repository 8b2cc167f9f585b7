// Drawing the place an opinion is about: a point, a line or an area, with Leaflet.draw (shipped
// by django-leaflet, loaded on the first drawing) and a bar with "Finish" and "Cancel".
//
// Leaflet.draw 1.0.4 predates Leaflet 1.9 and mishandles touch there: a line adds its vertex
// on touchstart (so panning the map adds points), and the mouse events the browser sends after
// a tap land next to the vertex just placed, which Leaflet.draw reads as "tap the last point
// to finish" - every line ended after two taps. So its own pointer listeners are taken off and
// vertices come from the map's "click", which Leaflet fires once per tap or click and never
// after a drag. Plan features stop catching taps while drawing (the class "map-drawing"), so
// a tap on a road adds a vertex instead of opening the road's popup.
//
// Without a pointer: the bar's "Add the map centre" button adds the centre of the map (moved
// with the arrow keys) as the next point.

import { el, format } from "../lib/dom.js";
import { loadScript } from "../lib/script.js";

const MIN_POINTS = { point: 1, line: 2, polygon: 3 };
const SHAPE = {
  color: "#7048e8",
  weight: 3,
  opacity: 0.9,
  fillColor: "#b197fc",
  fillOpacity: 0.25,
};

export function loadLeafletDraw(urls) {
  if (window.L.Draw?.Polyline) return Promise.resolve();
  if (!document.querySelector(`link[href="${CSS.escape(urls.draw_css)}"]`)) {
    document.head.append(el("link", { rel: "stylesheet", href: urls.draw_css }));
  }
  return loadScript(urls.draw_script);
}

// onDone({kind, geometry}) with a GeoJSON geometry; onCancel() when the resident gives up.
export function createDrawing({ L, map, container, config, strings, onDone, onCancel }) {
  const hint = el("p", { class: "draw-hint" });
  const count = el("p", { class: "draw-count" });
  const keyboardHint = el("p", { class: "draw-keyboard-hint" }, strings.draw_keyboard);
  const undo = button(strings.draw_undo, "draw-undo", () => undoLast());
  const centre = button(strings.draw_add_centre, "draw-centre", () => addCentre());
  const cancelButton = button(strings.draw_cancel, "draw-cancel", () => cancel());
  const finish = button(strings.draw_finish, "draw-finish", () => handler?.completeShape());
  const status = el("div", { role: "status", "aria-live": "polite" }, hint, count);
  const bar = el(
    "div",
    { class: "draw-bar", role: "region", "aria-label": strings.panel_title, tabindex: "-1" },
    status,
    keyboardHint,
    el("div", { class: "draw-actions" }, undo, centre, cancelButton, finish),
  );
  bar.hidden = true;
  container.append(bar);

  let kind = null;
  let handler = null;
  let points = 0;
  let restarting = false;

  map.on("draw:created", (event) => {
    if (!kind) return;
    const geometry = event.layer.toGeoJSON().geometry;
    const drawn = kind;
    stop();
    onDone({ kind: drawn, geometry });
  });
  map.on("draw:drawvertex", (event) => {
    points = event.layers.getLayers().length;
    update();
  });
  // Leaflet.draw cancels by itself on Escape in the map; the bar must go too.
  map.on("draw:drawstop", () => {
    if (kind && handler && !handler.enabled() && !restarting) {
      stop();
      onCancel();
    }
  });

  async function start(what) {
    if (kind) stop();
    kind = what;
    points = 0;
    map.closePopup();
    bar.hidden = false;
    hint.textContent = strings.draw_loading;
    count.textContent = "";
    setButtons(false);
    bar.focus();
    try {
      await loadLeafletDraw(config.urls);
    } catch {
      hint.textContent = strings.draw_failed;
      cancelButton.disabled = false;
      return;
    }
    if (kind !== what) return; // cancelled while loading
    map.getContainer().classList.add("map-drawing");
    map.doubleClickZoom.disable(); // two quick taps are two points, not a zoom
    handler = newHandler(what);
    handler.enable();
    if (what !== "point") takeOverInput(handler);
    bar.focus(); // Leaflet.draw focused the map; the instructions come first
    update();
  }

  function newHandler(what) {
    if (what === "point") {
      const icon = L.divIcon({ className: "draw-pin", iconSize: [22, 22], iconAnchor: [11, 11] });
      return new L.Draw.Marker(map, { icon });
    }
    const options = { shapeOptions: { ...SHAPE, fill: what === "polygon" }, showLength: false };
    if (what === "polygon") options.showArea = false;
    return what === "line" ? new L.Draw.Polyline(map, options) : new L.Draw.Polygon(map, options);
  }

  function takeOverInput(drawing) {
    map.off("touchstart", drawing._onTouch, drawing);
    map.off("mouseup", drawing._onMouseUp, drawing);
    drawing._mouseMarker
      ?.off("mousedown", drawing._onMouseDown, drawing)
      .off("mouseup", drawing._onMouseUp, drawing);
    map.on("click", addTapped);
  }

  function addTapped(event) {
    handler?.addVertex(event.latlng);
  }

  function addCentre() {
    if (!handler) return;
    if (kind === "point") {
      const { lat, lng } = map.getCenter();
      const geometry = { type: "Point", coordinates: [round(lng), round(lat)] };
      stop();
      onDone({ kind: "point", geometry });
    } else {
      handler.addVertex(map.getCenter());
    }
  }

  function undoLast() {
    if (!handler || points === 0) return;
    if (points > 1) {
      handler.deleteLastVertex();
      return;
    }
    // Leaflet.draw keeps the first vertex; start the shape afresh instead.
    restarting = true;
    handler.disable();
    handler.enable();
    restarting = false;
    takeOverInput(handler);
    points = 0;
    update();
  }

  function update() {
    hint.textContent = strings[`draw_hint_${kind}`];
    count.textContent = kind === "point" ? "" : format(strings.draw_count, { count: points });
    setButtons(true);
  }

  function setButtons(ready) {
    const shape = kind !== "point";
    undo.hidden = !shape;
    finish.hidden = !shape;
    centre.textContent = shape ? strings.draw_add_centre : strings.draw_use_centre;
    undo.disabled = !ready || points === 0;
    finish.disabled = !ready || points < MIN_POINTS[kind];
    centre.disabled = !ready;
    cancelButton.disabled = false;
  }

  function stop() {
    map.off("click", addTapped);
    const stopping = handler;
    handler = null;
    kind = null;
    stopping?.disable();
    map.getContainer().classList.remove("map-drawing");
    map.doubleClickZoom.enable();
    bar.hidden = true;
  }

  function cancel() {
    if (!kind) return;
    stop();
    onCancel();
  }

  return { start, cancel, active: () => kind !== null };
}

function button(text, className, onClick) {
  const node = el("button", { type: "button", class: `draw-button ${className}` }, text);
  node.addEventListener("click", onClick);
  return node;
}

function round(value) {
  return Math.round(value * 1e6) / 1e6;
}
