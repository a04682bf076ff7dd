// The console's HTTP API (docs/API.md): the only thing the page calls. Every error answer is JSON
// {"error", "code"}; api() throws an ApiError carrying both and the status. A request that reached no
// crixd (the network failed, or a proxy answered 502/503/504 without the API's JSON) is an ApiError of
// status 0 and code "unreachable", and every call tells the listener set by onReach() whether crixd
// answered: the page shows every role when the exchange cannot be reached.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let reachListener = () => {};

// fn(true) after each answer from crixd, fn(false) after each request that reached none.
export function onReach(fn) {
  reachListener = fn;
}

export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    reachListener(false);
    throw new ApiError(0, 'unreachable', String(e.message || e));
  }
  let text;
  try {
    text = await res.text();
  } catch (e) {  // the connection broke while the body came
    reachListener(false);
    throw new ApiError(0, 'unreachable', String(e.message || e));
  }
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok && [502, 503, 504].includes(res.status) && !json?.code) {  // a proxy in front, not crixd
    reachListener(false);
    throw new ApiError(0, 'unreachable', `${res.status} ${res.statusText}`);
  }
  reachListener(true);
  if (!res.ok) {
    throw new ApiError(res.status, json?.code || String(res.status), json?.error || text || res.statusText);
  }
  return json;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? '?' + s : '';
}
