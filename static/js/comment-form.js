// The comment form of a consultation, for the plan page and the map.
//
// Imported by plan-comments.js and (on demand) by map/comments.js:
//   const { form, close } = await openCommentForm({ target, container, config });
//
// target: null (the plan as a whole) | { section: "3.2" }
//         | { collectionId: "yangquanqu-yjjbnt", featureId: 123, featureName: "..." }
//         | { geometry: <GeoJSON Point/LineString/Polygon or a Feature holding one> }
// container: the element the form goes into (its content is replaced).
// config: the consultation's comment settings (Python: consultation.public_views.
//   comment_form_config), handed to the page with json_script; no path is written here.
// The container receives a "comment:submitted" event (detail: { id, receiptCode, receiptPage }).
//
// The form itself is rendered by the server (the same template as the page that works
// without JavaScript); here it is fetched, placed and sent as JSON to the API with an
// Idempotency-Key, so a retry after a lost answer never makes a second comment.

import { el } from "./lib/dom.js";
import { fetchJson, fetchText, postJson } from "./lib/http.js";
import { keepOffer } from "./keep-receipt.js";

const PHOTO_SIDE = 2048; // the server keeps at most this many pixels per side anyway
const PHOTO_QUALITY = 0.85;

export async function openCommentForm({ target = null, container, config, onSubmitted } = {}) {
  ensureStylesheet(config.urls.css);
  const strings = config.strings;
  container.replaceChildren(paragraph("comment-loading", strings.loading));
  const url = new URL(config.urls.form, window.location.href);
  if (target?.section) url.searchParams.set("section", target.section);
  if (target?.collectionId && target?.featureId) {
    url.searchParams.set("collection_id", target.collectionId);
    url.searchParams.set("feature_id", String(target.featureId));
    if (target.featureName) url.searchParams.set("feature_name", target.featureName);
  }
  if (target?.geometry) url.searchParams.set("drawn", "1");
  let form;
  try {
    const html = await fetchText(url, { credentials: "same-origin" });
    const page = new DOMParser().parseFromString(html, "text/html");
    form = page.querySelector("form[data-comment-form]");
    const closed = page.querySelector("[data-comment-closed]");
    if (!form && closed) {
      container.replaceChildren(paragraph("comment-closed", closed.textContent, "status"));
      return { form: null, close: () => container.replaceChildren() };
    }
    if (!form) throw new Error("no form in the answer");
  } catch {
    container.replaceChildren(paragraph("comment-error", strings.load_failed, "alert"));
    throw new Error("The comment form could not be loaded.");
  }
  form = document.adoptNode(form);
  if (target?.geometry) {
    const geometry = target.geometry.type === "Feature" ? target.geometry.geometry : target.geometry;
    form.elements.geometry.value = JSON.stringify(geometry);
  }
  container.replaceChildren(form);
  enhanceCommentForm(form, config, { container, onSubmitted });
  form.elements.body.focus({ preventScroll: false });
  return { form, close: () => container.replaceChildren() };
}

// Makes a server-rendered comment form send JSON to the API (used by openCommentForm and by
// the stand-alone comment page).
export function enhanceCommentForm(form, config, { container = form.parentElement, onSubmitted } = {}) {
  let challenge = null; // { token, solution } once solved
  showGuardianWhenUnder14(form);
  countCharacters(form, config);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button.disabled) return;
    button.disabled = true;
    clearErrors(form);
    try {
      const payload = await collect(form, config);
      if (challenge) Object.assign(payload, challenge);
      let answer = await send(form, config, payload);
      if (answer.status === 428 && answer.body.challenge) {
        status(form, config.strings.checking);
        const { solveChallenge } = await import(config.urls.pow);
        const solution = await solveChallenge(answer.body.challenge);
        challenge = { challenge: answer.body.challenge.token, challenge_solution: solution };
        answer = await send(form, config, { ...payload, ...challenge });
      }
      if (answer.status === 201) {
        showReceipt(form, config, container, answer.body, onSubmitted);
        return;
      }
      // A stale or broken token is replaced; "too quick" keeps its token (and its clock).
      if (["form_expired", "form_invalid", "form_used"].includes(answer.body?.code)) {
        await refreshToken(form, config);
      }
      showErrors(form, config, answer.body, answer.status);
    } catch (error) {
      status(form, error.photo ? config.strings.photo_failed : config.strings.offline, true);
    } finally {
      button.disabled = false;
    }
  });
}

async function collect(form, config) {
  const fields = form.elements;
  const payload = {};
  for (const name of ["body", "stance", "section", "collection_id", "name", "phone", "email"]) {
    const value = fields[name]?.value ?? "";
    if (value) payload[name] = value;
  }
  payload.form_token = fields.form_token.value;
  payload.website = fields.website.value;
  if (fields.feature_id.value) payload.feature_id = Number(fields.feature_id.value);
  if (fields.geometry.value) payload.geometry = JSON.parse(fields.geometry.value);
  payload.consent_privacy = fields.consent_privacy.checked;
  payload.consent_show_name = fields.consent_show_name.checked;
  payload.under_14 = fields.under_14.checked;
  if (payload.under_14) {
    payload.guardian_consent = fields.guardian_consent.checked;
    payload.guardian_name = fields.guardian_name.value.trim();
  }
  const file = fields.photo?.files?.[0];
  if (file) {
    status(form, config.strings.sending);
    payload.photo = await photoDataUrl(file);
  }
  return payload;
}

// Without JavaScript the guardian's consent is always on the page (with a hint that it is only
// for children under 14); here it appears when "我未满十四周岁" is ticked.
function showGuardianWhenUnder14(form) {
  const under14 = form.elements.under_14;
  const guardian = form.querySelector("[data-guardian]");
  if (!under14 || !guardian) return;
  const update = () => {
    guardian.hidden = !under14.checked;
    form.elements.guardian_consent.required = under14.checked;
  };
  under14.addEventListener("change", update);
  update();
}

// How many characters are left of COMMENT_MAX_CHARS, said before the limit is reached; the
// textarea has no maxlength (it would cut a pasted text silently): a longer text stays in the
// box and the server refuses it with a message. Screen readers hear the count once typing
// pauses, not at every key.
const NEAR_LIMIT_SHARE = 0.1; // the last tenth of the limit is "near"
const NEAR_LIMIT_MIN = 50;
const SPEAK_AFTER_MS = 1000;

function countCharacters(form, config) {
  const body = form.elements.body;
  const shown = form.querySelector("[data-body-count]");
  const spoken = form.querySelector("[data-body-count-spoken]");
  const max = Number(body?.dataset.maxChars);
  if (!body || !shown || !max) return;
  const near = Math.max(NEAR_LIMIT_MIN, Math.round(max * NEAR_LIMIT_SHARE));
  const strings = config.strings;
  let timer = null;
  const update = ({ speak = true } = {}) => {
    // Counted as the server counts: characters (code points), not UTF-16 units.
    const left = max - [...body.value].length;
    const text =
      left < 0
        ? strings.chars_over.replace("{n}", String(-left))
        : (left <= near ? strings.chars_near : strings.chars_left).replace("{n}", String(left));
    shown.textContent = text;
    shown.classList.toggle("comment-count-near", left >= 0 && left <= near);
    shown.classList.toggle("comment-count-over", left < 0);
    clearTimeout(timer);
    if (!speak || !spoken) return;
    timer = setTimeout(() => {
      spoken.textContent = text;
    }, SPEAK_AFTER_MS);
  };
  body.addEventListener("input", () => update());
  update({ speak: false });
}

async function send(form, config, payload) {
  status(form, config.strings.sending);
  const answer = await postJson(config.urls.submit, payload, {
    credentials: "omit",
    headers: {
      "Accept-Language": config.language,
      "Idempotency-Key": form.elements.idempotency_key.value,
    },
  });
  status(form, "");
  return answer;
}

// Phones take photos of several megabytes: send at most PHOTO_SIDE pixels per side as JPEG.
// The server checks and re-encodes whatever arrives, so this only saves the upload.
async function photoDataUrl(file) {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.toDataURL("image/jpeg", PHOTO_QUALITY);
  } catch {
    // Not decodable here (e.g. an unusual format): let the server judge the original.
    return readAsDataUrl(file);
  }
}

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(Object.assign(new Error("photo"), { photo: true }));
    reader.readAsDataURL(file);
  });
}

async function refreshToken(form, config) {
  try {
    const { form_token } = await fetchJson(config.urls.token, { credentials: "omit" });
    form.elements.form_token.value = form_token;
  } catch {
    // The message already asks the resident to try again.
  }
}

function showErrors(form, config, body, code) {
  const general = [];
  let first = null;
  for (const [field, value] of Object.entries(body || {})) {
    // Field errors are lists of messages; "detail" is one sentence; anything else (code,
    // challenge, retry_after) is for this script, not for people.
    const list = Array.isArray(value) ? value : field === "detail" ? [value] : [];
    const messages = list.filter((message) => typeof message === "string");
    if (!messages.length) continue;
    const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
    if (slot) {
      slot.textContent = messages.join(" ");
      const input = form.elements[field];
      const control = input instanceof RadioNodeList ? input[0] : input;
      control?.setAttribute("aria-invalid", "true");
      first ??= control;
    } else {
      general.push(...messages);
    }
  }
  if (!general.length && !first) general.push(code >= 500 ? config.strings.offline : config.strings.fix_fields);
  const box = form.querySelector('[data-error-for="__general__"]');
  box.replaceChildren(...general.map((message) => paragraph("", message)));
  const contact = form.querySelector("details.comment-contact");
  if (first && contact?.contains(first)) contact.open = true;
  (first || box).scrollIntoView({ block: "center", behavior: "smooth" });
  first?.focus({ preventScroll: true });
}

function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-error-for]")) slot.replaceChildren();
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
}

function status(form, text, alert = false) {
  const line = form.querySelector("[data-comment-status]");
  line.textContent = text;
  line.classList.toggle("comment-status-alert", alert);
}

function showReceipt(form, config, container, body, onSubmitted) {
  const strings = config.strings;
  const page = config.urls.receipt_page.replace(config.urls.receipt_placeholder, body.receipt_code);
  const code = el(
    "strong",
    { class: "receipt-code", "data-receipt-code": body.receipt_code },
    body.receipt_code,
  );
  const box = el(
    "div",
    { class: "comment-receipt", role: "status", tabindex: "-1" },
    paragraph("comment-receipt-thanks", strings.thanks),
    el("p", { class: "comment-receipt-code" }, `${strings.receipt_code}: `, code),
    paragraph("", strings.keep_code),
    el("a", { href: page }, strings.look_up),
    keepOffer(body.receipt_code, strings, config.urls.my_opinions),
  );
  form.replaceWith(box);
  box.focus();
  const detail = { id: body.id, receiptCode: body.receipt_code, receiptPage: page };
  container?.dispatchEvent(new CustomEvent("comment:submitted", { detail, bubbles: true }));
  onSubmitted?.(detail);
}

function paragraph(className, text, role) {
  return el("p", { class: className || null, role }, text);
}

function ensureStylesheet(href) {
  if (!href || document.querySelector(`link[rel=stylesheet][href="${CSS.escape(href)}"]`)) return;
  document.head.append(el("link", { rel: "stylesheet", href }));
}
