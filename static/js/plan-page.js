// The plan page's contents: folded on a phone so the text comes first, and folded again
// after a chapter or section is chosen there. Without JavaScript it simply stays open.
const narrow = window.matchMedia("(max-width: 59.99rem)");
const contents = document.querySelector(".chapter-nav details");

if (contents && narrow.matches) {
  contents.open = false;
  contents.addEventListener("click", (event) => {
    if (event.target.closest("a") && narrow.matches) {
      contents.open = false;
    }
  });
}
