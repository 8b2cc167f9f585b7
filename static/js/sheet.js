// The print button of a printable sheet or reply letter: shown only where JavaScript runs
// (the PDF link, or the browser's own print, works without it).
const button = document.querySelector("[data-sheet-print]");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
