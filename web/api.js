// The Readiness HTTP API as the web form uses it: JSON in, JSON out, the product's error envelope.

const meta = document.querySelector('meta[name="readiness-api-base"]');
const API_BASE = (meta && meta.content ? meta.content : "").replace(/\/$/, "");

/** An API failure in the product's error envelope (status 0 means the server was not reached). */
export class ApiError extends Error {
  constructor(status, code, message, details = [], retryAfterSeconds = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = Array.isArray(details) ? details : [];
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Worth sending the same request again (the server was not reached, or asked us to come back). */
  get retryable() {
    return this.status === 0 || this.status === 429 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

function retryAfter(response) {
  const value = response.headers.get("Retry-After");
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - Date.now()) / 1000);
}

/** Over one of the caller's request limits (429 rate_limited): when the window ends, in words. */
function rateLimitedMessage(seconds) {
  if (seconds === null) return "You have sent this too often for now. Please try again later.";
  const at = new Date(Date.now() + seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return `You have sent this too often for now. Please try again after ${at}.`;
}

async function request(method, path, { body, token, idempotencyKey } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  let response;
  try {
    response = await fetch(API_BASE + path, { method, headers, body, cache: "no-store", credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "We could not reach the Readiness server. Check your connection and try again.");
  }
  let payload = null;
  const text = await response.text();
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = null;
    }
  }
  if (response.ok) return payload;
  const error = payload && payload.error ? payload.error : {};
  const fallback = response.status >= 500
    ? "The server had a problem. Please try again in a moment."
    : `The request failed (HTTP ${response.status}).`;
  const wait = retryAfter(response);
  throw new ApiError(
    response.status,
    error.code || `http_${response.status}`,
    error.code === "rate_limited" ? rateLimitedMessage(wait) : error.message || fallback,
    error.details || [],
    wait,
  );
}

/** A fresh random UUID; crypto.randomUUID needs a secure context, getRandomValues does not. */
export function newIdempotencyKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function getQuestionnaire() {
  return request("GET", "/v1/questionnaire");
}

export function getAssessment(assessmentId, token) {
  return request("GET", `/v1/assessments/${encodeURIComponent(assessmentId)}`, { token });
}

export function listAssessments(userId, token, { limit = 50, cursor = null } = {}) {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set("cursor", cursor);
  return request("GET", `/v1/users/${encodeURIComponent(userId)}/assessments?${query}`, { token });
}

/** Start a LinkedIn export import: the import and its upload form ({url, fields, max_bytes, expires_at}). */
export function startImport(userId, token) {
  return request("POST", `/v1/users/${encodeURIComponent(userId)}/imports`, { token });
}

export function getImport(userId, importId, token) {
  return request("GET", `/v1/users/${encodeURIComponent(userId)}/imports/${encodeURIComponent(importId)}`, { token });
}

const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

/**
 * Send a request again while it fails in a way worth retrying, waiting what the server's Retry-After
 * asks (else 1, 2, 4... seconds), at most `longestWait` seconds; `onRetry(error, seconds)` hears of each wait.
 */
async function withRetries(send, { onRetry, retries, longestWait, worthRetrying = (error) => error.retryable }) {
  for (let tryNumber = 0; ; tryNumber += 1) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof ApiError) || !worthRetrying(error) || tryNumber >= retries) throw error;
      // the server asks for longer than this page waits (a used-up request limit): sending sooner is refused
      if (error.retryAfterSeconds !== null && error.retryAfterSeconds > longestWait) throw error;
      const waitSeconds = Math.min(error.retryAfterSeconds ?? 2 ** tryNumber, longestWait);
      if (onRetry) onRetry(error, waitSeconds);
      await sleep(waitSeconds * 1000);
    }
  }
}

/**
 * Send one submit attempt ({key, body}); a retry reuses the attempt's Idempotency-Key and body,
 * so the server records at most one assessment for it however many times it is sent.
 */
export function submitAssessment(attempt, token, { onRetry, retries = 2 } = {}) {
  return withRetries(
    () => request("POST", "/v1/assessments", { body: attempt.body, token, idempotencyKey: attempt.key }),
    { onRetry, retries, longestWait: 10 },
  );
}

/**
 * Everything the server keeps about the user, every export page followed to the last, as one
 * document {format, user_id, exported_at, items}; `onPage({pages, items, more})` hears of each page.
 */
export async function exportUserData(userId, token, { onPage, onRetry } = {}) {
  const path = `/v1/users/${encodeURIComponent(userId)}/export`;
  const items = [];
  let first = null;
  let cursor = null;
  for (let pages = 1; ; pages += 1) {
    const query = cursor ? `?${new URLSearchParams({ cursor })}` : "";
    const page = await withRetries(() => request("GET", path + query, { token }), { onRetry, retries: 3, longestWait: 30 });
    if (!page || !Array.isArray(page.items) || typeof page.format !== "string") {
      throw new ApiError(500, "bad_export", "The server's export could not be read. Please try again.");
    }
    first = first || page;
    items.push(...page.items);
    cursor = page.next_cursor || null;
    if (onPage) onPage({ pages, items: items.length, more: Boolean(cursor) });
    if (!cursor) break;
  }
  return { format: first.format, user_id: first.user_id, exported_at: first.exported_at, items };
}

/**
 * Erase everything the server keeps about the user: the receipt {user_id, erased_at, erased}.
 * A 503 means the erasure was cut short and a 429 that it was not started: both are sent again.
 */
export function eraseUser(userId, token, { onRetry, retries = 3 } = {}) {
  return withRetries(() => request("DELETE", `/v1/users/${encodeURIComponent(userId)}`, { token }), {
    onRetry,
    retries,
    longestWait: 30,
    worthRetrying: (error) => error.status === 429 || error.status === 503,
  });
}
