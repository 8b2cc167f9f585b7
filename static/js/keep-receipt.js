// The "keep this code on this device" offer on the receipt page and after sending an opinion.
// The offer is in the page (hidden without JavaScript, which it needs); its texts are in its
// data attributes, translated by the server.
//
//   wireKeepOffer(element)   // an element made by _keep_receipt.html or keepOffer()
//   keepOffer(code, strings, myOpinionsUrl) -> element (for the form sent with JavaScript)

import { el } from "./lib/dom.js";
import { isKept, keepCode } from "./kept-receipts.js";

export function wireKeepOffer(box) {
  const code = box.dataset.keepReceipt;
  const button = box.querySelector("[data-keep-button]");
  const status = box.querySelector("[data-keep-status]");
  const show = (kept) => {
    button.disabled = kept;
    button.textContent = kept ? box.dataset.keptLabel : box.dataset.keepLabel;
  };
  show(isKept(code));
  button.addEventListener("click", () => {
    const kept = keepCode(code);
    show(kept);
    status.textContent = kept ? box.dataset.keptStatus : box.dataset.keepFailed;
  });
  box.hidden = false;
}

export function keepOffer(code, strings, myOpinionsUrl) {
  const box = el(
    "div",
    {
      class: "keep-receipt",
      "data-keep-receipt": code,
      "data-keep-label": strings.keep_on_device,
      "data-kept-label": strings.kept_on_device,
      "data-kept-status": strings.kept_status,
      "data-keep-failed": strings.keep_failed,
    },
    el("button", { type: "button", class: "keep-receipt-button", "data-keep-button": "" }),
    el("a", { href: myOpinionsUrl, class: "keep-receipt-link" }, strings.my_opinions),
    el("p", { class: "keep-receipt-status", role: "status", "data-keep-status": "" }),
  );
  wireKeepOffer(box);
  return box;
}

for (const box of document.querySelectorAll("[data-keep-receipt][hidden]")) wireKeepOffer(box);
