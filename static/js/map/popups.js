// The popup of a plan feature: its layer with its data mark, its name, its attributes (labels
// from the layer's attribute schema; database codes such as 标识码 and 要素代码 folded under
// "详细属性", so residents read names and plain words first), a link to the plan section it
// belongs to and, for a village, to the village's page. Built from text nodes only.

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

// Fields that hold database codes rather than words: identifiers and codes (…DM, …BM).
const CODE_FIELDS = new Set(["BSM", "YSDM"]);
const CODE_LABEL = /代码|编码|标识码/;

function isCodeField(field) {
  const name = String(field.name || "").toUpperCase();
  return (
    CODE_FIELDS.has(name) ||
    name.endsWith("DM") ||
    name.endsWith("BM") ||
    CODE_LABEL.test(field.label || "")
  );
}

// comment: {label, onClick} while the consultation takes opinions ("Comment on this feature").
// villageUrl: the village's page, for a feature of the villages layer.
export function popupContent(layer, properties, strings, { onReport, comment, villageUrl }) {
  const category = categoryOf(layer, properties);
  const heading = el(
    "p",
    { class: "popup-layer" },
    el("span", { lang: DATA_LANG }, layer.title),
    markBadge(layer, strings),
    boundaryLabel(layer, strings),
  );
  const rows = [];
  const codeRows = [];
  for (const field of layer.attribute_schema || []) {
    if (!(field.name in properties)) continue; // tiles carry only the fields the style needs
    let value = textOf(properties[field.name]) || "—";
    if (field.name === layer.category_field) {
      const label = legendLabel(layer, category);
      if (label && label !== value) value = `${value}（${label}）`;
    }
    const row = [el("dt", {}, field.label || field.name), el("dd", {}, value)];
    (isCodeField(field) ? codeRows : rows).push(...row);
  }
  const actions = el("div", { class: "popup-actions" });
  if (villageUrl) {
    actions.append(el("a", { href: villageUrl, class: "popup-village-link" }, strings.village_page));
  }
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
    codeRows.length
      ? el(
          "details",
          { class: "popup-details" },
          el("summary", {}, strings.attribute_details),
          el("dl", { class: "popup-attributes", lang: DATA_LANG }, codeRows),
        )
      : null,
    actions,
  );
}

function textOf(value) {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}
