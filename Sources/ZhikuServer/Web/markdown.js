// @ts-check
// Markdown to DOM, safely: the renderer builds elements and text nodes itself and never parses HTML, so markup in a
// model's answer (a <script>, an <img onerror>) shows as the text it is. Links keep only http(s) and mailto targets.
//
// Blocks: paragraphs, headings, fenced and indented code, block quotes, bullet and numbered lists (nested by
// indentation), tables, rules. Inline: code, bold, italic, strike-through, links, bare URLs, and citation markers
// [1] / [1, 2] handed to `options.cite(n)` (which returns a node, or null to leave the text).

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)\s*$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/** Renders `source` into a new `<div class="md">`. */
export function renderMarkdown(source, options = {}) {
  const root = document.createElement('div');
  root.className = 'md';
  blocks(source.replace(/\r\n?/g, '\n').split('\n'), root, options);
  return root;
}

function blocks(lines, parent, options) {
  let i = 0;
  const isBlank = (line) => line.trim() === '';
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) { i++; continue; }
    let m;
    if ((m = line.match(FENCE))) {
      const fence = m[1];
      const code = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence)) code.push(lines[i++]);
      i++;
      const pre = document.createElement('pre');
      const c = document.createElement('code');
      if (m[2]) c.dataset.lang = m[2];
      c.textContent = code.join('\n');
      pre.append(c);
      parent.append(pre);
      continue;
    }
    if ((m = line.match(HEADING))) {
      const h = document.createElement(`h${m[1].length}`);
      inline(m[2], h, options);
      parent.append(h);
      i++;
      continue;
    }
    if (RULE.test(line)) { parent.append(document.createElement('hr')); i++; continue; }
    if (QUOTE.test(line)) {
      const inner = [];
      while (i < lines.length && (m = lines[i].match(QUOTE))) { inner.push(m[1]); i++; }
      const quote = document.createElement('blockquote');
      blocks(inner, quote, options);
      parent.append(quote);
      continue;
    }
    if (ITEM.test(line)) { i = list(lines, i, parent, options); continue; }
    if (line.includes('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]) && lines[i + 1].includes('-')) {
      i = table(lines, i, parent, options);
      continue;
    }
    if (/^( {4}|\t)/.test(line)) {
      const code = [];
      while (i < lines.length && (/^( {4}|\t)/.test(lines[i]) || isBlank(lines[i]))) code.push(lines[i++].replace(/^( {4}|\t)/, ''));
      const pre = document.createElement('pre');
      const c = document.createElement('code');
      c.textContent = code.join('\n').replace(/\n+$/, '');
      pre.append(c);
      parent.append(pre);
      continue;
    }
    const text = [];
    while (i < lines.length && !isBlank(lines[i]) && !FENCE.test(lines[i]) && !HEADING.test(lines[i]) &&
           !QUOTE.test(lines[i]) && !(ITEM.test(lines[i]) && text.length === 0) && !RULE.test(lines[i])) {
      if (text.length && ITEM.test(lines[i])) break;
      text.push(lines[i++].trim());
    }
    const p = document.createElement('p');
    text.forEach((t, k) => { if (k) p.append(document.createElement('br')); inline(t, p, options); });
    parent.append(p);
  }
}

function list(lines, start, parent, options) {
  const first = lines[start].match(ITEM);
  const indent = first[1].length;
  const ordered = /\d/.test(first[2]);
  const node = document.createElement(ordered ? 'ol' : 'ul');
  if (ordered && parseInt(first[2], 10) !== 1) node.setAttribute('start', String(parseInt(first[2], 10)));
  let i = start;
  while (i < lines.length) {
    const m = lines[i].match(ITEM);
    if (!m || m[1].length < indent || (m[1].length === indent && /\d/.test(m[2]) !== ordered)) break;
    if (m[1].length > indent) {
      i = list(lines, i, node.lastElementChild || node, options);
      continue;
    }
    const item = document.createElement('li');
    const body = [m[3]];
    i++;
    while (i < lines.length && lines[i].trim() !== '' && !ITEM.test(lines[i]) && !FENCE.test(lines[i])) body.push(lines[i++].trim());
    body.forEach((t, k) => { if (k) item.append(document.createElement('br')); inline(t, item, options); });
    node.append(item);
    if (i < lines.length && lines[i].trim() === '' && i + 1 < lines.length) {
      const next = lines[i + 1].match(ITEM);
      if (next && next[1].length >= indent) i++;
    }
  }
  parent.append(node);
  return i;
}

function cells(line) {
  let text = line.trim();
  if (text.startsWith('|')) text = text.slice(1);
  if (text.endsWith('|') && !text.endsWith('\\|')) text = text.slice(0, -1);
  return text.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
}

function table(lines, start, parent, options) {
  const head = cells(lines[start]);
  const aligns = cells(lines[start + 1]).map((c) => (c.endsWith(':') ? (c.startsWith(':') ? 'center' : 'right') : ''));
  const node = document.createElement('table');
  const thead = document.createElement('thead');
  const row = document.createElement('tr');
  head.forEach((text, k) => {
    const th = document.createElement('th');
    if (aligns[k]) th.style.textAlign = aligns[k];
    inline(text, th, options);
    row.append(th);
  });
  thead.append(row);
  node.append(thead);
  const body = document.createElement('tbody');
  let i = start + 2;
  while (i < lines.length && lines[i].includes('|') && lines[i].trim() !== '') {
    const tr = document.createElement('tr');
    cells(lines[i]).forEach((text, k) => {
      if (k >= head.length) return;
      const td = document.createElement('td');
      if (aligns[k]) td.style.textAlign = aligns[k];
      inline(text, td, options);
      tr.append(td);
    });
    body.append(tr);
    i++;
  }
  node.append(body);
  parent.append(node);
  return i;
}

/** A link target that is safe to follow, or null. */
export function safeURL(raw) {
  const text = raw.trim();
  try {
    const url = new URL(text, location.href);
    return ['http:', 'https:', 'mailto:'].includes(url.protocol) ? url.href : null;
  } catch { return null; }
}

const INLINE = [
  { re: /^`+/, kind: 'code' },
  { re: /^\[(\d{1,3}(?:\s*[,，]\s*\d{1,3})*)\]/, kind: 'cite' },
  { re: /^\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)(?:\s+"[^"]*")?\)/, kind: 'link' },
  // Underscores do not open or close inside words (snake_case, window.__name stay as they are).
  { re: /^(\*\*)(?=\S)([\s\S]+?)(?<=\S)\*\*/, kind: 'strong' },
  { re: /^(__)(?=\S)([\s\S]+?)(?<=\S)__(?![\p{L}\p{N}_])/u, kind: 'strong' },
  { re: /^~~(?=\S)([\s\S]+?)(?<=\S)~~/, kind: 'del' },
  { re: /^(\*)(?=\S)([\s\S]+?)(?<=\S)\*(?!\*)/, kind: 'em' },
  { re: /^(_)(?=\S)([\s\S]+?)(?<=\S)_(?![\p{L}\p{N}_])/u, kind: 'em' },
  { re: /^https?:\/\/[^\s<>()（）\]]+[^\s<>()（）\].,;:!?。，；：！？'"]/, kind: 'url' },
];

function inline(text, parent, options) {
  let plain = '';
  const flush = () => { if (plain) { parent.append(document.createTextNode(plain)); plain = ''; } };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length && /[\\`*_{}[\]()#+\-.!|~<>]/.test(text[i + 1])) { plain += text[i + 1]; i += 2; continue; }
    if (!'`[*_~h'.includes(ch)) { plain += ch; i++; continue; }
    if (ch === '_' && i > 0 && /\w/.test(text[i - 1])) { plain += ch; i++; continue; }
    const rest = text.slice(i);
    let done = false;
    for (const rule of INLINE) {
      const m = rest.match(rule.re);
      if (!m) continue;
      if (rule.kind === 'code') {
        const ticks = m[0];
        const end = rest.indexOf(ticks, ticks.length);
        if (end < 0) break;
        flush();
        const c = document.createElement('code');
        c.textContent = rest.slice(ticks.length, end).trim();
        parent.append(c);
        i += end + ticks.length;
        done = true;
        break;
      }
      if (rule.kind === 'cite') {
        const numbers = m[1].split(/[,，]/).map((n) => parseInt(n, 10));
        const nodes = options.cite ? numbers.map((n) => options.cite(n)) : [];
        if (!nodes.length || nodes.some((n) => !n)) continue;
        flush();
        nodes.forEach((n) => parent.append(n));
        i += m[0].length;
        done = true;
        break;
      }
      if (rule.kind === 'link') {
        const href = safeURL(m[2]);
        flush();
        if (href) {
          const a = document.createElement('a');
          a.href = href;
          a.target = '_blank';
          a.rel = 'noopener noreferrer nofollow';
          inline(m[1], a, options);
          parent.append(a);
        } else {
          inline(m[1], parent, options);
        }
        i += m[0].length;
        done = true;
        break;
      }
      if (rule.kind === 'url') {
        const href = safeURL(m[0]);
        if (!href) continue;
        flush();
        const a = document.createElement('a');
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener noreferrer nofollow';
        a.textContent = m[0];
        parent.append(a);
        i += m[0].length;
        done = true;
        break;
      }
      const tag = rule.kind;
      const inner = tag === 'del' ? m[1] : m[2];
      flush();
      const node = document.createElement(tag);
      inline(inner, node, options);
      parent.append(node);
      i += m[0].length;
      done = true;
      break;
    }
    if (!done) { plain += ch; i++; }
  }
  flush();
}
