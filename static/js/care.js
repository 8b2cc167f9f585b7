// The care-mode switch in the page header (templates/base.html, front/care.py) without a page
// load: the same cookie the server reads, the class on <html>, the button's pressed state. The
// form still works when this does not run.

const COOKIE = "care";
const YEAR = 365 * 24 * 60 * 60;

const form = document.querySelector("[data-care-switch]");
if (form) {
  const button = form.querySelector("button");
  const mode = form.querySelector('input[name="mode"]');
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const on = !document.documentElement.classList.contains("care");
    document.cookie = on
      ? `${COOKIE}=1; path=/; max-age=${YEAR}; samesite=lax`
      : `${COOKIE}=; path=/; max-age=0; samesite=lax`;
    document.documentElement.classList.toggle("care", on);
    button.setAttribute("aria-pressed", String(on));
    mode.value = on ? "off" : "on";
    // Leaflet measures its controls and popups in pixels: let it measure again.
    window.dispatchEvent(new Event("resize"));
  });
}
