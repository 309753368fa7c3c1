// What this browser remembers: the visitor's identity (user id and token) and an unsent draft.

const IDENTITY_KEY = "readiness.identity";
const DRAFT_KEY = "readiness.draft";

function safeStorage(kind) {
  try {
    const storage = window[kind];
    const probe = "readiness.probe";
    storage.setItem(probe, probe);
    storage.removeItem(probe);
    return storage;
  } catch {
    return null; // private mode or storage disabled: the form still works, it just forgets
  }
}

const local = safeStorage("localStorage");
const session = safeStorage("sessionStorage");

/** {userId, token, since} of a returning visitor, or null. */
export function loadIdentity() {
  if (!local) return null;
  try {
    const value = JSON.parse(local.getItem(IDENTITY_KEY) || "null");
    if (value && typeof value.userId === "string" && typeof value.token === "string") return value;
  } catch {
    /* a damaged entry is treated as none */
  }
  return null;
}

export function saveIdentity(userId, token) {
  if (!local) return false;
  local.setItem(IDENTITY_KEY, JSON.stringify({ userId, token, since: new Date().toISOString() }));
  return true;
}

/** Forget everything this browser keeps about the visitor. */
export function forgetIdentity() {
  if (local) local.removeItem(IDENTITY_KEY);
  if (session) session.removeItem(DRAFT_KEY);
}

export function storageAvailable() {
  return local !== null;
}

/** The unsent form (answers and activity) for this tab only, so a reload does not lose work. */
export function loadDraft() {
  if (!session) return null;
  try {
    return JSON.parse(session.getItem(DRAFT_KEY) || "null");
  } catch {
    return null;
  }
}

export function saveDraft(draft) {
  if (session) session.setItem(DRAFT_KEY, JSON.stringify(draft));
}

export function clearDraft() {
  if (session) session.removeItem(DRAFT_KEY);
}
