// Names written on the map: the town seat, the villages, the rivers and the roads, from the
// name fields of the plan's own layers (front/map.py says which layers and as what). Each kind
// shows from its own zoom, and where names would overlap the more important one wins, so the
// map never turns into a pile of text.

import { el } from "../lib/dom.js";

// minZoom: from which zoom a kind is named; rank: who wins a collision (lower first).
const KINDS = {
  seat: { minZoom: 0, rank: 0 },
  village: { minZoom: 11, rank: 1 },
  river: { minZoom: 12, rank: 2 },
  road: { minZoom: 13, rank: 3 },
};
const GAP = 4; // pixels kept free around a name
const CHAR_WIDTH = { seat: 15, village: 13, river: 12, road: 12 };
const HEIGHT = 18;

// labelled: {collection id: {kind, field}}; features(id): a promise of its FeatureCollection;
// isShown(id): whether the layer's names belong on the map now.
export function createLabels(L, map, { labelled, features, isShown }) {
  const pane = map.createPane("plan-labels");
  pane.style.zIndex = "450"; // above the plan's features, below popups and markers
  pane.style.pointerEvents = "none";
  // The names repeat what the popups and the village search say; screen readers skip them.
  pane.setAttribute("aria-hidden", "true");
  const entries = new Map(); // collection id -> [{marker, kind, latlng, name, shown}]

  async function build(id) {
    const { kind, field } = labelled[id];
    const collection = await features(id);
    const seen = new Map();
    for (const feature of collection.features || []) {
      const name = String(feature.properties?.[field] ?? "").trim();
      const anchor = name ? anchorOf(feature.geometry) : null;
      if (!anchor) continue;
      // One name per road or river, at the middle of its longest piece.
      const previous = seen.get(name);
      if (!previous || anchor.weight > previous.weight) seen.set(name, anchor);
    }
    return [...seen].map(([name, anchor]) => ({
      kind,
      name,
      latlng: L.latLng(anchor.lat, anchor.lng),
      marker: L.marker([anchor.lat, anchor.lng], {
        pane: "plan-labels",
        interactive: false,
        keyboard: false,
        icon: L.divIcon({
          className: `map-label map-label-${kind}`,
          iconSize: null,
          html: el("span", { lang: "zh-Hans" }, name),
        }),
      }),
      shown: false,
    }));
  }

  // Puts each name on the map or takes it off, for the current zoom and view.
  function place() {
    const zoom = map.getZoom();
    const size = map.getSize();
    const taken = [];
    const candidates = [];
    for (const [id, list] of entries) {
      const on = isShown(id);
      for (const entry of list) {
        if (on && zoom >= KINDS[entry.kind].minZoom) candidates.push(entry);
        else hide(entry);
      }
    }
    candidates.sort((a, b) => KINDS[a.kind].rank - KINDS[b.kind].rank);
    for (const entry of candidates) {
      const box = boxOf(entry, map.latLngToContainerPoint(entry.latlng));
      const inView = box.right > 0 && box.left < size.x && box.bottom > 0 && box.top < size.y;
      if (inView && !taken.some((other) => overlaps(box, other))) {
        taken.push(box);
        show(entry);
      } else {
        hide(entry);
      }
    }
  }

  function show(entry) {
    if (!entry.shown) entry.marker.addTo(map);
    entry.shown = true;
  }

  function hide(entry) {
    if (entry.shown) entry.marker.remove();
    entry.shown = false;
  }

  map.on("zoomend moveend resize", place);

  return {
    // Loads the names of layers newly shown, then places every name again.
    async refresh() {
      const wanted = Object.keys(labelled).filter((id) => isShown(id) && !entries.has(id));
      await Promise.all(
        wanted.map(async (id) => {
          try {
            entries.set(id, await build(id));
          } catch {
            entries.set(id, []); // the layer itself reports a failed download
          }
        }),
      );
      place();
    },
  };
}

// Where a name goes: a point's place, or the middle of a line's longest piece; weight ranks
// two features of the same name.
function anchorOf(geometry) {
  if (!geometry) return null;
  if (geometry.type === "Point") {
    const [lng, lat] = geometry.coordinates;
    return { lng, lat, weight: 0 };
  }
  if (geometry.type === "MultiPoint" && geometry.coordinates.length) {
    const [lng, lat] = geometry.coordinates[0];
    return { lng, lat, weight: 0 };
  }
  const parts =
    geometry.type === "LineString"
      ? [geometry.coordinates]
      : geometry.type === "MultiLineString"
        ? geometry.coordinates
        : [];
  let best = null;
  for (const part of parts) {
    const length = lengthOf(part);
    if (!best || length > best.length) best = { part, length };
  }
  return best && best.part.length ? { ...halfway(best.part, best.length), weight: best.length } : null;
}

function lengthOf(coordinates) {
  let length = 0;
  for (let i = 1; i < coordinates.length; i += 1) length += step(coordinates[i - 1], coordinates[i]);
  return length;
}

function step([x1, y1], [x2, y2]) {
  return Math.hypot(x2 - x1, y2 - y1);
}

function halfway(coordinates, length) {
  let left = length / 2;
  for (let i = 1; i < coordinates.length; i += 1) {
    const piece = step(coordinates[i - 1], coordinates[i]);
    if (piece >= left && piece > 0) {
      const t = left / piece;
      const [x1, y1] = coordinates[i - 1];
      const [x2, y2] = coordinates[i];
      return { lng: x1 + (x2 - x1) * t, lat: y1 + (y2 - y1) * t };
    }
    left -= piece;
  }
  const [lng, lat] = coordinates[0];
  return { lng, lat };
}

// The screen box a name takes (estimated from its length: measuring each would cost a layout
// per name). Point names sit to the right of their dot, line names centred on the line.
function boxOf(entry, point) {
  const width = entry.name.length * CHAR_WIDTH[entry.kind] + 8;
  const left = entry.kind === "village" || entry.kind === "seat" ? point.x + 7 : point.x - width / 2;
  return {
    left: left - GAP,
    right: left + width + GAP,
    top: point.y - HEIGHT / 2 - GAP,
    bottom: point.y + HEIGHT / 2 + GAP,
  };
}

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}
