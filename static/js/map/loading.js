// The sign over the map until the first plan shapes are drawn. The page renders it ("加载中…",
// role=status) so that it shows while the scripts are still on their way over a slow network;
// this module changes its words when loading is slow or fails, and hides it once a layer is
// drawn. A failure offers a retry: the sign becomes one button that says so.

const SLOW_AFTER_MS = 10000;

export function createLoadingSign(sign, strings) {
  const text = sign.querySelector(".map-loading-text");
  const loadingText = text.textContent;
  let slowTimer = setTimeout(() => showText(strings.loading_slow), SLOW_AFTER_MS);
  let finished = false;

  function showText(words) {
    sign.classList.remove("map-loading-failed");
    text.replaceChildren(words);
  }

  function done() {
    if (finished) return;
    finished = true;
    clearTimeout(slowTimer);
    sign.hidden = true;
  }

  // Loading failed: one button that runs `retry` (which may itself fail again).
  function failed(retry) {
    if (finished) return;
    clearTimeout(slowTimer);
    sign.classList.add("map-loading-failed");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "map-loading-retry";
    button.textContent = strings.loading_failed;
    button.addEventListener("click", () => {
      showText(loadingText);
      slowTimer = setTimeout(() => showText(strings.loading_slow), SLOW_AFTER_MS);
      retry();
    });
    text.replaceChildren(button);
  }

  return { done, failed };
}
