// The stand-alone comment page: the form posts as a plain HTML form without JavaScript;
// with it, the form is sent as JSON (idempotent, with the proof of work when asked for).

import { enhanceCommentForm } from "./comment-form.js";

const configElement = document.getElementById("comment-config");
const form = document.querySelector("form[data-comment-form]");
if (configElement && form) {
  enhanceCommentForm(form, JSON.parse(configElement.textContent));
}
