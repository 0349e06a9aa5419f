// @ts-check
// The right-hand panel: an answer's sources (the cited passage highlighted in its page) and a file's extracted text.
import { api } from './api.js';
import { $, el } from './dom.js';
import { t } from './i18n.js';

const pageCache = new Map();

/** The pages of a file (cached: extracted text does not change while a file exists). */
async function pages(kbId, fileId) {
  const key = `${kbId}/${fileId}`;
  if (!pageCache.has(key)) {
    pageCache.set(key, api(`/api/kbs/${kbId}/files/${fileId}/pages`).then((r) => r.pages).catch((e) => { pageCache.delete(key); throw e; }));
  }
  return pageCache.get(key);
}

/** Opens the panel with `title` and `content`. */
export function openPanel(title, content) {
  $('panel-title').textContent = title;
  const body = $('panel-body');
  body.replaceChildren(content);
  body.scrollTop = 0;
  $('panel').hidden = false;
  $('app').classList.add('with-panel');
}

export function closePanel() {
  $('panel').hidden = true;
  $('app').classList.remove('with-panel');
}

/**
 * Shows `citations` (an answer's numbered sources) with number `active` expanded: file, page, score, and the cited
 * range marked inside the page's text (falling back to the stored snippet when the file is gone).
 */
/** m:ss of a moment in a recording. */
function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600), m = Math.floor(total / 60) % 60, s = total % 60;
  const two = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${two(m)}:${two(s)}`;
}

/**
 * Where a cited passage is: "page 3", "02:15–02:40" in a recording, or "rows 2–41" of a worksheet or CSV file —
 * after the sheet's name (its section) when `withSheet` is set.
 * @param {{page: number, start_seconds?: number | null, end_seconds?: number | null, first_row?: number | null,
 *          last_row?: number | null, section?: string | null}} c
 * @param {boolean} [withSheet]
 */
export function citedWhere(c, withSheet = false) {
  if (c.start_seconds != null) return `${clock(c.start_seconds)}–${clock(c.end_seconds ?? c.start_seconds)}`;
  if (c.first_row != null) {
    const last = c.last_row ?? c.first_row;
    const rows = last === c.first_row ? t('row', { a: c.first_row }) : t('rows', { a: c.first_row, b: last });
    return withSheet && c.section ? `${c.section} · ${rows}` : rows;
  }
  return t('page', { n: c.page });
}

export function showSources(citations, active, kbId, answer = '') {
  const box = el('div', 'sources');
  let activeNode = null;
  for (const c of citations) {
    const card = el('article', 'source' + (c.n === active ? ' active' : ''), undefined, { id: `source-${c.n}`, 'data-n': String(c.n) });
    const head = el('div', 'head');
    head.append(el('span', 'n', `[${c.n}]`), el('span', 'file', c.file_name));
    card.append(head);
    if (c.section) card.append(el('div', 'section muted small', c.section));
    const where = [citedWhere(c), `${t('score')} ${c.score.toFixed(3)}`];
    if (c.vector_score != null) where.push(`cos ${c.vector_score.toFixed(3)}`);
    card.append(el('div', 'where', where.join(' · ')));
    const text = el('div', 'text');
    text.append(el('mark', '', c.snippet));
    card.append(text);
    box.append(card);
    if (c.n === active) activeNode = card;
    if (kbId != null) highlightInPage(text, kbId, c, answer);
  }
  openPanel(t('sources'), box);
  if (activeNode) activeNode.scrollIntoView({ block: 'start' });
}

/** The character pairs of `text` (letters, digits and CJK characters only, lower-cased). */
function pairs(text) {
  const chars = Array.from(text.toLowerCase()).filter((ch) => /[\p{L}\p{N}]/u.test(ch));
  const out = new Set();
  for (let i = 1; i < chars.length; i++) out.add(chars[i - 1] + chars[i]);
  return out;
}

/**
 * The stretch of `cited` the answer rests on: of its lines (long lines cut at sentence ends), the one sharing the
 * most character pairs with the answer, relative to its length; null when no line shares three.
 * @returns {{start: number, end: number} | null} code-point offsets within `cited`
 */
export function evidenceIn(cited, answer) {
  const wanted = pairs(answer.replace(/\[\d+\]/g, ''));
  if (!wanted.size) return null;
  const points = Array.from(cited);
  let best = null, start = 0;
  for (let i = 0; i <= points.length; i++) {
    const end = i === points.length || points[i] === '\n' || '。！？；'.includes(points[i]) || (points[i] === '.' && points[i + 1] === ' ');
    if (!end) continue;
    const stop = i < points.length && points[i] !== '\n' ? i + 1 : i;
    const own = pairs(points.slice(start, stop).join(''));
    let shared = 0;
    for (const p of own) if (wanted.has(p)) shared++;
    const score = own.size ? shared / Math.sqrt(own.size) : 0;
    if (shared >= 3 && (!best || score > best.score)) best = { start, end: stop, score };
    start = i + 1;
  }
  return best && { start: best.start, end: best.end };
}

async function highlightInPage(textNode, kbId, citation, answer) {
  let list;
  try { list = await pages(kbId, citation.file_id); } catch { return; }
  const page = list.find((p) => p.number === citation.page);
  if (!page) return;
  const points = Array.from(page.text);
  const from = Math.max(0, citation.start - 240), to = Math.min(points.length, citation.end + 240);
  const before = (from > 0 ? '…' : '') + points.slice(from, citation.start).join('');
  const cited = points.slice(citation.start, citation.end).join('');
  const after = points.slice(citation.end, to).join('') + (to < points.length ? '…' : '');
  if (!cited.trim()) return;
  const mark = el('mark', '', cited);
  // Within the passage, the line the answer rests on, marked more strongly.
  const evidence = answer ? evidenceIn(cited, answer) : null;
  if (evidence) {
    const chars = Array.from(cited);
    mark.replaceChildren(document.createTextNode(chars.slice(0, evidence.start).join('')),
      el('mark', 'evidence', chars.slice(evidence.start, evidence.end).join('')),
      document.createTextNode(chars.slice(evidence.end).join('')));
  }
  textNode.replaceChildren(document.createTextNode(before), mark, document.createTextNode(after));
  // Scrolls the passage's own box to the cited text, not the panel; the source the reader opened is brought back
  // into view as the others above it fill in and change height.
  textNode.scrollTop += mark.getBoundingClientRect().top - textNode.getBoundingClientRect().top - 8;
  const active = textNode.closest('.sources')?.querySelector('.source.active');
  if (active) active.scrollIntoView({ block: 'start' });
}

/** Shows a file's extracted text, page by page. */
export async function showPreview(kbId, file) {
  const box = el('div', 'preview');
  box.append(el('p', 'muted small', `${file.name}`));
  openPanel(t('extractedText'), box);
  try {
    for (const page of await pages(kbId, file.id)) {
      const section = el('section', 'page');
      let label = citedWhere({ ...page, page: page.number });
      if (page.engine && page.confidence != null) label += ` · ${t('ocrEngine', { engine: page.engine, c: Math.round(page.confidence) })}`;
      section.append(el('h3', '', label), el('div', 'text', page.text || t('noText')));
      box.append(section);
    }
  } catch (e) {
    box.append(el('p', 'err', e.message));
  }
}
