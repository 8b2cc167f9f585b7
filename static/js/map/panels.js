// The layer list and the report as panels: bottom sheets on a phone (one at a time), a
// sidebar and a card on a wide screen. Closing a panel gives the focus back to where it was.

const WIDE = window.matchMedia("(min-width: 60rem)");

// onOpen(name): a panel ("layers" or "report") opened, so others that share its place go.
export function createPanels({
  map,
  layerPanel,
  layerButton,
  reportPanel,
  onReportClosed,
  onOpen = () => {},
}) {
  let reportOpener = null;

  function resized() {
    // The sidebar changes the map's width on a wide screen.
    requestAnimationFrame(() => map.invalidateSize());
  }

  function setLayers(open) {
    layerPanel.hidden = !open;
    layerButton.setAttribute("aria-expanded", String(open));
    if (open && !WIDE.matches) reportPanel.hidden = true;
    if (open) onOpen("layers");
    resized();
  }

  const panels = {
    isWide: () => WIDE.matches,
    layersOpen: () => !layerPanel.hidden,
    reportOpen: () => !reportPanel.hidden,
    openLayers() {
      setLayers(true);
      layerPanel.focus();
    },
    closeLayers() {
      setLayers(false);
      layerButton.focus();
    },
    toggleLayers() {
      if (layerPanel.hidden) panels.openLayers();
      else panels.closeLayers();
    },
    openReport({ returnFocusTo } = {}) {
      reportOpener = returnFocusTo || null;
      if (!WIDE.matches && !layerPanel.hidden) setLayers(false);
      reportPanel.hidden = false;
      onOpen("report");
      if (returnFocusTo) reportPanel.focus();
    },
    // Makes room for another panel without moving the focus.
    hideReport() {
      if (reportPanel.hidden) return;
      reportPanel.hidden = true;
      onReportClosed();
    },
    hideLayersOnPhone() {
      if (!WIDE.matches && !layerPanel.hidden) setLayers(false);
    },
    closeReport() {
      reportPanel.hidden = true;
      onReportClosed();
      (reportOpener || map.getContainer()).focus();
      reportOpener = null;
    },
  };

  layerButton.addEventListener("click", panels.toggleLayers);
  layerPanel.querySelector(".panel-close").addEventListener("click", panels.closeLayers);
  reportPanel.querySelector(".panel-close").addEventListener("click", panels.closeReport);
  // Start with the list open where there is room for it, folded away on a phone.
  setLayers(WIDE.matches);
  WIDE.addEventListener("change", (event) => setLayers(event.matches));
  return panels;
}
