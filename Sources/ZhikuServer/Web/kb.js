// @ts-check
// A knowledge base: its files, uploads (drag and drop of files and folders) with transfer and ingestion progress,
// retry, delete, and a preview of each file's extracted text.
import { APIError, api, uploadFile } from './api.js';
import { $, ask, button, el, formatSize, setTitle, toast } from './dom.js';
import { t } from './i18n.js';
import { showChunks } from './inspect.js';
import { showPreview } from './panel.js';

let current = null;      // the knowledge base shown
let refreshTimer = 0;
let hooks = {};

/** Wires the view. `hooks.changed()` is called after a rename or delete; `hooks.ask(kb)` opens a chat on it. */
export function initKnowledgeBaseView(options) {
  hooks = options;
  $('file-input').addEventListener('change', (e) => { uploadAll([...e.target.files].map((f) => ({ file: f, name: f.name }))); e.target.value = ''; });
  $('folder-input').addEventListener('change', (e) => {
    uploadAll([...e.target.files].map((f) => ({ file: f, name: f.webkitRelativePath || f.name })));
    e.target.value = '';
  });
  $('kb-rename').addEventListener('click', rename);
  $('kb-delete').addEventListener('click', remove);
  $('kb-chat').addEventListener('click', () => current && hooks.ask(current));
  $('kb-debug').addEventListener('click', () => { if (current) location.hash = `#/kb/${current.id}/search`; });
  $('source-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('source-path'));
    if (!current || !input.value.trim()) return;
    try {
      await api(`/api/kbs/${current.id}/sources`, { method: 'POST', body: { path: input.value.trim() } });
      input.value = '';
    } catch (err) { toast(err.message); }
    refreshFiles();
  });
  const zone = $('dropzone');
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
}

export const shownKnowledgeBase = () => current;

/** Shows knowledge base `kb` (an object from /api/kbs). */
export async function showKnowledgeBase(kb) {
  if (!current || current.id !== kb.id) $('uploads').replaceChildren();
  current = kb;
  $('kb-title').textContent = kb.name;
  setTitle(kb.name);
  const model = kb.embedding_model ?? t('none');
  $('kb-meta').textContent = kb.pending_embedding_model ? t('reembedding', { model: kb.pending_embedding_model }) : model;
  await refreshFiles();
}

export function hideKnowledgeBase() { current = null; clearTimeout(refreshTimer); }

async function rename() {
  const name = await ask(t('renameKb'), { value: current.name });
  if (!name || name === current.name) return;
  try {
    current = await api(`/api/kbs/${current.id}`, { method: 'PATCH', body: { name } });
    await showKnowledgeBase(current);
    hooks.changed();
  } catch (e) { toast(e.message); }
}

async function remove() {
  if (!(await ask(t('deleteKbConfirm', { name: current.name }), { okLabel: t('delete'), danger: true }))) return;
  try {
    await api(`/api/kbs/${current.id}`, { method: 'DELETE' });
    current = null;
    hooks.changed();
    location.hash = '#/';
  } catch (e) { toast(e.message); }
}

/** Files dropped anywhere on the page: plain files and whole folders (read recursively). */
export async function dropped(dataTransfer) {
  if (!current) { toast(t('dropNeedsKb')); return; }
  const entries = [...dataTransfer.items].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) { uploadAll([...dataTransfer.files].map((f) => ({ file: f, name: f.name }))); return; }
  const files = [];
  const walk = async (entry, prefix) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      files.push({ file, name: prefix + file.name });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
        if (!batch.length) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  uploadAll(files);
}

async function uploadAll(items) {
  const kb = current;
  if (!kb || !items.length) return;
  // Two transfers at a time: enough to keep the server busy without starving the page.
  const queue = items.map((item) => ({ ...item, row: uploadRow(item.name) }));
  const worker = async () => {
    while (queue.length) {
      const item = queue.shift();
      await uploadOne(kb, item.file, item.name, item.row);
    }
  };
  await Promise.all([worker(), worker()]);
}

function uploadRow(name) {
  const row = el('li', 'upload');
  const top = el('div', 'top');
  const label = el('span', 'name', name);
  const state = el('span', 'state', t('uploading', { pct: 0 }));
  top.append(label, state);
  const bar = el('progress', '', undefined, { max: '1', value: '0' });
  row.append(top, bar);
  row.update = (text, value, cls) => {
    state.textContent = text;
    if (value == null) bar.removeAttribute('value'); else bar.value = value;
    row.className = `upload ${cls || ''}`;
    bar.hidden = cls === 'done' || cls === 'failed' || cls === 'duplicate';
  };
  row.setAction = (node) => { row.querySelector('.actions')?.remove(); if (node) { node.classList.add('actions'); top.append(node); } };
  $('uploads').prepend(row);
  return row;
}

async function uploadOne(kb, file, name, row) {
  let answer;
  try {
    answer = await uploadFile(kb.id, file, name, (fraction) => row.update(t('uploading', { pct: Math.round(fraction * 100) }), fraction));
  } catch (e) {
    row.update(`${t('failed')}: ${e.message}`, 0, 'failed');
    row.setAction(button(t('retry'), 'plain small', () => { row.setAction(null); uploadOne(kb, file, name, row); }));
    return;
  }
  const upload = answer.uploads ? answer.uploads[0] : answer;
  if (upload.error) { row.update(`${t('failed')}: ${upload.error.message}`, 0, 'failed'); return; }
  if (upload.duplicate) {
    row.update(`${t('duplicate')} (${upload.file.name})`, 1, 'duplicate');
    return;
  }
  refreshFiles();
  if (upload.job) follow(kb.id, upload.job.id, row);
}

// Jobs being followed: id → {row, kbId}. One request for each knowledge base's job list updates every row at
// once, however many files of a dropped folder are in flight (a request per job would soon hit the per-user limit).
const followed = new Map();
let watching = false;

/** Follows an ingestion job live until it ends, describing its progress in words. */
function follow(kbId, jobId, row) {
  followed.set(jobId, { row, kbId });
  if (!watching) watch();
}

async function watch() {
  watching = true;
  while (followed.size) {
    for (const kbId of new Set([...followed.values()].map((f) => f.kbId))) {
      /** @type {import('./api.js').Job[]} */
      let jobs;
      try { ({ jobs } = await api(`/api/kbs/${kbId}/jobs`)); } catch (e) {
        if (!(e instanceof APIError) || e.status !== 404) continue;
        jobs = [];   // the knowledge base is gone
      }
      const byId = new Map(jobs.map((job) => [job.id, job]));
      for (const [id, { row, kbId: owner }] of followed) {
        if (owner !== kbId) continue;
        const job = byId.get(id);
        if (!job) { row.update(t('failed'), 0, 'failed'); followed.delete(id); continue; }
        if (show(job, row, kbId)) followed.delete(id);
      }
    }
    await sleep(700);
  }
  watching = false;
}

/**
 * Shows `job` on its row; true when it has ended.
 * @param {import('./api.js').Job} job
 */
function show(job, row, kbId) {
  if (job.status === 'succeeded') {
    row.update(t('readySummary', { pages: job.pages_total, chunks: job.chunks }), 1, 'done');
    row.setAction(null);
    refreshFiles();
    return true;
  }
  if (job.status === 'failed') {
    row.update(`${t('failed')}: ${job.error ?? ''}`, 0, 'failed');
    row.setAction(button(t('retry'), 'plain small retry', async () => {
      row.setAction(null);
      try { await api(`/api/jobs/${job.id}/retry`, { method: 'POST' }); } catch (e) { toast(e.message); return; }
      follow(kbId, job.id, row);
    }));
    refreshFiles();
    return true;
  }
  row.update(describe(job), fraction(job));
  return false;
}

function describe(job) {
  if (job.status === 'queued' || (job.pages_total === 0 && job.chunks === 0)) return t('queued');
  if (job.chunks > 0 && job.chunks_embedded < job.chunks && job.pages_done >= job.pages_total) {
    return t('embedding', { done: job.chunks_embedded, total: job.chunks });
  }
  return job.pages_ocr > 0
    ? t('readingOcr', { done: job.pages_done, total: job.pages_total, ocr: job.pages_ocr })
    : t('reading', { done: job.pages_done, total: job.pages_total });
}

function fraction(job) {
  if (!job.pages_total) return null;
  const read = job.pages_done / job.pages_total;
  const embedded = job.chunks ? job.chunks_embedded / job.chunks : 0;
  return Math.min(1, read * 0.6 + embedded * 0.4);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reloads the file table; keeps polling while any file is still being processed. */
export async function refreshFiles() {
  clearTimeout(refreshTimer);
  const kb = current;
  if (!kb) return;
  let files, jobs;
  try {
    [{ files }, { jobs }] = await Promise.all([api(`/api/kbs/${kb.id}/files`), api(`/api/kbs/${kb.id}/jobs`)]);
  } catch (e) { toast(e.message); return; }
  if (current !== kb) return;
  const latestJob = new Map();
  for (const job of jobs) if (!latestJob.has(job.file_id) || latestJob.get(job.file_id).id < job.id) latestJob.set(job.file_id, job);
  const rows = files.map((f) => fileRow(kb, f, latestJob.get(f.id)));
  if (!rows.length) {
    const empty = el('tr', 'empty-row');
    empty.append(el('td', 'muted', t('noFiles'), { colspan: '6' }));
    rows.push(empty);
  }
  $('file-rows').replaceChildren(...rows);
  refreshSources(kb);
  if (files.some((f) => f.status === 'pending' || f.status === 'deleting')) refreshTimer = setTimeout(refreshFiles, 1500);
}

/**
 * The synced folders of `kb`, each with its status, Sync now and Stop syncing.
 * @param {import('./api.js').KnowledgeBase} kb
 */
async function refreshSources(kb) {
  let sources;
  try { ({ sources } = await api(`/api/kbs/${kb.id}/sources`)); } catch { return; }
  if (current !== kb) return;
  $('source-rows').replaceChildren(...sources.map((s) => {
    const li = el('li', 'source', undefined, { 'data-source': String(s.id) });
    const when = s.last_sync_at ? new Date(s.last_sync_at).toLocaleString() : t('never');
    li.append(el('code', '', s.location), el('div', 'muted small', t('sourceStatus', { files: s.files, pending: s.pending, failed: s.failed, when })));
    if (s.last_error) li.append(el('div', 'err small', s.last_error));
    li.append(button(t('syncNow'), 'plain sync-now', async () => {
      try { await api(`/api/kbs/${kb.id}/sources/${s.id}/sync`, { method: 'POST' }); } catch (e) { toast(e.message); }
      refreshFiles();
    }), button(t('stopSyncing'), 'plain', async () => {
      if (!(await ask(t('stopSyncingConfirm', { path: s.location }), { okLabel: t('stopSyncing'), danger: true }))) return;
      try { await api(`/api/kbs/${kb.id}/sources/${s.id}`, { method: 'DELETE' }); } catch (e) { toast(e.message); }
      refreshFiles();
    }));
    return li;
  }));
  if (sources.some((s) => s.pending > 0)) { clearTimeout(refreshTimer); refreshTimer = setTimeout(refreshFiles, 1500); }
}

/**
 * A file's row: name (with the document's own title, author and date under it), status, size, pages, chunks.
 * @param {import('./api.js').KnowledgeBase} kb
 * @param {import('./api.js').FileRecord} f
 */
function fileRow(kb, f, job) {
  const tr = el('tr', '', undefined, { 'data-file': String(f.id) });
  const name = el('td', 'name', f.name);
  const m = f.metadata;
  const said = m ? [m.title, m.author, (m.modified || m.created || '').slice(0, 10)].filter(Boolean) : [];
  if (said.length) name.append(el('div', 'muted small meta', said.join(' · ')));
  if (f.tags?.length) {
    const tags = el('div', 'tags');
    for (const tag of f.tags) tags.append(el('span', 'tag', tag));
    name.append(tags);
  }
  tr.append(name);
  const status = el('td', `status-${f.status}`, f.status === 'ready' ? t('ready') : f.status === 'failed' ? t('failed') : t('pending'));
  if (f.error) status.append(el('div', 'err', f.error));
  tr.append(status, el('td', 'num', formatSize(f.size)), el('td', 'num', String(f.page_count)), el('td', 'num', String(f.chunk_count)));
  const acts = el('td', 'acts');
  if (f.status === 'ready') acts.append(button(t('preview'), 'plain preview', () => showPreview(kb.id, f)));
  if (f.status === 'ready') acts.append(button(t('chunks'), 'plain chunks', () => showChunks(kb.id, f)));
  acts.append(button(t('tags'), 'plain tags-edit', async () => {
    const text = await ask(t('editTags', { name: f.name }), { value: (f.tags || []).join(', ') });
    if (text === null) return;
    const tags = String(text).split(/[,，]/).map((s) => s.trim()).filter(Boolean);
    try { await api(`/api/kbs/${kb.id}/files/${f.id}/tags`, { method: 'PUT', body: { tags } }); } catch (e) { toast(e.message); }
    refreshFiles();
  }, { 'aria-label': `${t('tags')} ${f.name}` }));
  if (f.status === 'failed' && job) {
    acts.append(button(t('retry'), 'plain retry', async () => {
      try { await api(`/api/jobs/${job.id}/retry`, { method: 'POST' }); refreshFiles(); } catch (e) { toast(e.message); }
    }));
  }
  acts.append(button(t('delete'), 'plain delete', async () => {
    if (!(await ask(t('deleteFileConfirm', { name: f.name }), { okLabel: t('delete'), danger: true }))) return;
    try { await api(`/api/kbs/${kb.id}/files/${f.id}`, { method: 'DELETE' }); } catch (e) { toast(e.message); }
    refreshFiles();
  }, { 'aria-label': `${t('delete')} ${f.name}` }));
  tr.append(acts);
  return tr;
}
