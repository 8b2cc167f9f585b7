// Per-layer opacity: one CSS rule per layer on the class every drawn feature of it carries
// (plan-layer-<id>, layers.js), so GeoJSON paths and vector-tile paths alike follow, including
// tiles drawn later.

export function createOpacity() {
  const sheet = document.head.appendChild(document.createElement("style"));
  const values = new Map();
  return {
    set(id, value) {
      if (value >= 1) values.delete(id);
      else values.set(id, value);
      sheet.textContent = [...values]
        .map(([layer, opacity]) => `.plan-layer-${CSS.escape(layer)} { opacity: ${opacity}; }`)
        .join("\n");
    },
  };
}
