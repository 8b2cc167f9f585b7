// Village search: finds villages of the villages layer by name and takes the map there.
// Keyboard: type, Enter takes the first match, arrows move through the list, Escape closes.
// `?village=<name>` (the portal's search across plans links so) shows that village at once.

import { DATA_LANG, el, format } from "../lib/dom.js";
import { categoryOf } from "./layers.js";
import { legendLabel } from "./styles.js";

const MAX_RESULTS = 8;

export async function setUpVillageSearch({ form, layers, layerId, strings, onChoose }) {
  const input = form.querySelector("input");
  const results = form.querySelector("ul");
  const status = form.querySelector("[role=status]");
  const layer = layerId ? layers.get(layerId) : null;
  if (!layer || layer.delivery !== "geojson") {
    form.hidden = true; // tiles-only villages have no coordinates to search
    return;
  }
  let villages;
  try {
    const collection = await layers.features(layerId);
    villages = collection.features
      .map((feature) => ({
        feature,
        name: String(feature.properties?.[layer.name_field] ?? "").trim(),
        kind: legendLabel(layer, categoryOf(layer, feature.properties)),
      }))
      .filter((village) => village.name)
      .sort((a, b) => a.name.localeCompare(b.name, "zh-Hans-CN"));
  } catch {
    form.hidden = true;
    return;
  }
  input.disabled = false;

  function matches() {
    const query = input.value.trim().toLowerCase();
    if (!query) return [];
    const found = villages.filter((village) => village.name.toLowerCase().includes(query));
    // The exact name first, then names that start with the query: "河" finds 河北村 before
    // 西河底村.
    const rank = (village) => {
      const name = village.name.toLowerCase();
      return name === query ? -1 : name.indexOf(query);
    };
    found.sort((a, b) => rank(a) - rank(b));
    return found;
  }

  function close() {
    results.hidden = true;
    results.replaceChildren();
  }

  function choose(village) {
    close();
    input.value = village.name;
    onChoose(layer, village.feature);
  }

  function update() {
    const found = matches();
    results.replaceChildren(
      ...found.slice(0, MAX_RESULTS).map((village) => {
        const button = el(
          "button",
          { type: "button", lang: DATA_LANG },
          village.name,
          village.kind ? el("span", { class: "result-note" }, village.kind) : null,
        );
        button.addEventListener("click", () => choose(village));
        return el("li", {}, button);
      }),
    );
    results.hidden = found.length === 0;
    if (input.value.trim()) {
      status.textContent = found.length
        ? format(strings.search_found, { count: found.length })
        : strings.search_none;
    } else {
      status.textContent = "";
    }
    return found;
  }

  input.addEventListener("input", update);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const first = update()[0];
    if (first) choose(first);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && !results.hidden) {
      event.preventDefault();
      results.querySelector("button")?.focus();
    }
  });
  results.addEventListener("keydown", (event) => {
    const buttons = [...results.querySelectorAll("button")];
    const index = buttons.indexOf(document.activeElement);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      const next = index + step;
      if (next < 0) input.focus();
      else buttons[Math.min(next, buttons.length - 1)].focus();
    }
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !results.hidden) {
      event.stopPropagation();
      close();
      input.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!form.contains(event.target)) close();
  });

  const asked = new URLSearchParams(window.location.search).get("village");
  const village = asked && villages.find((candidate) => candidate.name === asked.trim());
  if (village) choose(village);
}
