// Leaflet path styles of plan features: the layer's style merged with the legend entry of
// the feature's category, and the small legend swatches drawn from the same styles.

import { svgEl } from "../lib/dom.js";

const BASE = {
  Polygon: { color: "#4b5563", weight: 1.5, fillColor: "#9ca3af", fillOpacity: 0.35 },
  LineString: { color: "#4b5563", weight: 2.5 },
  Point: { color: "#ffffff", weight: 1.5, fillColor: "#4b5563", fillOpacity: 1, radius: 6 },
};

function legendEntry(layer, category) {
  if (category === undefined || category === null || category === "") return null;
  return (layer.legend || []).find((entry) => String(entry.value) === String(category)) || null;
}

export function legendLabel(layer, category) {
  const entry = legendEntry(layer, category);
  return entry ? entry.label || "" : "";
}

// The style of one feature, ready for L.Path / VectorGrid symbolizers. VectorGrid starts
// from L.Path defaults (fill: false), so the fill flag is always set explicitly.
export function featureStyle(layer, category) {
  const type = layer.geometry_type;
  const style = { ...BASE[type], ...layer.style, ...(legendEntry(layer, category)?.style || {}) };
  if (type === "LineString") {
    style.fill = false;
  } else if (type === "Polygon") {
    // An outline-only polygon (镇域范围, 城镇开发边界) must not swallow taps inside it: those
    // belong to the point report. Only its edge stays clickable.
    style.fill = style.fill !== false && Number(style.fillOpacity ?? 0.2) > 0;
  } else {
    style.fill = true;
  }
  style.fillColor = style.fillColor || style.color;
  return style;
}

// A 22x16 picture of a style: a filled square, a line, or a dot.
export function swatch(type, style) {
  const attrs = {
    stroke: style.color || "none",
    "stroke-width": Math.min(Number(style.weight ?? 1.5), 4),
    "stroke-dasharray": style.dashArray ? shortDash(style.dashArray) : null,
  };
  let shape;
  if (type === "LineString") {
    shape = svgEl("line", { x1: 1, y1: 8, x2: 21, y2: 8, ...attrs, "stroke-linecap": "round" });
  } else if (type === "Point") {
    shape = svgEl("circle", {
      cx: 11,
      cy: 8,
      r: 5.5,
      ...attrs,
      fill: style.fillColor || style.color,
      "fill-opacity": style.fillOpacity ?? 1,
      "stroke-width": 1.5,
    });
  } else {
    shape = svgEl("rect", {
      x: 2,
      y: 2,
      width: 18,
      height: 12,
      rx: 1.5,
      ...attrs,
      fill: style.fill === false ? "none" : style.fillColor || style.color,
      "fill-opacity": style.fill === false ? 0 : Math.max(Number(style.fillOpacity ?? 0.35), 0.25),
    });
  }
  return svgEl(
    "svg",
    { class: "swatch", width: 22, height: 16, viewBox: "0 0 22 16", "aria-hidden": "true" },
    shape,
  );
}

// Dashes scaled down so a pattern is still recognisable in a 22 px swatch.
function shortDash(dashArray) {
  return String(dashArray)
    .split(/[ ,]+/)
    .map((n) => Math.max(1, Math.round(Number(n) / 2)))
    .join(" ");
}
