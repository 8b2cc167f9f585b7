// "打印当前地图": opens the printable sheet of what the map shows now (front/sheets/): the
// layers that are on and the view's bounds. The server draws the sheet and its PDF, so the
// result is the same on every phone; Leaflet itself is never printed.

// buttons: the page's print buttons (one beside the legend, one in the layer panel).
export function setUpPrint(buttons, { url, map, catalogue, isOn }) {
  if (!url) return;
  for (const button of buttons) {
    button.hidden = false;
    button.addEventListener("click", () => {
      window.location.assign(printUrl(url, map, catalogue, isOn));
    });
  }
}

export function printUrl(url, map, catalogue, isOn) {
  const bounds = map.getBounds();
  const bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()];
  const layers = catalogue.filter((layer) => isOn(layer.collection_id));
  const params = new URLSearchParams({
    layers: layers.map((layer) => layer.collection_id).join(","),
    bbox: bbox.map((value) => value.toFixed(5)).join(","),
    paper: "a4",
    orient: "landscape",
  });
  return `${url}?${params}`;
}
