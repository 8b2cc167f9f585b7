// Leaflet.VectorGrid 1.3.0 was written for Leaflet 1.0-1.7; django-leaflet ships 1.9. Two
// gaps matter here, both closed without editing the vendored file:
//
// 1. L.DomEvent.fakeStop was removed in Leaflet 1.8, and VectorGrid's canvas tile renderer
//    calls it on every click on an interactive feature (TypeError). Leaflet 1.9 also marks
//    canvas containers `_leaflet_disable_events`, so the map would never see a click that
//    lands on a canvas tile. The map therefore draws tiles with VectorGrid's SVG renderer
//    (events go through Leaflet's normal `_targets` lookup); the shim below only keeps a
//    canvas renderer, should anyone choose one, from throwing.
// 2. Leaflet 1.9 treats any clicked layer with getLatLng() as a marker and asks for its
//    LatLng; VectorGrid's point symbolizers have getLatLng (from CircleMarker) but no
//    LatLng, which throws on every click on a point from a tile. Those symbolizers lose
//    getLatLng, so the click position is used instead.

export function patchVectorGrid(L) {
  if (!L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = (event) => {
      event._stopped = true;
    };
  }
  const grid = L.VectorGrid && L.VectorGrid.prototype;
  if (!grid || grid._planPortalPatched) return;
  const createLayer = grid._createLayer;
  grid._createLayer = function (feature, pxPerExtent, layerStyle) {
    const symbolizer = createLayer.call(this, feature, pxPerExtent, layerStyle);
    if (feature.type === 1 && symbolizer) symbolizer.getLatLng = null;
    return symbolizer;
  };
  grid._planPortalPatched = true;
}
