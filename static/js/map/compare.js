// 现状 / 规划: compare two layers by showing one, then the other, in the same place. The
// catalogue does not pair layers, so a pair is found by title (a title with 现状 and the same
// title with 规划, or without 现状); without such a pair the resident picks any two layers.

import { el, format } from "../lib/dom.js";

export function pairOf(catalogue) {
  for (const current of catalogue) {
    if (!current.title.includes("现状")) continue;
    const wanted = [current.title.replace("现状", "规划"), current.title.replace("现状", "")];
    const planned = catalogue.find((layer) => layer !== current && wanted.includes(layer.title));
    if (planned) return [current, planned];
  }
  return null;
}

// container: where the tool goes (the layer panel); setOn(id, on): switches a layer.
export function createCompare(container, catalogue, strings, { setOn }) {
  const drawable = catalogue.filter((layer) => layer.revision?.feature_count !== 0);
  if (drawable.length < 2) return;
  const pair = pairOf(drawable) || [drawable[0], drawable[1]];
  const first = layerSelect("compare-first", pair[0]);
  const second = layerSelect("compare-second", pair[1]);
  const button = el("button", { type: "button", class: "draw-button compare-switch" }, strings.compare);
  const status = el("p", { class: "compare-status", role: "status" });
  let showingFirst = false;
  button.addEventListener("click", async () => {
    const [a, b] = [first.value, second.value];
    if (a === b) {
      status.textContent = strings.compare_same;
      return;
    }
    showingFirst = !showingFirst;
    const shown = showingFirst ? a : b;
    await Promise.all([setOn(a, showingFirst), setOn(b, !showingFirst)]);
    const title = catalogue.find((layer) => layer.collection_id === shown)?.title || "";
    status.textContent = format(strings.compare_show, { layer: title });
  });
  container.append(
    el(
      "details",
      { class: "compare-tool" },
      el("summary", {}, strings.compare),
      el("label", { for: "compare-first" }, strings.compare_first),
      first,
      el("label", { for: "compare-second" }, strings.compare_second),
      second,
      button,
      status,
    ),
  );

  function layerSelect(id, selected) {
    return el(
      "select",
      { id, class: "compare-select", lang: "zh-Hans" },
      drawable.map((layer) =>
        el("option", { value: layer.collection_id, selected: layer === selected }, layer.title),
      ),
    );
  }
}
