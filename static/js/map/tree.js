// The layer list: one group per chapter, each layer a checkbox with its legend swatch, a
// badge on demonstration and schematic data, its categories, and a hint when it needs a
// closer zoom.

import { DATA_LANG, el, format } from "../lib/dom.js";
import { boundaryLabel, markBadge } from "./marks.js";
import { featureStyle, swatch } from "./styles.js";

export function buildTree(container, catalogue, strings, { onToggle, onZoomTo, onOpacity }) {
  const items = new Map();
  container.replaceChildren();
  for (const group of groupByChapter(catalogue, strings)) {
    const headingId = `layer-group-${group.key}`;
    const list = el("ul", { class: "layer-list" });
    for (const layer of group.layers) {
      const item = layerItem(layer, strings, { onToggle, onZoomTo, onOpacity });
      items.set(layer.collection_id, item);
      list.append(item.node);
    }
    container.append(
      el(
        "div",
        { class: "layer-group", role: "group", "aria-labelledby": headingId },
        el("h3", { id: headingId }, group.title),
        list,
      ),
    );
  }
  return {
    setChecked(id, checked) {
      const item = items.get(id);
      if (!item) return;
      item.checkbox.checked = checked;
      item.syncOpacity();
    },
    setFailed(id, message) {
      items.get(id)?.node.append(el("p", { class: "layer-hint panel-error" }, message));
    },
    markFocus(ids) {
      for (const [id, item] of items) item.node.classList.toggle("in-focus", ids.includes(id));
    },
    updateZoom(zoom) {
      for (const item of items.values()) item.updateZoom(zoom);
    },
  };
}

function groupByChapter(catalogue, strings) {
  const groups = new Map();
  for (const layer of catalogue) {
    const key = layer.chapter ? String(layer.chapter.number) : "other";
    if (!groups.has(key)) {
      const title = layer.chapter
        ? `${format(strings.chapter, { number: layer.chapter.number })} ${layer.chapter.title}`
        : strings.other_layers;
      groups.set(key, { key, title, layers: [] });
    }
    groups.get(key).layers.push(layer);
  }
  // Chapters in order, layers without a chapter last.
  return [...groups.values()].sort((a, b) => orderOf(a.key) - orderOf(b.key));
}

function orderOf(key) {
  return key === "other" ? Number.MAX_SAFE_INTEGER : Number(key);
}

function layerItem(layer, strings, { onToggle, onZoomTo, onOpacity }) {
  const id = layer.collection_id;
  const checkbox = el("input", { type: "checkbox", "data-layer": id, id: `layer-${id}` });
  // A layer's opacity, shown while it is on: to see what lies under a filled area.
  const slider = el("input", {
    type: "range",
    class: "layer-opacity",
    min: 10,
    max: 100,
    step: 10,
    value: 100,
    "data-opacity-for": id, // not data-layer: that names the layer's checkbox
    "aria-label": format(strings.opacity, { layer: layer.title }),
  });
  slider.addEventListener("input", () => onOpacity(id, Number(slider.value) / 100));
  const opacityRow = el("p", { class: "layer-opacity-row", hidden: true }, slider);
  const syncOpacity = () => {
    opacityRow.hidden = !checkbox.checked;
  };
  checkbox.addEventListener("change", () => {
    syncOpacity();
    onToggle(id, checkbox.checked);
  });
  const legend = layer.legend || [];
  const node = el(
    "li",
    { class: "layer-item", "data-layer": id },
    el(
      "label",
      { class: "layer-toggle", for: `layer-${id}` },
      checkbox,
      swatch(layer.geometry_type, featureStyle(layer, legend.length === 1 ? legend[0].value : "")),
      el(
        "span",
        { class: "layer-title", lang: DATA_LANG },
        layer.title,
        boundaryLabel(layer, strings),
      ),
      markBadge(layer, strings),
    ),
  );
  if (legend.length > 1) {
    node.append(
      el(
        "ul",
        { class: "legend-list", lang: DATA_LANG },
        legend.map((entry) =>
          el(
            "li",
            {},
            swatch(layer.geometry_type, featureStyle(layer, entry.value)),
            entry.label || String(entry.value),
          ),
        ),
      ),
    );
  }
  if (layer.revision && layer.revision.feature_count === 0) {
    // An empty layer is a statement of the plan (e.g. no 生态保护红线 in this town).
    node.append(
      el("p", { class: "layer-note", lang: DATA_LANG }, layer.description || strings.no_features),
    );
  }
  const about = [
    layer.revision?.feature_count === 0 ? "" : layer.description,
    layer.source_note ? `${strings.source}${layer.source_note}` : "",
  ].filter(Boolean);
  if (about.length) {
    node.append(
      el(
        "details",
        { class: "layer-about" },
        el("summary", {}, strings.about_layer),
        about.map((text) => el("p", { lang: DATA_LANG }, text)),
      ),
    );
  }
  const zoomButton = el("button", { type: "button", class: "link-button" }, strings.zoom_in);
  zoomButton.addEventListener("click", () => onZoomTo(layer.min_zoom));
  const hint = el(
    "p",
    { class: "layer-hint", hidden: true },
    format(strings.zoom_in_to_see, { zoom: layer.min_zoom }),
    " ",
    zoomButton,
  );
  node.append(hint, opacityRow);
  return {
    node,
    checkbox,
    syncOpacity,
    updateZoom(zoom) {
      hint.hidden = !(checkbox.checked && layer.min_zoom && zoom < layer.min_zoom);
    },
  };
}
