// The print button of a printable sheet: shown only where JavaScript runs (the PDF link
// works without it).
const button = document.querySelector("[data-sheet-print]");
if (button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
