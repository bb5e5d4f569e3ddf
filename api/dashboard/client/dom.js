// @ts-check
/**
 * Small DOM helpers: build elements without innerHTML (so nothing from the wire is ever parsed as HTML)
 * and write text or classes only when they change (cheap, batched frames).
 * @module
 */

/**
 * Creates an element. `props`: `class`, `text`, `data` (dataset entries), `on<event>` listeners, other
 * keys as attributes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [props]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = String(value);
    else if (key === "text") node.textContent = String(value);
    else if (key === "data") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

/** The element with this id (throws when the page lacks it: a template/client mismatch). @param {string} id @returns {HTMLElement} */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`dashboard: element #${id} is missing from the page`);
  return node;
}

/** Sets text when it differs. @param {Element} node @param {string} text */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Sets a data attribute when it differs. @param {HTMLElement} node @param {string} key @param {string} value */
export function setData(node, key, value) {
  if (node.dataset[key] !== value) node.dataset[key] = value;
}

/** Shows or hides. @param {HTMLElement} node @param {boolean} visible */
export function show(node, visible) {
  if (node.hidden === visible) node.hidden = !visible;
}

/** CSS class for the sign of a value: `pos`, `neg` or ``. @param {number} sign @returns {string} */
export function signClass(sign) {
  return sign > 0 ? "pos" : sign < 0 ? "neg" : "";
}
