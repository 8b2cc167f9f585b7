// Opinions on the map: the "Give your opinion" button opens a panel (a bottom sheet on a phone,
// the whole map for the form itself; a card on a wide screen) that offers what an opinion can
// be about - a point, a line or an area drawn on the map, the map centre, the plan as a whole -
// and lists the published opinions. A feature's popup and the point report lead here too.
//
// The form is the consultation's own module (static/js/comment-form.js, its address from the
// page config); this file only chooses its target and shows the receipt's way back.

import { el, svgEl } from "../lib/dom.js";
import { createDrawing } from "./draw.js";
import { createPublishedComments } from "./published.js";

const DRAFT = { color: "#7048e8", weight: 3, fillColor: "#b197fc", fillOpacity: 0.3 };

export function createComments({ L, map, config, canvas, layerPanel, onOpen }) {
  const strings = config.comment_strings;
  const isOpen = Boolean(config.comments.is_open);
  const showsPublished = Boolean(config.shows_published_comments);
  map.createPane("comment-draft").style.zIndex = "620";
  map.createPane("published-comments").style.zIndex = "615";

  const published = showsPublished ? createPublishedComments({ L, map, config, strings }) : null;
  if (published) addLayerToggle(layerPanel, published, strings);

  const fab = el(
    "button",
    {
      type: "button",
      class: "map-button comment-fab",
      id: "comment-panel-button",
      "aria-expanded": "false",
      "aria-controls": "comment-panel",
    },
    bubbleIcon(),
    el("span", {}, isOpen ? strings.open_panel : strings.published_layer),
  );
  const title = el(
    "h2",
    { id: "comment-panel-title" },
    isOpen ? strings.panel_title : strings.published_layer,
  );
  const closeButton = el(
    "button",
    { type: "button", class: "icon-button panel-close", "aria-label": strings.close },
    "×",
  );
  const body = el("div", { class: "panel-body" });
  const panel = el(
    "section",
    {
      id: "comment-panel",
      class: "panel comment-panel",
      "aria-labelledby": title.id,
      tabindex: "-1",
    },
    el("div", { class: "panel-header" }, title, closeButton),
    body,
  );
  panel.hidden = true;
  canvas.append(fab, panel);
  fab.addEventListener("click", () => (panel.hidden ? show() : hide()));
  closeButton.addEventListener("click", () => hide());

  const drawing = isOpen
    ? createDrawing({
        L,
        map,
        container: canvas,
        config,
        strings,
        onDone: drawn,
        onCancel: drawingCancelled,
      })
    : null;
  let draft = null;
  let view = null; // "menu" | "form"
  let lastDrawing = null; // what "Draw the place again" draws
  let formModule = null;

  // -- the panel -------------------------------------------------------------------------

  function show({ focus = panel } = {}) {
    if (!view) showMenu();
    panel.hidden = false;
    fab.setAttribute("aria-expanded", "true");
    onOpen();
    focus?.focus();
  }

  function hide({ returnFocus = true } = {}) {
    if (panel.hidden) return;
    const hadFocus = panel.contains(document.activeElement);
    panel.hidden = true;
    fab.setAttribute("aria-expanded", "false");
    if (returnFocus && hadFocus) fab.focus();
  }

  function showMenu() {
    view = "menu";
    panel.classList.remove("is-form");
    clearDraft();
    const parts = [];
    if (isOpen) {
      const actions = [
        ["draw_point", () => startDrawing("point")],
        ["draw_line", () => startDrawing("line")],
        ["draw_polygon", () => startDrawing("polygon")],
        ["centre_point", () => startDrawing("point", { focusCentre: true })],
        ["whole_plan", () => openForm(null)],
      ].map(([key, action]) => {
        const button = el(
          "button",
          { type: "button", class: "comment-action", "data-action": key },
          strings[key],
        );
        button.addEventListener("click", action);
        return el("li", {}, button);
      });
      parts.push(
        el("p", { class: "comment-choose" }, strings.choose),
        el("ul", { class: "comment-actions-list" }, actions),
        el("p", { class: "comment-feature-hint" }, strings.feature_hint),
      );
    } else {
      parts.push(el("p", { class: "comment-closed-note" }, strings.not_open));
    }
    if (published) {
      const list = el("div", { class: "published-list" });
      parts.push(
        el(
          "section",
          { class: "published-section", "aria-labelledby": "published-section-title" },
          el("h3", { id: "published-section-title" }, strings.published_layer),
          published.toggle(strings.published_show_all),
          list,
        ),
      );
      published.renderList(list);
    }
    body.replaceChildren(...parts);
  }

  // -- drawing ---------------------------------------------------------------------------

  function startDrawing(kind, { focusCentre = false, redraw = false } = {}) {
    hide({ returnFocus: false });
    canvas.classList.add("is-drawing");
    lastDrawing = kind;
    if (!redraw) clearDraft();
    drawing.start(kind).then(() => {
      if (focusCentre) canvas.querySelector(".draw-bar .draw-centre")?.focus();
    });
  }

  function drawn({ geometry }) {
    canvas.classList.remove("is-drawing");
    showDraft(geometry);
    const form = currentForm();
    if (view === "form" && form?.elements.geometry && form.elements.geometry.value) {
      // Drawn again for the form in progress: its text, consents and timer stay.
      form.elements.geometry.value = JSON.stringify(geometry);
      show({ focus: form.elements.body });
      keepDraftInSight();
      return;
    }
    openForm({ geometry });
  }

  function drawingCancelled() {
    canvas.classList.remove("is-drawing");
    show({ focus: view === "form" ? body.querySelector(".comment-redraw") : panel });
  }

  function showDraft(geometry) {
    clearDraft();
    draft = L.geoJSON(geometry, {
      pane: "comment-draft",
      interactive: false,
      style: () => ({ ...DRAFT, className: "comment-draft" }),
      pointToLayer: (_feature, latlng) =>
        L.circleMarker(latlng, {
          pane: "comment-draft",
          interactive: false,
          radius: 10,
          color: "#ffffff",
          weight: 3,
          fillColor: "#7048e8",
          fillOpacity: 1,
          className: "comment-draft",
        }),
    }).addTo(map);
  }

  // On a wide screen the form is a card over the right of the map: the drawn place moves
  // clear of it. (On a phone the form covers the map; the place is seen again afterwards.)
  function keepDraftInSight() {
    if (!draft) return;
    const mapBox = map.getContainer().getBoundingClientRect();
    const card = panel.getBoundingClientRect();
    if (card.height >= mapBox.height - 1) return;
    const centre = map.latLngToContainerPoint(draft.getBounds().getCenter());
    const x = centre.x + mapBox.left;
    const margin = 48;
    if (x > card.left - margin && x < card.right + margin) {
      map.panBy([x - (card.left - margin), 0]);
    }
  }

  function clearDraft() {
    draft?.remove();
    draft = null;
  }

  // -- the form --------------------------------------------------------------------------

  async function openForm(target) {
    view = "form";
    panel.classList.add("is-form");
    const back = el(
      "button",
      { type: "button", class: "link-button comment-back" },
      `← ${strings.back}`,
    );
    back.addEventListener("click", () => {
      showMenu();
      panel.focus();
    });
    const tools = el("div", { class: "comment-form-tools" }, back);
    if (target?.geometry) {
      const redraw = el(
        "button",
        { type: "button", class: "link-button comment-redraw" },
        strings.redraw,
      );
      redraw.addEventListener("click", () =>
        startDrawing(lastDrawing || "point", { redraw: true }),
      );
      tools.append(redraw);
    } else {
      clearDraft();
    }
    const slot = el("div", { class: "comment-form-slot" });
    body.replaceChildren(tools, slot);
    show({ focus: null });
    keepDraftInSight();
    slot.addEventListener("comment:submitted", () => {
      const done = el("button", { type: "button", class: "comment-done" }, strings.done);
      done.addEventListener("click", () => {
        showMenu();
        hide();
      });
      body.querySelector(".comment-redraw")?.remove();
      slot.after(done);
    });
    try {
      formModule ??= await import(config.urls.comment_form_module);
      await formModule.openCommentForm({ target, container: slot, config: config.comments });
    } catch {
      // comment-form.js has said so in the slot; "Back" still works.
    }
  }

  function currentForm() {
    return body.querySelector("form[data-comment-form]");
  }

  // -- ways in from elsewhere on the map -------------------------------------------------

  function commentOnFeature({ layer, featureId, featureName }) {
    if (!isOpen || featureId === undefined || featureId === null) return;
    map.closePopup();
    openForm({ collectionId: layer.collection_id, featureId, featureName });
  }

  function commentAt(latlng) {
    if (!isOpen) return;
    const geometry = {
      type: "Point",
      coordinates: [Math.round(latlng.lng * 1e6) / 1e6, Math.round(latlng.lat * 1e6) / 1e6],
    };
    lastDrawing = "point";
    showDraft(geometry);
    openForm({ geometry });
  }

  // Escape: first the drawing, then the panel (which keeps what was typed).
  function onEscape() {
    if (drawing?.active()) {
      drawing.cancel();
      return true;
    }
    if (!panel.hidden) {
      hide();
      return true;
    }
    return false;
  }

  return {
    isOpen,
    drawingActive: () => Boolean(drawing?.active()),
    panelOpen: () => !panel.hidden,
    hide,
    commentOnFeature,
    commentAt,
    onEscape,
  };
}

function addLayerToggle(layerPanel, published, strings) {
  const row = el(
    "div",
    { class: "published-layer-row", role: "group", "aria-label": strings.published_group },
    published.toggle(strings.published_layer),
  );
  layerPanel.querySelector(".panel-header").after(row);
}

function bubbleIcon() {
  const bubble = [
    "M3 3h14a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H9l-4 3.5V14H3a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1Z",
    "m3 4v1.6h8V7H6Zm0 3v1.6h5V10H6Z",
  ].join("");
  return svgEl(
    "svg",
    { "aria-hidden": "true", viewBox: "0 0 20 20", width: "18", height: "18" },
    svgEl("path", { d: bubble, fill: "currentColor" }),
  );
}
