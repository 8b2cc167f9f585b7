// Follows an upload job on its page: polls the job's JSON (config.url, the same answer as
// GET /api/upload-jobs/{id}/) and updates the state, stage, progress bar and the problems
// found so far. The server renders the same elements, so without JavaScript the page still
// shows the state at load time (and a <noscript> refresh reloads it). When the job finishes
// the page is reloaded once: the server then renders the revision summary.
// Text from the server goes in as text (textContent, lib/dom.js), never as HTML.

import { el, format } from "./lib/dom.js";
import { fetchJson } from "./lib/http.js";

const POLL_MS = 1000;
const RETRY_MS = 4000;

export function followJob(config, root = document) {
  const parts = {
    state: root.getElementById("job-state"),
    stage: root.getElementById("job-stage"),
    bar: root.getElementById("job-progress"),
    percent: root.getElementById("job-percent"),
    counts: root.getElementById("job-counts"),
    problems: root.getElementById("job-problems"),
  };
  if (config.finished || !parts.bar) return () => {};
  let timer = null;
  let stopped = false;

  async function poll() {
    let status;
    try {
      status = await fetchJson(config.url, {
        headers: { "Accept-Language": config.language },
        credentials: "same-origin",
        cache: "no-store",
      });
    } catch {
      if (!stopped) timer = setTimeout(poll, RETRY_MS); // the server may be restarting
      return;
    }
    show(parts, status, config.labels);
    if (status.finished) {
      window.location.reload();
    } else if (!stopped) {
      timer = setTimeout(poll, POLL_MS);
    }
  }

  timer = setTimeout(poll, POLL_MS / 2);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

export function show(parts, status, labels) {
  parts.state.textContent = status.state_label;
  parts.state.dataset.state = status.state;
  parts.stage.textContent = status.stage_label;
  parts.bar.value = status.percent;
  parts.bar.textContent = `${status.percent} %`;
  parts.percent.textContent = String(status.percent);
  parts.counts.textContent = format(labels.counts, {
    errors: status.errors,
    warnings: status.warnings,
  });
  parts.problems.replaceChildren(
    ...status.problems.map((problem) => problemItem(problem, labels)),
  );
}

function problemItem(problem, labels) {
  const severity = problem.severity === "error" ? "error" : "warning";
  return el(
    "li",
    { class: `message-${severity}` },
    el("strong", {}, labels[severity]),
    `: ${problem.message}`,
  );
}

const configElement = document.getElementById("upload-progress-config");
if (configElement) followJob(JSON.parse(configElement.textContent));
