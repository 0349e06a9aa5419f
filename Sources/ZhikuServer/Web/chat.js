// @ts-check
// The conversation column: sending questions, streaming answers, citations, stop, regenerate, copy.
import { api, streamEvents } from './api.js';
import { $, ask, button, el, setTitle, toast } from './dom.js';
import { t } from './i18n.js';
import { renderMarkdown } from './markdown.js';
import { showWhy } from './inspect.js';
import { citedWhere, closePanel, showSources } from './panel.js';
import { autoRead, initMicrophone, setAutoRead, speak, speakable, stopSpeaking } from './voice.js';

const state = {
  conversationId: null,
  kbId: '',
  /** Shown turns: {role, content, citations, stats, notFound, stopped, error} */
  turns: [],
  controller: null,
  onChange: () => {},
};

/** Wires the composer; `onChange` is called when a conversation is created or updated. */
export function initChat(onChange) {
  state.onChange = onChange;
  const prompt = $('prompt');
  prompt.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('composer').requestSubmit(); }
  });
  prompt.addEventListener('input', () => autosize(prompt));
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const question = prompt.value.trim();
    if (!question || state.controller) return;
    prompt.value = '';
    autosize(prompt);
    send(question, false);
  });
  $('stop').addEventListener('click', () => state.controller?.abort());
  // Voice: the words go into the box to be checked; hands-free (answers read aloud) sends them at once.
  initMicrophone($('mic'), (text) => {
    prompt.value = prompt.value.trim() ? `${prompt.value.trim()} ${text}` : text;
    autosize(prompt);
    prompt.focus();
    if (autoRead() && !state.controller) $('composer').requestSubmit();
  });
  $('auto-read').checked = autoRead();
  $('auto-read').addEventListener('change', (e) => { setAutoRead(e.target.checked); if (!e.target.checked) stopSpeaking(); });
  $('chat-kb').addEventListener('change', () => { state.kbId = $('chat-kb').value; });
}

function autosize(area) {
  area.style.height = 'auto';
  const limit = window.innerHeight * 0.4;
  area.style.height = `${Math.min(area.scrollHeight + 2, limit)}px`;
  area.style.overflowY = area.scrollHeight > limit ? 'auto' : 'hidden';
}

/** Fills the knowledge-base picker, keeping the current choice when it still exists. */
export function setKnowledgeBases(kbs) {
  const select = $('chat-kb');
  const keep = state.kbId;
  select.replaceChildren(el('option', '', t('noKb'), { value: '' }));
  for (const kb of kbs) select.append(el('option', '', kb.name, { value: String(kb.id) }));
  if (keep && kbs.some((kb) => String(kb.id) === keep)) select.value = keep;
  else if (!keep && kbs.length && state.turns.length === 0) select.value = String(kbs[0].id);
  state.kbId = select.value;
}

export function setModelLabel(text) { $('chat-model').textContent = text; }

/** Starts a new, empty conversation (optionally asking `kbId`). */
export function newChat(kbId) {
  state.controller?.abort();
  state.conversationId = null;
  state.turns = [];
  closePanel();
  if (kbId !== undefined) { $('chat-kb').value = String(kbId); state.kbId = $('chat-kb').value; }
  render();
  setTitle(t('newConversation'));
}

export const currentConversation = () => state.conversationId;

/** Loads a stored conversation and shows it. */
export async function openConversation(id) {
  state.controller?.abort();
  /** @type {{conversation: import('./api.js').Conversation, messages: import('./api.js').ConversationMessage[]}} */
  const { conversation, messages } = await api(`/api/conversations/${id}`);
  closePanel();
  state.conversationId = conversation.id;
  if (conversation.kb_id != null && [...$('chat-kb').options].some((o) => o.value === String(conversation.kb_id))) {
    $('chat-kb').value = String(conversation.kb_id);
  } else {
    $('chat-kb').value = '';
  }
  state.kbId = $('chat-kb').value;
  state.turns = messages.map((m) => ({
    role: m.role, content: m.content, citations: m.citations || [], stats: m.stats,
    answerId: m.audit_id ?? null, feedback: m.feedback ?? null,
    notFound: m.stats?.finish_reason === 'not_found', stopped: m.stats?.finish_reason === 'cancelled',
    kbId: conversation.kb_id,
  }));
  setTitle(conversation.title);
  render();
}

function render() {
  const box = $('messages');
  box.replaceChildren(...state.turns.map((turn, i) => turnNode(turn, i)));
  $('chat-empty').hidden = state.turns.length > 0;
  box.scrollTop = box.scrollHeight;
}

function turnNode(turn, index) {
  const node = el('article', `msg ${turn.role}`);
  if (turn.role === 'user') {
    node.append(el('div', 'bubble', turn.content));
    return node;
  }
  if (turn.notFound) node.classList.add('notfound');
  if (turn.error) node.classList.add('error');
  if (turn.notFound) node.append(el('span', 'badge', t('notFound')));
  const content = el('div', 'content');
  node.append(content);
  fillAnswer(content, turn);
  if (turn.citations?.length) {
    const cites = el('div', 'cites');
    for (const c of turn.citations) {
      cites.append(button(`[${c.n}] ${c.file_name} · ${citedWhere(c, true)}`, 'chip', () => showSources(turn.citations, c.n, turn.kbId, turn.content),
        { 'data-n': String(c.n) }));
    }
    node.append(cites);
  }
  if (!turn.streaming) {
    const meta = el('div', 'meta');
    if (turn.stopped) meta.append(el('span', 'badge', t('stopped')));
    meta.append(button(t('readAloud'), 'plain read-aloud', (e) => speak(speakable(turn.content), e.currentTarget)));
    meta.append(button(t('copy'), 'plain copy', async (e) => {
      try { await navigator.clipboard.writeText(turn.content); e.target.textContent = t('copied'); } catch { toast(turn.content.slice(0, 80)); }
    }));
    if (turn.citations?.length) meta.append(button(t('whySources'), 'plain why', () => showWhy(turn.citations)));
    if (turn.answerId != null && !turn.error) meta.append(...rateButtons(turn));
    const isLast = index === state.turns.length - 1;
    if (isLast && index > 0) meta.append(button(t('regenerate'), 'plain regenerate', () => regenerate()));
    if (turn.stats?.model) {
      let text = turn.stats.model;
      const seconds = (turn.stats.total_ms - (turn.stats.first_token_ms ?? 0)) / 1000;
      if (turn.stats.completion_tokens > 1 && seconds > 0) text += ` · ${t('tokensPerSecond', { n: (turn.stats.completion_tokens / seconds).toFixed(1) })}`;
      meta.append(el('span', 'small', text));
    }
    node.append(meta);
  }
  return node;
}

/**
 * 👍 and 👎 (shown as ✓ Helpful, ✗ Not helpful) for an answer: pressing one records it (👎 asks what was wrong),
 * pressing it again takes it back.
 * @param {{answerId: number, feedback: {rating: string, comment?: string} | null}} turn
 */
function rateButtons(turn) {
  const make = (rating, symbol, label) => button(symbol, `plain rate rate-${rating}`, async () => {
    const current = turn.feedback?.rating;
    /** @type {{rating: string | null, comment?: string}} */
    const body = { rating: current === rating ? null : rating };
    if (body.rating === 'down') {
      const comment = await ask(t('feedbackComment'), { value: '' });
      if (comment === null) return;
      if (comment) body.comment = String(comment);
    }
    try {
      const saved = await api(`/api/answers/${turn.answerId}/feedback`, { method: 'POST', body });
      turn.feedback = saved.feedback ?? null;
      if (turn.feedback) toast(t('feedbackSaved'));
      render();
    } catch (e) { toast(e.message); }
  }, { 'aria-label': label, title: label, 'aria-pressed': String(turn.feedback?.rating === rating) });
  // ✓ and ✗ are in every Debian font (emoji are not always installed).
  return [make('up', `✓ ${t('helpful')}`, t('helpful')), make('down', `✗ ${t('notHelpful')}`, t('notHelpful'))];
}

function fillAnswer(content, turn) {
  const cite = (n) => {
    const c = turn.citations?.find((x) => x.n === n);
    if (!c) return null;
    const a = el('a', 'cite', `[${n}]`, { href: `#source-${n}`, 'data-n': String(n), title: `${c.file_name} · ${citedWhere(c, true)}` });
    a.addEventListener('click', (e) => { e.preventDefault(); showSources(turn.citations, n, turn.kbId, turn.content); });
    return a;
  };
  if (turn.streaming && !turn.content) {
    // Before the first token: the answer waits its turn at the model (its place in line), the model reads its
    // sources (a progress bar), or the search is still running.
    const wait = el('div', 'reading');
    if (turn.queued && !turn.progress) {
      wait.append(el('span', 'small cursor', t('waitingTurn', { n: turn.queued })));
    } else if (turn.progress) {
      const pct = Math.floor((100 * turn.progress.done) / Math.max(1, turn.progress.total));
      const bar = el('progress', 'reading-bar', '', { max: String(turn.progress.total), value: String(turn.progress.done) });
      wait.append(bar, el('span', 'small', t('readingSources', { n: turn.citations?.length || 0, pct })));
    } else {
      wait.append(el('span', 'small cursor', t('thinking')));
    }
    content.replaceChildren(wait);
    return;
  }
  const md = renderMarkdown(turn.content, { cite });
  if (turn.streaming) (md.lastElementChild?.tagName === 'P' ? md.lastElementChild : md).classList.add('cursor');
  content.replaceChildren(md);
}

function setBusy(busy) {
  $('send').hidden = busy;
  $('stop').hidden = !busy;
}

async function regenerate() {
  const last = state.turns[state.turns.length - 2];
  if (!last || last.role !== 'user' || state.controller) return;
  state.turns.splice(state.turns.length - 1, 1);
  await send(last.content, true);
}

async function send(question, again) {
  const kbId = state.kbId;
  if (!again) state.turns.push({ role: 'user', content: question });
  const turn = { role: 'assistant', content: '', citations: [], streaming: true, kbId: kbId || null };
  state.turns.push(turn);
  render();
  let node = $('messages').lastElementChild;
  let content = node.querySelector('.content');
  const controller = new AbortController();
  state.controller = controller;
  setBusy(true);
  let frame = 0;
  const redraw = () => {
    frame = 0;
    const box = $('messages');
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    fillAnswer(content, turn);
    if (atBottom) box.scrollTop = box.scrollHeight;
  };
  const body = { question };
  if (kbId) body.kb = kbId;
  const tags = $('chat-tags').value.split(/[,，]/).map((s) => s.trim()).filter(Boolean);
  if (kbId && tags.length) body.filters = { tags };
  if (state.conversationId != null) body.conversation_id = state.conversationId;
  if (again) body.regenerate = true;
  // The server names a new conversation in the answer's first event, so a stopped answer continues it too.
  let started = false;
  try {
    await streamEvents('/api/chat', body, (name, data) => {
      if (name === 'conversation') {
        const event = /** @type {import('./api.js').ConversationEvent} */ (data);
        if (state.conversationId == null) {
          state.conversationId = event.conversation_id;
          started = true;
          setTitle(question.split('\n')[0].slice(0, 60));
        }
      } else if (name === 'citations') {
        turn.citations = /** @type {import('./api.js').CitationsEvent} */ (data).citations;
        const fresh = turnNode(turn, state.turns.length - 1);
        node.replaceWith(fresh);
        node = fresh;
        content = fresh.querySelector('.content');
      } else if (name === 'queued') {
        turn.queued = /** @type {import('./api.js').QueuedEvent} */ (data).position;
        if (!frame) frame = requestAnimationFrame(redraw);
      } else if (name === 'progress') {
        const event = /** @type {import('./api.js').ProgressEvent} */ (data);
        turn.progress = { done: event.prompt_tokens_done, total: event.prompt_tokens_total };
        if (!frame) frame = requestAnimationFrame(redraw);
      } else if (name === 'token') {
        turn.content += /** @type {import('./api.js').TokenEvent} */ (data).text;
        if (!frame) frame = requestAnimationFrame(redraw);
      } else if (name === 'done') {
        const event = /** @type {import('./api.js').DoneEvent} */ (data);
        turn.notFound = event.not_found;
        turn.stats = event.stats;
        turn.answerId = event.answer_id ?? null;
        turn.feedback = null;
      } else if (name === 'error') {
        turn.error = true;
        turn.content += (turn.content ? '\n\n' : '') + t('errorPrefix') + /** @type {import('./api.js').ErrorEvent} */ (data).message;
      }
    }, controller.signal);
  } catch (e) {
    if (e.name === 'AbortError') turn.stopped = true;
    else { turn.error = true; turn.content += (turn.content ? '\n\n' : '') + t('errorPrefix') + e.message; }
  } finally {
    if (frame) cancelAnimationFrame(frame);
    turn.streaming = false;
    state.controller = null;
    setBusy(false);
    render();
    if (autoRead() && !turn.stopped && !turn.error && turn.content) {
      speak(speakable(turn.content), $('messages').lastElementChild?.querySelector('.read-aloud'));
    }
    // A conversation this answer started is kept by the server only when the answer has text.
    if (started && (turn.error || (turn.stopped && !turn.content))) state.conversationId = null;
    state.onChange();
    if (state.conversationId != null && location.hash !== `#/c/${state.conversationId}`) {
      history.replaceState(null, '', `#/c/${state.conversationId}`);
    }
  }
}
