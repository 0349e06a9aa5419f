// @ts-check
// Settings: the chat model (built in or an OpenAI-compatible endpoint, with a connection test), each knowledge
// base's embedding model, and the retrieval knobs. Every change applies to the next question, no restart.
import { api } from './api.js';
import { $, button, el, setTitle } from './dom.js';
import { t } from './i18n.js';

let hooks = {};

function status(id, text, ok) {
  const line = $(id);
  line.textContent = text;
  line.className = `status-line ${ok === undefined ? '' : ok ? 'ok' : 'bad'}`;
}

/** Wires the forms; `hooks.changed()` is called when the model in use changes. */
export function initSettings(options) {
  hooks = options;
  $('default-model').addEventListener('change', async (e) => {
    try {
      await api('/api/models/default', { method: 'PUT', body: { chat_model: e.target.value } });
      status('model-status', t('saved'), true);
      hooks.changed();
      await loadModels();
    } catch (err) { status('model-status', err.message, false); }
  });
  $('endpoint-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const name = await saveEndpoint();
      await api('/api/models/default', { method: 'PUT', body: { chat_model: name } });
      status('model-status', t('saved'), true);
      hooks.changed();
      await loadModels();
    } catch (err) { status('model-status', err.message, false); }
  });
  $('ep-test').addEventListener('click', async () => {
    try {
      const name = await saveEndpoint();
      await loadModels();
      await test(name);
    } catch (err) { status('model-status', err.message, false); }
  });
  $('retrieval-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('/api/settings', { method: 'PUT', body: {
        k: parseInt($('set-k').value, 10), search_mode: $('set-mode').value,
        answer_mode: $('set-answer').value, no_answer_threshold: parseFloat($('set-threshold').value),
      } });
      status('retrieval-status', t('saved'), true);
    } catch (err) { status('retrieval-status', err.message, false); }
  });
}

async function saveEndpoint() {
  const name = $('ep-name').value.trim();
  const spec = { provider: 'openai', base_url: $('ep-url').value.trim() };
  if ($('ep-model').value.trim()) spec.model = $('ep-model').value.trim();
  if ($('ep-key').value) spec.api_key = $('ep-key').value;
  await api(`/api/models/chat/${encodeURIComponent(name)}`, { method: 'PUT', body: spec });
  return name;
}

async function test(name) {
  status('model-status', t('testing'));
  const result = await api(`/api/models/chat/${encodeURIComponent(name)}/test`, { method: 'POST' });
  if (result.ok) status('model-status', t('connectionOk', { model: result.model, ms: Math.round(result.latency_ms), reply: (result.reply || '').trim() }), true);
  else status('model-status', t('connectionBad', { error: result.error }), false);
}

/** Loads every section from the server. */
export async function showSettings(kbs) {
  setTitle(t('settings'));
  await Promise.all([loadModels(), loadRetrieval(), loadEmbeddings(kbs)]);
}

async function loadModels() {
  const listing = await api('/api/models');
  const select = $('default-model');
  const names = new Set([...listing.available, ...listing.chat_models.map((m) => m.name), listing.default_chat_model]);
  select.replaceChildren(...[...names].map((name) => el('option', '', name, { value: name })));
  select.value = listing.default_chat_model;
  const list = $('model-list');
  list.replaceChildren(...listing.chat_models.map((m) => {
    const li = el('li');
    const label = el('span', '', `${m.name} — ${m.provider === 'openai' ? `${m.base_url}${m.model ? ` · ${m.model}` : ''}` : t('builtIn')}`);
    li.append(label);
    const acts = el('span', 'row');
    if (m.name === listing.default_chat_model) acts.append(el('span', 'muted small', t('inUse')));
    acts.append(button(t('testConnection'), 'plain small', () => test(m.name).catch((e) => status('model-status', e.message, false))));
    if (m.name !== listing.default_chat_model) {
      acts.append(button(t('delete'), 'plain small', async () => {
        try { await api(`/api/models/chat/${encodeURIComponent(m.name)}`, { method: 'DELETE' }); await loadModels(); } catch (e) { status('model-status', e.message, false); }
      }));
    }
    li.append(acts);
    return li;
  }));
  return listing;
}

async function loadRetrieval() {
  const s = await api('/api/settings');
  $('set-k').value = s.k;
  $('set-mode').value = s.search_mode;
  $('set-answer').value = s.answer_mode;
  $('set-threshold').value = s.no_answer_threshold;
}

async function loadEmbeddings(kbs) {
  const { embedding_models: models } = await api('/api/models');
  const list = $('embedding-list');
  if (!kbs.length) { list.replaceChildren(el('li', 'muted', t('noKbs'))); return; }
  list.replaceChildren(...kbs.map((kb) => {
    const li = el('li', 'row');
    const id = `emb-${kb.id}`;
    const label = el('label', 'grow', kb.name, { for: id });
    const select = el('select', '', undefined, { id });
    select.append(el('option', '', t('none'), { value: 'none' }));
    for (const m of models) select.append(el('option', '', m, { value: m }));
    select.value = kb.pending_embedding_model ?? kb.embedding_model ?? 'none';
    const note = el('span', 'muted small', kb.pending_embedding_model ? t('reembedding', { model: kb.pending_embedding_model }) : '');
    select.addEventListener('change', async () => {
      try {
        const updated = await api(`/api/kbs/${kb.id}`, { method: 'PATCH', body: { embedding_model: select.value } });
        note.textContent = updated.pending_embedding_model ? t('reembedding', { model: updated.pending_embedding_model }) : t('saved');
      } catch (e) { note.textContent = e.message; }
    });
    // Its own second search pass (default: the server's).
    const rerank = el('select', 'rerank', undefined, { id: `rerank-${kb.id}`, 'aria-label': `${t('rerankLabel')} ${kb.name}`, title: t('rerankLabel') });
    for (const [value, key] of [['default', 'rerankDefault'], ['off', 'rerankOff'], ['sentences', 'rerankSentences'], ['server', 'rerankServer']]) {
      rerank.append(el('option', '', t(key), { value }));
    }
    rerank.value = kb.rerank ?? 'default';
    rerank.addEventListener('change', async () => {
      try {
        await api(`/api/kbs/${kb.id}`, { method: 'PATCH', body: { rerank: rerank.value } });
        note.textContent = t('saved');
      } catch (e) { note.textContent = e.message; rerank.value = kb.rerank ?? 'default'; }
    });
    li.append(label, select, rerank, note);
    return li;
  }));
}
