// The popup of a plan feature: its layer with its data mark, its name, its attributes (labels
// from the layer's attribute schema) and a link to the plan section it belongs to. Built from
// text nodes only.

import { DATA_LANG, el, format } from "../lib/dom.js";
import { categoryOf } from "./layers.js";
import { boundaryLabel, markBadge } from "./marks.js";
import { legendLabel } from "./styles.js";

export function featureTitle(layer, properties) {
  const name = layer.name_field ? properties[layer.name_field] : properties.name;
  return (
    textOf(name) ||
    textOf(properties.name) ||
    legendLabel(layer, categoryOf(layer, properties)) ||
    layer.title
  );
}

// comment: {label, onClick} while the consultation takes opinions ("Comment on this feature").
export function popupContent(layer, properties, strings, { onReport, comment }) {
  const category = categoryOf(layer, properties);
  const heading = el(
    "p",
    { class: "popup-layer" },
    el("span", { lang: DATA_LANG }, layer.title),
    markBadge(layer, strings),
    boundaryLabel(layer, strings),
  );
  const rows = [];
  for (const field of layer.attribute_schema || []) {
    if (!(field.name in properties)) continue; // tiles carry only the fields the style needs
    let value = textOf(properties[field.name]) || "—";
    if (field.name === layer.category_field) {
      const label = legendLabel(layer, category);
      if (label && label !== value) value = `${value}（${label}）`;
    }
    rows.push(el("dt", {}, field.label || field.name), el("dd", {}, value));
  }
  const actions = el("div", { class: "popup-actions" });
  if (layer.section) {
    const section = `${layer.section.number} ${layer.section.title}`;
    actions.append(
      el("a", { href: layer.section.url }, format(strings.read_section, { section })),
    );
  }
  const report = el("button", { type: "button" }, strings.report_here);
  report.addEventListener("click", onReport);
  actions.append(report);
  if (comment) {
    const button = el("button", { type: "button", class: "popup-comment" }, comment.label);
    button.addEventListener("click", comment.onClick);
    actions.append(button);
  }
  return el(
    "div",
    { class: "feature-popup" },
    heading,
    el("h3", { class: "popup-title", lang: DATA_LANG }, featureTitle(layer, properties)),
    rows.length ? el("dl", { class: "popup-attributes", lang: DATA_LANG }, rows) : null,
    actions,
  );
}

function textOf(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
