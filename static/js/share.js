// The share controls (分享, templates/front/_share_button.html). Without JavaScript each is a
// link to the share page; here a tap opens the share panel instead: the link, 复制链接, the QR
// code the server draws (/qr.svg) and its PNG to save, and how to send it in WeChat. Where the
// phone has a share sheet (navigator.share), the tap opens it as well.

const panel = document.getElementById("share-panel");

if (panel && typeof panel.showModal === "function") {
  const linkField = panel.querySelector(".share-panel-link");
  const status = panel.querySelector(".share-panel-status");
  const nativeButton = panel.querySelector(".share-panel-native");
  let shared = null;
  let opener = null;

  document.addEventListener("click", (event) => {
    const trigger = event.target.closest("[data-share]");
    if (!trigger) return;
    event.preventDefault();
    open(trigger);
  });

  panel.querySelector(".share-panel-close").addEventListener("click", () => panel.close());
  panel.querySelector(".share-panel-copy").addEventListener("click", copy);
  linkField.addEventListener("focus", () => linkField.select());
  nativeButton.addEventListener("click", () => shareNatively());
  // A tap on the backdrop (outside the panel's box) closes it.
  panel.addEventListener("click", (event) => {
    if (event.target === panel) {
      const box = panel.getBoundingClientRect();
      const inside =
        event.clientX >= box.left &&
        event.clientX <= box.right &&
        event.clientY >= box.top &&
        event.clientY <= box.bottom;
      if (!inside) panel.close();
    }
  });
  panel.addEventListener("close", () => opener?.focus());

  function open(trigger) {
    // The map's address follows its view: share what is in the address bar now.
    const path = trigger.hasAttribute("data-share-current")
      ? window.location.pathname + window.location.search
      : trigger.dataset.sharePath;
    const address = new URL(path, window.location.origin).href;
    shared = { title: titleOf(trigger), url: address };
    opener = trigger;
    panel.querySelector(".share-panel-page").textContent = shared.title;
    linkField.value = address;
    status.textContent = "";
    const query = `?path=${encodeURIComponent(path)}`;
    panel.querySelector(".share-panel-qr-image").src = panel.dataset.qrSvg + query;
    panel.querySelector(".share-panel-png").href = panel.dataset.qrPng + query;
    nativeButton.hidden = typeof navigator.share !== "function";
    panel.showModal();
    shareNatively();
  }

  // The map at a village names the village first ("柳湾村 · 规划地图 · …").
  function titleOf(trigger) {
    const title = trigger.dataset.shareTitle || document.title;
    if (!trigger.hasAttribute("data-share-current")) return title;
    const village = new URLSearchParams(window.location.search).get("village");
    return village && !title.startsWith(village) ? `${village} · ${title}` : title;
  }

  function shareNatively() {
    if (typeof navigator.share !== "function" || !shared) return;
    // Cancelling the share sheet rejects; the panel stays open for the other ways.
    navigator.share(shared).catch(() => {});
  }

  async function copy() {
    try {
      await navigator.clipboard.writeText(linkField.value);
      status.textContent = status.dataset.copied;
    } catch {
      // No Clipboard API (an old WebView, or not allowed): select the text for the phone's
      // own copy menu, and try the old command.
      linkField.focus();
      linkField.select();
      linkField.setSelectionRange(0, linkField.value.length);
      let copied = false;
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
      status.textContent = copied ? status.dataset.copied : status.dataset.select;
    }
  }
}
