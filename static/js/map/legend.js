// The legend on the map: the layers that are on, in drawing order, each with its swatch and
// its categories. Open on a wide screen; folded to a "图例" button on a phone, where it would
// cover the map.

import { DATA_LANG, el } from "../lib/dom.js";
import { featureStyle, swatch } from "./styles.js";

const WIDE = window.matchMedia("(min-width: 60rem)");

// details: the <details class="map-legend"> of the page; isOn(id): whether a layer is drawn.
export function createLegend(details, catalogue, strings, { isOn, note = "" }) {
  const body = details.querySelector(".map-legend-body");
  details.open = WIDE.matches;
  WIDE.addEventListener("change", (event) => {
    details.open = event.matches;
  });
  const footnote = note ? el("p", { class: "map-legend-note" }, note) : null;

  return {
    update() {
      const on = catalogue.filter((layer) => isOn(layer.collection_id));
      const list = el(
        "ul",
        { class: "map-legend-list", lang: DATA_LANG },
        on.map((layer) => legendItem(layer)),
      );
      body.replaceChildren(
        on.length ? list : el("p", { class: "map-legend-empty" }, strings.legend_empty),
        footnote,
      );
    },
  };
}

function legendItem(layer) {
  const legend = layer.legend || [];
  const single = legend.length === 1 ? legend[0].value : "";
  return el(
    "li",
    { "data-layer": layer.collection_id },
    el(
      "span",
      { class: "map-legend-row" },
      swatch(layer.geometry_type, featureStyle(layer, single)),
      layer.title,
    ),
    legend.length > 1
      ? el(
          "ul",
          { class: "map-legend-categories" },
          legend.map((entry) =>
            el(
              "li",
              { class: "map-legend-row" },
              swatch(layer.geometry_type, featureStyle(layer, entry.value)),
              entry.label || String(entry.value),
            ),
          ),
        )
      : null,
  );
}
