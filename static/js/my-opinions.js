// 我的意见 (/my-opinions/): the receipt codes kept on this device with the state of each,
// asked from the receipt API (/api/receipts/<code>/) one by one; a code can be removed, or
// added by typing it. Addresses and texts come from the page's json_script block.

import { el, format } from "./lib/dom.js";
import { fetchJson, HttpError } from "./lib/http.js";
import { forgetCode, keepCode, keptCodes, normaliseCode } from "./kept-receipts.js";

const config = JSON.parse(document.getElementById("my-opinions-config").textContent);
const strings = config.strings;
const list = document.getElementById("my-opinions-list");
const empty = document.getElementById("my-opinions-empty");
const addForm = document.getElementById("my-opinions-add");

function apiUrl(code) {
  return config.urls.receipt_api.replace(config.urls.placeholder, encodeURIComponent(code));
}

async function receipt(code) {
  return fetchJson(apiUrl(code), { headers: { "Accept-Language": config.language } });
}

// ABCDE-FGHJK, as the receipt page shows a code (consultation/receipts.py display_code).
function shown(code) {
  return code.length === 10 ? `${code.slice(0, 5)}-${code.slice(5)}` : code;
}

function removeButton(code, item) {
  const button = el("button", { type: "button", class: "my-opinion-remove" }, strings.remove);
  button.setAttribute("aria-label", format(strings.remove_code, { code: shown(code) }));
  button.addEventListener("click", () => {
    forgetCode(code);
    item.remove();
    showEmpty();
  });
  return button;
}

function describe(item, code, data) {
  const answer = data.answer
    ? el(
        "p",
        { class: "my-opinion-answer" },
        el("strong", {}, data.answer.result_label),
        " ",
        format(strings.answered_on, { day: data.answer.answered_on }),
      )
    : el("p", { class: "my-opinion-answer my-opinion-waiting" }, strings.no_answer);
  item.replaceChildren(
    el("p", { class: "my-opinion-code" }, el("a", { href: data.page }, shown(code))),
    el("p", { class: "my-opinion-title", lang: "zh-Hans" }, data.consultation.title),
    el("p", { class: "my-opinion-about" }, data.target.label),
    el(
      "p",
      { class: `my-opinion-state receipt-state-${data.state}`, "data-state": data.state },
      data.state_label,
    ),
    answer,
    removeButton(code, item),
  );
}

function problem(item, code, text) {
  item.replaceChildren(
    el("p", { class: "my-opinion-code" }, shown(code)),
    el("p", { class: "my-opinion-problem", role: "alert" }, text),
    removeButton(code, item),
  );
}

async function show(code) {
  const item = el("li", { class: "my-opinion", "data-code": code }, strings.loading);
  list.append(item);
  try {
    describe(item, code, await receipt(code));
  } catch (error) {
    const notFound = error instanceof HttpError && error.status === 404;
    problem(item, code, notFound ? strings.not_found : strings.offline);
  }
}

function showEmpty() {
  empty.hidden = list.children.length > 0;
}

async function add(event) {
  event.preventDefault();
  const input = addForm.elements.code;
  const status = addForm.querySelector("[data-add-status]");
  const code = normaliseCode(input.value);
  status.textContent = "";
  try {
    await receipt(code);
  } catch (error) {
    const notFound = error instanceof HttpError && error.status === 404;
    status.textContent = notFound ? strings.not_found : strings.offline;
    input.setAttribute("aria-invalid", "true");
    return;
  }
  input.removeAttribute("aria-invalid");
  if (!keepCode(code)) {
    status.textContent = strings.keep_failed;
    return;
  }
  input.value = "";
  list.querySelector(`[data-code="${code}"]`)?.remove();
  await show(code);
  showEmpty();
}

document.getElementById("my-opinions-app").hidden = false;
addForm.addEventListener("submit", add);
const codes = keptCodes();
showEmpty();
await Promise.all(codes.map(show));
showEmpty();
