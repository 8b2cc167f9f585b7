// Live countdowns: every element with data-countdown shows the time until its
// data-deadline (ISO 8601) in its data-text ("%(days)s", "%(hours)s", "%(minutes)s" are
// replaced), then data-text-ended. The server renders the first text, so without
// JavaScript the element still says how long is left.

const MINUTE = 60 * 1000;

export function startCountdowns(root = document) {
  const elements = [...root.querySelectorAll("[data-countdown]")];
  if (!elements.length) return () => {};
  const update = () => {
    for (const element of elements) element.textContent = countdownText(element, Date.now());
  };
  update();
  const timer = setInterval(update, MINUTE / 4);
  return () => clearInterval(timer);
}

export function countdownText(element, now) {
  const deadline = Date.parse(element.dataset.deadline);
  if (Number.isNaN(deadline)) return element.textContent;
  const left = deadline - now;
  if (left <= 0) return element.dataset.textEnded;
  const minutes = Math.floor(left / MINUTE);
  const parts = {
    days: Math.floor(minutes / (24 * 60)),
    hours: Math.floor((minutes % (24 * 60)) / 60),
    minutes: minutes % 60,
  };
  return element.dataset.text.replace(/%\((\w+)\)s/g, (match, name) =>
    name in parts ? String(parts[name]) : match,
  );
}

startCountdowns();
