// The consultation's published opinions and their answers: a layer that can be switched on
// ("Published opinions") and a list for the opinion panel. Opinions on a section, on the plan
// as a whole or on a feature of a tiles-only layer have no place on the map; they are listed
// only. Every text goes in as a text node (see lib/dom.js).

import { el, format } from "../lib/dom.js";
import { fetchJson } from "../lib/http.js";

const STANCE_COLOURS = { support: "#1a7f37", oppose: "#b42318", suggest: "#b07d00", question: "#1d4ed8" };
const SHAPE = {
  color: "#5f3dc4",
  weight: 3,
  dashArray: "6 5",
  fillColor: "#d0bfff",
  fillOpacity: 0.3,
};

export function createPublishedComments({ L, map, config, strings }) {
  const toggles = new Set();
  const counts = new Set();
  let collection = null;
  let loading = null;
  let layer = null;
  const byId = new Map();
  let on = false;

  function load() {
    loading ??= fetchJson(config.comments.urls.published, {
      headers: {
        Accept: "application/geo+json, application/json",
        "Accept-Language": config.language,
      },
    })
      .then((body) => {
        collection = body;
        for (const count of counts) count.textContent = `（${body.features.length}）`;
        return body;
      })
      .catch((error) => {
        loading = null;
        throw error;
      });
    return loading;
  }

  function mapLayer() {
    if (layer) return layer;
    const onMap = collection.features.filter((feature) => feature.geometry);
    layer = L.geoJSON(
      { type: "FeatureCollection", features: onMap },
      {
        pane: "published-comments",
        style: (feature) => ({ ...SHAPE, className: classOf(feature) }),
        pointToLayer: (feature, latlng) =>
          L.circleMarker(latlng, {
            pane: "published-comments",
            radius: 9,
            color: "#ffffff",
            weight: 2.5,
            fillColor: STANCE_COLOURS[feature.properties.stance] || "#5f3dc4",
            fillOpacity: 1,
            className: classOf(feature),
          }),
        onEachFeature: (feature, path) => {
          byId.set(feature.id, path);
          path.bindPopup(() => commentCard(feature.properties, strings, "h3"), {
            maxWidth: 300,
            minWidth: 240,
            autoPanPaddingTopLeft: [16, 72],
            autoPanPaddingBottomRight: [16, 40],
          });
          path.on("click", (event) => L.DomEvent.stopPropagation(event));
        },
      },
    );
    return layer;
  }

  async function setOn(value) {
    on = value;
    for (const toggle of toggles) {
      if (toggle.isConnected) toggle.checked = value;
      else toggles.delete(toggle); // a list drawn again has its own
    }
    if (!value) {
      layer?.remove();
      return;
    }
    try {
      await load();
    } catch {
      return; // the list says so; the checkbox stays as the resident left it
    }
    if (on) mapLayer().addTo(map);
  }

  // A checkbox for the layer list or the opinion panel, with the number of opinions; all such
  // checkboxes stay in step.
  function toggle(text) {
    const input = el("input", { type: "checkbox", class: "published-toggle" });
    input.checked = on;
    input.addEventListener("change", () => setOn(input.checked));
    toggles.add(input);
    const number = el("span", { class: "published-count" });
    counts.add(number);
    const label = el(
      "label",
      { class: "layer-toggle published-toggle-label" },
      input,
      el("span", { class: "published-swatch", "aria-hidden": "true" }),
      el("span", { class: "layer-title" }, text),
      number,
    );
    if (collection) number.textContent = `（${collection.features.length}）`;
    return label;
  }

  // The list of published opinions, newest first, filled in when it arrives.
  async function renderList(container) {
    container.replaceChildren(el("p", { class: "panel-loading" }, strings.published_loading));
    try {
      await load();
    } catch {
      container.replaceChildren(
        el("p", { class: "panel-error", role: "alert" }, strings.published_failed),
      );
      return;
    }
    const features = [...collection.features].reverse();
    if (!features.length) {
      container.replaceChildren(el("p", { class: "published-none" }, strings.published_none));
      return;
    }
    const items = features.map((feature) => {
      const card = commentCard(feature.properties, strings, "h4");
      card.dataset.commentId = String(feature.id);
      if (feature.geometry) {
        const show = el(
          "button",
          { type: "button", class: "link-button" },
          strings.published_show_on_map,
        );
        show.addEventListener("click", () => showOnMap(feature.id));
        card.append(el("p", { class: "map-comment-show" }, show));
      }
      return el("li", {}, card);
    });
    const total = format(strings.published_count, { count: features.length });
    container.replaceChildren(
      el("p", { class: "published-total" }, total),
      el("ul", { class: "public-comment-list map-comment-list" }, items),
    );
  }

  async function showOnMap(id) {
    await setOn(true);
    const path = byId.get(id);
    if (!path) return;
    if (path.getBounds) map.fitBounds(path.getBounds(), { maxZoom: 16, padding: [48, 48] });
    else map.setView(path.getLatLng(), Math.max(map.getZoom(), 15));
    path.openPopup();
    path.getPopup()?.getElement()?.querySelector(".map-comment-heading")?.focus();
  }

  return {
    toggle,
    renderList,
    setOn,
    isOn: () => on,
  };
}

function classOf(feature) {
  return `published-comment published-comment-${Number(feature.id)}`;
}

// One opinion: stance, who, when, what about, the text, and the official answer.
export function commentCard(properties, strings, headingTag) {
  const stance = String(properties.stance || "");
  const about = format(strings.about, { target: properties.target?.label || "" });
  const villages = properties.villages?.length
    ? format(strings.villages, { names: properties.villages.join("、") })
    : "";
  return el(
    "article",
    { class: "public-comment map-comment" },
    el(
      headingTag,
      { class: "public-comment-meta map-comment-heading", tabindex: "-1" },
      el("span", { class: `stance stance-${stance}` }, properties.stance_label),
      el("span", {}, properties.name),
      el("span", {}, properties.received),
    ),
    el("p", { class: "map-comment-target" }, about),
    el("p", { class: "map-comment-body" }, properties.body),
    villages ? el("p", { class: "map-comment-villages" }, villages) : null,
    replyPart(properties.reply, strings),
  );
}

function replyPart(reply, strings) {
  if (!reply) return el("p", { class: "map-comment-unanswered" }, strings.not_answered);
  const date = String(reply.answered_at || "").slice(0, 10);
  return el(
    "div",
    { class: "public-reply" },
    el(
      "p",
      { class: "map-comment-result" },
      format(strings.answer, { result: reply.result_label }),
    ),
    el("p", { class: "map-comment-reason" }, reply.reason),
    el("p", { class: "map-comment-date" }, format(strings.answered_on, { date })),
  );
}
