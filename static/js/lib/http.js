// Requests to the portal's own APIs and pages, made one way everywhere. Addresses always come
// from the page's configuration (json_script blocks), never from this module.
//
//   const catalogue = await fetchJson(config.urls.layers, { headers: { "Accept-Language": lang } });
//
// The second argument is fetch()'s own (headers, credentials, cache, signal, ...).

// An answer outside 200-299. `status` tells the cases apart where a caller needs to.
export class HttpError extends Error {
  constructor(url, response) {
    super(`${url} answered ${response.status} ${response.statusText}`.trimEnd());
    this.name = "HttpError";
    this.status = response.status;
  }
}

// The parsed JSON of a successful answer (Accept: application/json unless the caller asks
// for another type). Rejects with HttpError when the answer is not OK, with a SyntaxError
// naming the address when it is not JSON, and as fetch() does when no answer came (a
// TypeError) or the request was aborted (an AbortError).
export async function fetchJson(url, { headers, ...init } = {}) {
  const response = await fetchOk(url, {
    ...init,
    headers: { Accept: "application/json", ...headers },
  });
  try {
    return await response.json();
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new SyntaxError(`${url} answered with something that is not JSON`, { cause: error });
  }
}

// The text (e.g. a server-rendered HTML fragment) of a successful answer; rejects like
// fetchJson.
export async function fetchText(url, init = {}) {
  return (await fetchOk(url, init)).text();
}

// POSTs `payload` as JSON to an API whose error answers are part of its protocol (messages
// per field, a challenge to solve, a rate limit): resolves to { status, body } whatever the
// status, with body {} when the answer holds no JSON. Rejects only when no answer came.
export async function postJson(url, payload, { headers, ...init } = {}) {
  const response = await fetch(url, {
    ...init,
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: JSON.stringify(payload),
  });
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  return { status: response.status, body };
}

async function fetchOk(url, init) {
  const response = await fetch(url, init);
  if (!response.ok) throw new HttpError(url, response);
  return response;
}
