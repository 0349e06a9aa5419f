// @ts-check
// Looking inside retrieval, read-only: a file's chunks in order, why an answer's sources were chosen (each
// retriever's rank and score), and a knowledge base's search-debug page (one query, the three result lists).
import { api } from './api.js';
import { $, el, setTitle, toast } from './dom.js';
import { t } from './i18n.js';
import { citedWhere, openPanel } from './panel.js';

const score = (x, digits = 3) => (x == null ? '—' : Number(x).toFixed(digits));

/**
 * Opens the panel with the file's chunks in order: number, page, heading path, size, and the text; each chunk's
 * neighbours are the ones above and below it.
 * @param {number} kbId
 * @param {import('./api.js').FileRecord} file
 */
export async function showChunks(kbId, file) {
  let listing;
  try { listing = await api(`/api/kbs/${kbId}/files/${file.id}/chunks`); } catch (e) { toast(e.message); return; }
  const list = el('ol', 'chunk-list');
  for (const c of listing.chunks) {
    const item = el('li', 'chunk', undefined, { 'data-chunk': String(c.id) });
    const where = [t('chunkNumber', { n: c.ordinal + 1 }), citedWhere({ ...c, file_name: file.name }, true), t('characters', { n: c.characters })];
    if (c.section && !where[1].includes(c.section)) where.splice(2, 0, c.section);
    item.append(el('div', 'muted small', where.join(' · ')), el('div', 'chunk-text', c.text));
    list.append(item);
  }
  const box = el('div', 'chunks');
  box.append(el('p', 'muted small', t('chunkSummary', { n: listing.chunks.length })), list);
  openPanel(`${file.name} · ${t('chunks')}`, box);
}

/**
 * Opens the panel with why each source of an answer was chosen: its fused score and where keyword and vector
 * search ranked it (and the reranker's score when reranking is on).
 * @param {import('./api.js').Citation[]} citations
 */
export function showWhy(citations) {
  const table = el('table', 'why');
  const head = el('tr');
  for (const h of ['#', t('source'), t('fusedScore'), t('keywordSide'), t('vectorSide')]) head.append(el('th', '', h));
  table.append(head);
  for (const c of citations) {
    const row = el('tr');
    const side = (rank, value) => (rank == null && value == null ? t('notFoundBySide') : `#${rank ?? '?'} · ${score(value)}`);
    row.append(el('td', '', `[${c.n}]`), el('td', '', `${c.file_name} · ${citedWhere(c, true)}`), el('td', 'num', score(c.score)),
      el('td', 'num', side(c.keyword_rank, c.keyword_score)), el('td', 'num', side(c.vector_rank, c.vector_score)));
    table.append(row);
  }
  const box = el('div', 'why-box');
  box.append(el('p', 'muted small', t('whyHint')), table);
  openPanel(t('whySources'), box);
}

/**
 * The search-debug page of knowledge base `kb`: a query searched by keyword, vector and hybrid search side by side.
 * @param {import('./api.js').KnowledgeBase} kb
 */
export function showSearchDebug(kb) {
  $('debug-title').textContent = `${kb.name} · ${t('searchDebug')}`;
  setTitle(`${kb.name} · ${t('searchDebug')}`);
  $('debug-form').onsubmit = async (e) => {
    e.preventDefault();
    const q = /** @type {HTMLInputElement} */ ($('debug-query')).value.trim();
    if (!q) return;
    const modes = kb.embedding_model ? ['keyword', 'vector', 'hybrid'] : ['keyword'];
    const columns = await Promise.all(modes.map(async (mode) => {
      const col = el('div', 'debug-col', undefined, { 'data-mode': mode });
      col.append(el('h2', '', t(mode)));
      try {
        const r = await api(`/api/kbs/${kb.id}/search?q=${encodeURIComponent(q)}&k=10&mode=${mode}`);
        const list = el('ol', 'debug-hits');
        for (const h of r.hits) {
          const li = el('li', 'debug-hit', undefined, { 'data-chunk': String(h.chunk_id) });
          const parts = [`${t('score')} ${score(h.score, 4)}`];
          if (h.keyword_rank != null) parts.push(`${t('keywordSide')} #${h.keyword_rank} ${score(h.keyword_score, 2)}`);
          if (h.vector_rank != null) parts.push(`${t('vectorSide')} #${h.vector_rank} ${score(h.vector_score)}`);
          li.append(el('div', 'small', `${h.file_name} · ${citedWhere(h, true)}`), el('div', 'muted small', parts.join(' · ')),
            el('div', 'chunk-text', h.text.length > 240 ? `${h.text.slice(0, 240)}…` : h.text));
          list.append(li);
        }
        if (!r.hits.length) list.append(el('li', 'muted', t('nothingFound')));
        col.append(list);
      } catch (err) { col.append(el('p', 'err', err.message)); }
      return col;
    }));
    $('debug-results').replaceChildren(...columns);
  };
  $('debug-results').replaceChildren();
  /** @type {HTMLInputElement} */ ($('debug-query')).value = '';
}
