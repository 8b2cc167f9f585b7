// The map's address keeps its view, so that a shared or reloaded link opens the same map:
//   ?village=柳湾村     the village chosen from the search or a village's popup
//   &section=3.3        the section the map was opened for (main.js focuses it)
//   &layers=a,b,c       the layers switched on (all of them: an empty list is "none")
//   &lat=&lon=&zoom=    the centre and zoom
// The address is rewritten with history.replaceState a moment after the view settles (never
// pushState: the back button leaves the map rather than stepping through every pan).
// `?layer=<id>&lon=&lat=` (the portal's search) and `#section-3-3` are read by main.js as before.

const WRITE_DELAY = 400;
const OWN_KEYS = ["village", "section", "layers", "lat", "lon", "zoom"];

export function createViewState({ map, catalogue, villageLayer, isOn, setOn }) {
  const asked = readView(window.location, catalogue);
  let village = asked.village;
  let section = asked.section;
  let started = false;
  let timer = null;

  // The layers to draw first: the address's list when it has one, else the page's defaults.
  function firstLayers(defaults) {
    return new Set(asked.layers ?? defaults);
  }

  // After main.js has drawn the first view (section, feature, village): the address's exact
  // layers and view win, then every change is written back.
  async function restore() {
    if (asked.layers) {
      const wanted = new Set(asked.layers);
      await Promise.all(
        catalogue
          .map((layer) => layer.collection_id)
          .filter((id) => wanted.has(id) !== isOn(id))
          .map((id) => setOn(id, wanted.has(id))),
      );
    }
    if (asked.view) map.setView([asked.view.lat, asked.view.lon], asked.view.zoom, { animate: false });
    started = true;
    map.getContainer().dataset.viewRestored = "true";
    map.on("moveend", changed);
    write();
  }

  function changed() {
    if (!started) return;
    clearTimeout(timer);
    timer = setTimeout(write, WRITE_DELAY);
  }

  function write() {
    const url = new URL(window.location.href);
    const params = url.searchParams;
    for (const key of [...OWN_KEYS, "layer"]) params.delete(key);
    if (village) params.set("village", village);
    if (section) params.set("section", section);
    else if (/^#(section|chapter)-/.test(url.hash)) url.hash = "";
    const on = catalogue.map((layer) => layer.collection_id).filter((id) => isOn(id));
    params.set("layers", on.join(","));
    const centre = map.getCenter();
    params.set("lat", centre.lat.toFixed(5));
    params.set("lon", centre.lng.toFixed(5));
    params.set("zoom", String(map.getZoom()));
    const next = url.pathname + url.search.replaceAll("%2C", ",") + url.hash;
    const now = window.location.pathname + window.location.search + window.location.hash;
    if (next !== now) window.history.replaceState(window.history.state, "", next);
  }

  return {
    firstLayers,
    restore,
    changed,
    // A feature's popup opened: a village's (from the search or a tap) becomes the address's.
    popupOpened(layer, properties) {
      if (layer.collection_id !== villageLayer) return;
      const name = String(properties?.[layer.name_field] ?? "").trim();
      if (name) village = name;
      changed();
    },
    setSection(number) {
      section = number || null;
      changed();
    },
  };
}

function readView(location, catalogue) {
  const params = new URLSearchParams(location.search);
  const known = new Set(catalogue.map((layer) => layer.collection_id));
  const list = params.get("layers");
  const lat = Number.parseFloat(params.get("lat"));
  const lon = Number.parseFloat(params.get("lon"));
  const zoom = Number.parseFloat(params.get("zoom"));
  const hasView = [lat, lon, zoom].every(Number.isFinite) && Math.abs(lat) <= 90;
  return {
    village: params.get("village")?.trim() || null,
    section: params.get("section") || null,
    layers: list === null ? null : list.split(",").filter((id) => known.has(id)),
    view: hasView && Math.abs(lon) <= 180 ? { lat, lon, zoom } : null,
  };
}
