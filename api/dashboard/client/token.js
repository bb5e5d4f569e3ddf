// @ts-check
/**
 * The API token in the browser: taken from `?token=` once (then removed from the address bar and
 * history), kept in sessionStorage (this tab only, gone when it closes), asked for with a dialog when
 * missing or rejected.
 * @module
 */

import { byId, show } from "./dom.js";

const KEY = "alphapulse.apiToken";

/** Moves `?token=` from the URL into sessionStorage. */
export function adoptTokenFromUrl() {
  const url = new URL(location.href);
  const token = url.searchParams.get("token");
  if (token === null) return;
  if (token) storeToken(token);
  url.searchParams.delete("token");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
}

/** The token kept for this tab, if any. @returns {string | undefined} */
export function storedToken() {
  try {
    return sessionStorage.getItem(KEY) || undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the token for this tab. @param {string} token */
export function storeToken(token) {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // storage disabled: the token lives for this page only
  }
}

/** Drops the tab's token. */
export function forgetToken() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}

/**
 * Asks for a token until `check` accepts one; resolves with it (stored).
 * @param {(token: string) => Promise<string | undefined>} check returns an error text, or undefined if the token works
 * @param {string} [why] shown at once (e.g. "The API rejected the saved token.")
 * @returns {Promise<string>}
 */
export function promptToken(check, why) {
  const dialog = /** @type {HTMLDialogElement} */ (byId("token-dialog"));
  const form = /** @type {HTMLFormElement} */ (byId("token-form"));
  const input = /** @type {HTMLInputElement} */ (byId("token-input"));
  const error = byId("token-error");
  const submit = /** @type {HTMLButtonElement} */ (byId("token-submit"));
  error.textContent = why ?? "";
  show(error, Boolean(why));
  input.value = "";
  return new Promise((resolve) => {
    /** @param {Event} e */
    const onCancel = (e) => e.preventDefault();
    /** @param {SubmitEvent} e */
    const onSubmit = async (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      submit.disabled = true;
      const problem = await check(token);
      submit.disabled = false;
      if (problem) {
        error.textContent = problem;
        show(error, true);
        input.select();
        return;
      }
      storeToken(token);
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("cancel", onCancel);
      dialog.close();
      resolve(token);
    };
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    input.focus();
  });
}
