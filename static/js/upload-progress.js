// Follows an upload job on its page: polls the job's JSON (config.url, the same answer as
// GET /api/upload-jobs/{id}/) and updates the state, stage, progress bar and the problems
// found so far. The server renders the same elements, so without JavaScript the page still
// shows the state at load time (and a <noscript> refresh reloads it). When the job finishes
// the page is reloaded once: the server then renders the revision summary.
// Text from the server is inserted with textContent, never as HTML.

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
      const response = await fetch(config.url, {
        headers: { Accept: "application/json", "Accept-Language": config.language },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      status = await response.json();
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
  parts.counts.textContent = labels.counts
    .replace("%(errors)s", String(status.errors))
    .replace("%(warnings)s", String(status.warnings));
  parts.problems.replaceChildren(
    ...status.problems.map((problem) => problemItem(problem, labels)),
  );
}

function problemItem(problem, labels) {
  const item = document.createElement("li");
  const severity = problem.severity === "error" ? "error" : "warning";
  item.className = `message-${severity}`;
  const label = document.createElement("strong");
  label.textContent = labels[severity];
  item.append(label, `: ${problem.message}`);
  return item;
}

const configElement = document.getElementById("upload-progress-config");
if (configElement) followJob(JSON.parse(configElement.textContent));
