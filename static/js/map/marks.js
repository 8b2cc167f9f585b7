// What a layer's data is, wherever a layer is named on the map (layer list, popup): a badge
// for its data mark (SJZT: 演示数据 or 示意; official data has none) and, for a township
// outline that is not the official boundary, the words 示意范围（非法定界线） beside its title.

import { el } from "../lib/dom.js";

// The SJZT values of layers/models.py (DEMO_MARK and the schematic DATA_MARKS value).
const DEMO_MARK = "演示数据";
const SCHEMATIC_MARK = "示意";

export function markBadge(layer, strings) {
  if (layer.data_mark === DEMO_MARK || (layer.is_demo && !layer.data_mark)) {
    return el("span", { class: "badge-demo" }, strings.demo_badge);
  }
  if (layer.data_mark === SCHEMATIC_MARK) {
    return el("span", { class: "badge-demo badge-schematic" }, strings.schematic_badge);
  }
  return null;
}

// Part of the layer's title, so nobody reads the outline without it.
export function boundaryLabel(layer, strings) {
  if (!layer.is_approximate_boundary) return null;
  return el("span", { class: "boundary-label" }, strings.boundary_label);
}
