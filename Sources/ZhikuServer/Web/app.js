// @ts-check
// Zhiku's web UI: the rail (knowledge bases, conversations), the views, routing by URL hash, theme and
// language. ES modules served by the zhiku binary itself; no framework, no build step.
import { api, setSession } from './api.js';
import { $, ask, button, el, setTitle, toast } from './dom.js';
import { language, setLanguage, t, translatePage } from './i18n.js';
import { currentConversation, initChat, newChat, openConversation, setKnowledgeBases, setModelLabel } from './chat.js';
import { dropped, hideKnowledgeBase, initKnowledgeBaseView, showKnowledgeBase } from './kb.js';
import { showSearchDebug } from './inspect.js';
import { closePanel } from './panel.js';
import { initSettings, showSettings } from './settings.js';

/** @type {import('./api.js').KnowledgeBase[]} */
let knowledgeBases = [];

async function loadKnowledgeBases() {
  ({ knowledge_bases: knowledgeBases } = await api('/api/kbs'));
  const list = $('kb-list');
  if (!knowledgeBases.length) list.replaceChildren(el('li', 'muted', t('noKbs')));
  else {
    list.replaceChildren(...knowledgeBases.map((kb) => {
      const li = el('li', '', undefined, { 'data-kb': String(kb.id) });
      li.append(el('a', '', kb.name, { href: `#/kb/${kb.id}` }));
      return li;
    }));
  }
  setKnowledgeBases(knowledgeBases);
  markActive();
}

async function loadConversations() {
  /** @type {{conversations: import('./api.js').Conversation[]}} */
  const { conversations } = await api('/api/conversations?limit=200');
  const list = $('conv-list');
  if (!conversations.length) { list.replaceChildren(el('li', 'muted', t('noConversations'))); return; }
  list.replaceChildren(...conversations.map((c) => {
    const li = el('li', '', undefined, { 'data-conversation': String(c.id) });
    li.append(el('a', '', c.title, { href: `#/c/${c.id}`, title: c.title }));
    const actions = el('span', 'actions');
    actions.append(
      button('✎', 'plain', async () => {
        const title = await ask(t('renameConv'), { value: c.title });
        if (!title) return;
        try { await api(`/api/conversations/${c.id}`, { method: 'PATCH', body: { title } }); } catch (e) { toast(e.message); }
        if (currentConversation() === c.id) setTitle(title);
        loadConversations();
      }, { 'aria-label': `${t('rename')}: ${c.title}`, title: t('rename') }),
      button('✕', 'plain', async () => {
        if (!(await ask(t('deleteConvConfirm', { name: c.title }), { okLabel: t('delete'), danger: true }))) return;
        try { await api(`/api/conversations/${c.id}`, { method: 'DELETE' }); } catch (e) { toast(e.message); }
        if (currentConversation() === c.id) location.hash = '#/';
        loadConversations();
      }, { 'aria-label': `${t('delete')}: ${c.title}`, title: t('delete') }),
    );
    li.append(actions);
    return li;
  }));
  markActive();
}

async function loadModelLabel() {
  try {
    const listing = await api('/api/models');
    setModelLabel(`${t('model')}: ${listing.default_chat_model}`);
  } catch { /* shown elsewhere */ }
}

function markActive() {
  const hash = location.hash || '#/';
  for (const li of document.querySelectorAll('.rail .list li')) {
    const a = li.querySelector('a');
    li.classList.toggle('active', !!a && a.getAttribute('href') === hash);
  }
}

function show(view) {
  for (const name of ['chat', 'kb', 'debug', 'settings']) $(`view-${name}`).hidden = name !== view;
  if (view !== 'kb') hideKnowledgeBase();
}

async function route() {
  const hash = location.hash || '#/';
  closeRail();
  markActive();
  let m;
  try {
    if ((m = hash.match(/^#\/c\/(\d+)$/))) {
      show('chat');
      if (currentConversation() !== Number(m[1])) await openConversation(Number(m[1]));
    } else if ((m = hash.match(/^#\/kb\/(\d+)$/))) {
      const kb = knowledgeBases.find((k) => k.id === Number(m[1]));
      if (!kb) { location.hash = '#/'; return; }
      show('kb');
      closePanel();
      await showKnowledgeBase(kb);
    } else if ((m = hash.match(/^#\/kb\/(\d+)\/search$/))) {
      const kb = knowledgeBases.find((k) => k.id === Number(m[1]));
      if (!kb) { location.hash = '#/'; return; }
      show('debug');
      closePanel();
      showSearchDebug(kb);
    } else if (hash === '#/settings') {
      show('settings');
      closePanel();
      await showSettings(knowledgeBases);
    } else {
      show('chat');
      if (currentConversation() !== null || !$('messages').childElementCount) newChat();
    }
  } catch (e) {
    toast(e.message);
  }
}

function openRail() { $('rail').classList.add('open'); $('scrim').hidden = false; }
function closeRail() { $('rail').classList.remove('open'); $('scrim').hidden = true; }

function applyTheme(theme) {
  const dark = theme ? theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

function wireDragAndDrop() {
  let depth = 0;
  const overlay = $('drop-overlay');
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    depth++;
    const kb = knowledgeBases.find((k) => `#/kb/${k.id}` === location.hash);
    $('drop-overlay-text').textContent = kb ? t('dropInto', { name: kb.name }) : t('dropNeedsKb');
    overlay.hidden = false;
  });
  window.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) overlay.hidden = true; });
  window.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
  window.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    $('dropzone').classList.remove('over');
    dropped(e.dataTransfer);
  });
}

/** Resolves once someone is signed in (at once when the server runs without sign-in). */
async function signIn() {
  const me = await api('/api/me');
  if (me.user) return me;
  const box = $('login');
  box.hidden = false;
  $('login-name').focus();
  return new Promise((resolve) => {
    $('login-form').onsubmit = async (e) => {
      e.preventDefault();
      $('login-error').textContent = '';
      try {
        const me = await api('/api/login', { method: 'POST', body: { name: $('login-name').value.trim(), password: $('login-password').value } });
        $('login-password').value = '';
        box.hidden = true;
        resolve(me);
      } catch (err) { $('login-error').textContent = err.message; }
    };
  });
}

async function start() {
  applyTheme(localStorage.getItem('zhiku.theme'));
  translatePage();
  $('lang-toggle').textContent = language() === 'zh' ? 'EN' : '中文';
  $('lang-toggle').addEventListener('click', () => {
    setLanguage(language() === 'zh' ? 'en' : 'zh');
    location.reload();
  });
  $('theme-toggle').addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    localStorage.setItem('zhiku.theme', next);
    applyTheme(next);
  });
  $('rail-open').addEventListener('click', openRail);
  $('rail-close').addEventListener('click', closeRail);
  $('scrim').addEventListener('click', closeRail);
  $('panel-close').addEventListener('click', closePanel);
  $('dialog-cancel').addEventListener('click', () => $('dialog').close('cancel'));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('panel').hidden && !$('dialog').open) closePanel();
  });
  $('new-chat').addEventListener('click', () => {
    if (location.hash === '#/' || location.hash === '') newChat(); else location.hash = '#/';
    closeRail();
    $('prompt').focus();
  });
  $('kb-create').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('kb-new-name').value.trim();
    if (!name) return;
    try {
      const kb = await api('/api/kbs', { method: 'POST', body: { name } });
      $('kb-new-name').value = '';
      await loadKnowledgeBases();
      location.hash = `#/kb/${kb.id}`;
    } catch (err) { toast(err.message); }
  });
  initChat(() => loadConversations().catch((e) => toast(e.message)));
  initKnowledgeBaseView({
    changed: () => loadKnowledgeBases().catch((e) => toast(e.message)),
    ask: (kb) => { location.hash = '#/'; newChat(kb.id); $('prompt').focus(); },
  });
  initSettings({ changed: loadModelLabel });
  wireDragAndDrop();
  const me = await signIn();
  setSession(me.csrf_token, () => location.reload());
  if (me.auth) {
    const logout = $('logout');
    logout.hidden = false;
    logout.textContent = t('signOut', { name: me.user.name });
    logout.addEventListener('click', async () => { try { await api('/api/logout', { method: 'POST' }); } finally { location.reload(); } });
    wirePasswordChange();
  }
  window.addEventListener('hashchange', route);
  try {
    await Promise.all([loadKnowledgeBases(), loadConversations(), loadModelLabel()]);
  } catch (e) { toast(e.message || t('offline')); }
  await route();
  document.body.dataset.ready = 'true';
}

start();

/** The signed-in user's own password: current and new in a dialog; the answer is a fresh session for this browser. */
function wirePasswordChange() {
  const dialog = $('password-dialog');
  const error = $('pw-error');
  $('change-password').hidden = false;
  $('change-password').addEventListener('click', () => {
    $('password-form').reset();
    error.textContent = '';
    dialog.showModal();
    $('pw-current').focus();
  });
  $('pw-cancel').addEventListener('click', () => dialog.close());
  $('password-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const me = await api('/api/me/password', { method: 'POST', body: { current_password: $('pw-current').value, new_password: $('pw-new').value } });
      setSession(me.csrf_token);
      dialog.close();
      toast(t('passwordChanged'));
    } catch (e) { error.textContent = e.message; }
  });
}
