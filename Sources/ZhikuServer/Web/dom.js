// @ts-check
// Small DOM helpers. Text from the server, documents or models only ever enters the page as text nodes.
import { t } from './i18n.js';

/**
 * The element with id `id`. Typed `any`: the page knows each id's kind (an input, a dialog, a form), and what
 * is checked is the data the elements show.
 * @param {string} id
 * @returns {any}
 */
export const $ = (id) => document.getElementById(id);

/** Sets the title in the top bar (the one place that writes it). */
export function setTitle(text) { $('topbar-title').textContent = text; }

/**
 * Creates `<tag class=cls>` with `text` as its text content and optional attributes.
 * @param {string} tag
 * @param {string} [cls]
 * @param {string | number | null} [text]
 * @param {Record<string, string>} [attributes]
 * @returns {any}
 */
export function el(tag, cls, text, attributes = {}) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** A button with a text label and a click handler. */
export function button(label, cls, onClick, attributes = {}) {
  const b = el('button', cls, label, { type: 'button', ...attributes });
  b.addEventListener('click', onClick);
  return b;
}

let toastTimer;
/** Shows a short message at the bottom of the page. */
export function toast(message) {
  const box = $('toast');
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
}

/**
 * Asks a question in the page's dialog. With `value` it asks for text and resolves to it; null when cancelled.
 * @param {string} text
 * @param {{value?: string, okLabel?: string, danger?: boolean}} options
 * @returns {Promise<string | true | null>}
 */
export function ask(text, { value, okLabel, danger } = {}) {
  const dialog = $('dialog');
  const input = $('dialog-input');
  const ok = $('dialog-ok');
  $('dialog-text').textContent = text;
  input.hidden = value === undefined;
  input.value = value ?? '';
  ok.textContent = okLabel ?? t('ok');
  ok.className = danger ? 'danger' : 'primary';
  dialog.returnValue = '';
  dialog.showModal();
  if (value !== undefined) { input.focus(); input.select(); } else ok.focus();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (dialog.returnValue !== 'ok') resolve(null);
      else resolve(value === undefined ? true : input.value.trim());
    }, { once: true });
  });
}

/** A byte count for people. */
export function formatSize(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1 << 30) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  return `${(n / (1 << 30)).toFixed(2)} GiB`;
}
