// The plan page's "comment on this section" links: without JavaScript they open the comment
// form as a page; here they open it in place, under the section, and close it again.

import { openCommentForm } from "./comment-form.js";

const configElement = document.getElementById("comment-config");
const config = configElement ? JSON.parse(configElement.textContent) : null;

if (config?.is_open) {
  document.addEventListener("click", async (event) => {
    const link = event.target.closest("a[data-comment-open]");
    if (!link) return;
    const slot = link.closest("[data-comment-entry]")?.querySelector("[data-comment-slot]");
    if (!slot) return;
    event.preventDefault();
    if (link.getAttribute("aria-expanded") === "true") {
      slot.replaceChildren();
      link.setAttribute("aria-expanded", "false");
      return;
    }
    link.setAttribute("aria-expanded", "true");
    const section = link.dataset.section;
    try {
      await openCommentForm({ target: section ? { section } : null, container: slot, config });
    } catch {
      link.setAttribute("aria-expanded", "false");
    }
  });
}
