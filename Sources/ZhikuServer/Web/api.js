// @ts-check
// Talking to the Zhiku server: JSON calls, the chat's Server-Sent Events, uploads with transfer progress.
// The shapes below are the server's JSON (snake_case keys, times as ISO 8601 strings); the other modules name them
// as import('./api.js').Name, and `tsc -p scripts/web-tsconfig.json` checks the uses.

/** @typedef {{code: string, message: string, detail?: string}} ErrorBody The `error` of a failed answer. */
/**
 * @typedef {object} KnowledgeBase
 * @property {number} id
 * @property {string} name
 * @property {string} description
 * @property {string} created_at
 * @property {string | null} [embedding_model]
 * @property {string | null} [pending_embedding_model]
 * @property {number | null} [owner_id]
 * @property {'off' | 'sentences' | 'server' | null} [rerank] Its own second search pass (null: the server's).
 */
/**
 * @typedef {object} FileRecord
 * @property {number} id
 * @property {number} knowledge_base_id
 * @property {string} name
 * @property {string} sha256
 * @property {string} media_type
 * @property {number} size
 * @property {'pending' | 'ready' | 'failed' | 'deleting'} status
 * @property {string | null} [error]
 * @property {number} page_count
 * @property {number} chunk_count
 * @property {string} created_at
 * @property {string} updated_at
 * @property {DocumentMetadata | null} [metadata]
 * @property {string[]} [tags]
 */
/**
 * @typedef {object} DocumentMetadata What a document says about itself (PDF info, Office core properties, EPUB).
 * @property {string | null} [title]
 * @property {string | null} [author]
 * @property {string | null} [created]
 * @property {string | null} [modified]
 */
/**
 * @typedef {object} Job
 * @property {number} id
 * @property {number} knowledge_base_id
 * @property {number} file_id
 * @property {'queued' | 'running' | 'succeeded' | 'failed'} status
 * @property {number} pages_done
 * @property {number} pages_total
 * @property {number} pages_ocr
 * @property {number} chunks
 * @property {number} chunks_embedded
 * @property {string | null} [error]
 * @property {number} attempts
 */
/**
 * @typedef {object} Citation A numbered source of an answer.
 * @property {number} n
 * @property {number} chunk_id
 * @property {number} file_id
 * @property {string} file_name
 * @property {number} page
 * @property {number} start
 * @property {number} end
 * @property {number | null} [start_seconds]
 * @property {number | null} [end_seconds]
 * @property {string} snippet
 * @property {string | null} [section] The headings the passage sits under ("安装 › 安装过程"); a worksheet's name.
 * @property {number | null} [first_row] Worksheets and CSV: the first source row of the passage.
 * @property {number | null} [last_row]
 * @property {number} score
 * @property {number | null} [vector_score]
 * @property {number | null} [keyword_score]
 * @property {number | null} [keyword_rank] Where keyword search ranked the passage (absent: not in its list).
 * @property {number | null} [vector_rank]
 * @property {number | null} [rerank_score]
 */
/** @typedef {'stop' | 'length' | 'not_found' | 'extractive' | 'cancelled' | 'error'} FinishReason */
/**
 * @typedef {object} AnswerStats
 * @property {string | null} [model]
 * @property {number} prompt_tokens
 * @property {number} completion_tokens
 * @property {FinishReason} finish_reason
 * @property {number} retrieval_ms
 * @property {number | null} [first_token_ms]
 * @property {number} total_ms
 */
/**
 * @typedef {object} Conversation
 * @property {number} id
 * @property {string} title
 * @property {number | null} [kb_id]
 * @property {string} created_at
 * @property {string} updated_at
 * @property {number} message_count
 */
/**
 * @typedef {object} ConversationMessage
 * @property {number} id
 * @property {'system' | 'user' | 'assistant'} role
 * @property {string} content
 * @property {Citation[]} citations
 * @property {AnswerStats | null} [stats]
 * @property {number | null} [audit_id] The answer's id for feedback.
 * @property {AnswerFeedback | null} [feedback]
 */
/**
 * @typedef {object} AnswerFeedback
 * @property {'up' | 'down'} rating
 * @property {string | null} [comment]
 * @property {string} at
 */
/**
 * The events of an answer's stream (`/api/chat`), by name: `conversation` (a new conversation's id, first),
 * `citations`, `queued` (place in the model's queue), `progress` (prompt reading), `token`, `done`, `error`.
 * @typedef {{conversation_id: number}} ConversationEvent
 * @typedef {{citations: Citation[]}} CitationsEvent
 * @typedef {{position: number}} QueuedEvent
 * @typedef {{prompt_tokens_done: number, prompt_tokens_total: number}} ProgressEvent
 * @typedef {{text: string}} TokenEvent
 * @typedef {{not_found: boolean, stats: AnswerStats, answer_id: number, message_id?: number, conversation_id?: number}} DoneEvent
 * @typedef {ErrorBody} ErrorEvent
 */

let csrfToken = null;
let onUnauthorized = () => {};

/** The browser session's CSRF token, sent as `X-CSRF-Token` with every changing request. */
export function setSession(token, unauthorized) { csrfToken = token; if (unauthorized) onUnauthorized = unauthorized; }

function headersFor(method, extra = {}) {
  const headers = { ...extra };
  if (csrfToken && method !== 'GET') headers['x-csrf-token'] = csrfToken;
  return headers;
}

/** An error from the server, with its `{error: {code, message}}` body. */
export class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/**
 * The APIError of a failed answer: the server's `{error: {code, message}}` envelope (the only parser of it), or
 * the HTTP status when the body is not one. A 401 (an expired session) also calls the sign-in handler, when
 * `signsOut` (not for the sign-in request itself).
 */
function errorOf(status, statusText, data, signsOut) {
  const error = data && data.error ? data.error : { code: 'http', message: `${status} ${statusText || ''}`.trim() };
  if (status === 401 && signsOut) onUnauthorized();
  return new APIError(status, error.code, error.message);
}

/** Throws the APIError of a failed `response` (JSON calls, streams, uploads of bytes). */
async function failure(response) {
  throw errorOf(response.status, response.statusText, await response.json().catch(() => null), true);
}

/**
 * Calls `path` and returns its JSON (null for 204). Non-2xx answers throw an APIError with the server's message.
 * @param {string} path
 * @param {{method?: string, body?: any, signal?: AbortSignal}} options
 * @returns {Promise<any>}
 */
export async function api(path, { method = 'GET', body, signal } = {}) {
  const options = { method, signal, headers: headersFor(method) };
  if (body !== undefined) { options.body = JSON.stringify(body); options.headers['content-type'] = 'application/json'; }
  let response;
  try { response = await fetch(path, options); } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new APIError(0, 'offline', e.message);
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => null);
  if (!response.ok) throw errorOf(response.status, response.statusText, data, path !== '/api/login');
  return data;
}

/**
 * Posts to an SSE endpoint and calls `onEvent(name, data)` for each event as it arrives. Resolves when the stream
 * ends; `signal` aborts it (the server notices the closed connection and stops generating).
 * @param {string} path
 * @param {object} body
 * @param {(name: string, data: any) => void} onEvent
 * @param {AbortSignal} [signal]
 */
export async function streamEvents(path, body, onEvent, signal) {
  const response = await fetch(path, {
    method: 'POST', signal, headers: headersFor('POST', { 'content-type': 'application/json', accept: 'text/event-stream' }),
    body: JSON.stringify(body),
  });
  if (!response.ok) await failure(response);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = 'message', data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data += line.slice(5).trimStart();
      }
      if (data) onEvent(name, JSON.parse(data));
    }
  }
}

/**
 * Uploads `file` to a knowledge base as multipart/form-data. `onProgress(fraction)` follows the transfer (fetch
 * cannot report upload progress; XMLHttpRequest can). Resolves with the server's JSON answer.
 */
export function uploadFile(kbId, file, name, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/kbs/${encodeURIComponent(kbId)}/files`);
    xhr.responseType = 'json';
    for (const [name, value] of Object.entries(headersFor('POST'))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      const data = xhr.response;
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(errorOf(xhr.status, xhr.statusText, data, true));
    };
    xhr.onerror = () => reject(new APIError(0, 'offline', 'the upload was interrupted'));
    const form = new FormData();
    form.append('file', file, name);
    xhr.send(form);
  });
}



/** Posts raw bytes (a recording) to `path` and returns the JSON answer. */
export async function postBytes(path, blob) {
  const response = await fetch(path, { method: 'POST', headers: headersFor('POST', { 'content-type': blob.type || 'application/octet-stream' }), body: blob });
  if (!response.ok) await failure(response);
  return response.json();
}

/** Posts JSON to `path` and returns the binary answer (synthesized speech) as a Blob. */
export async function postForBlob(path, body, signal) {
  const response = await fetch(path, { method: 'POST', signal, headers: headersFor('POST', { 'content-type': 'application/json' }), body: JSON.stringify(body) });
  if (!response.ok) await failure(response);
  return response.blob();
}
