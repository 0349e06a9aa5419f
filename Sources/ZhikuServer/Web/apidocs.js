// @ts-check
// The readable API page (/api-docs): /openapi.json shown as sections of operations — method, path, what it does,
// its parameters, the request body's and the response's fields. Built from text with DOM calls, like the app.
import { el } from './dom.js';

/** The schema a `$ref` names, or the schema itself. */
function resolve(schema, components) {
  const ref = schema && schema.$ref;
  return ref ? components[ref.split('/').pop()] ?? {} : schema ?? {};
}

/** A one-line type: string, integer[], File, string | null, … */
function typeName(schema, components) {
  if (!schema) return 'any';
  if (schema.$ref) return schema.$ref.split('/').pop();
  if (schema.oneOf) return schema.oneOf.map((s) => typeName(s, components)).join(' | ');
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type ?? 'any';
  if (schema.type === 'array' || (Array.isArray(schema.type) && schema.type.includes('array'))) return `${typeName(schema.items, components)}[]`;
  return type;
}

/** A list of an object schema's fields (one level; named schemas link to their section). */
function fields(schema, components) {
  const resolved = resolve(schema, components);
  const list = el('ul', 'api-fields');
  const props = resolved.properties ?? {};
  const required = new Set(resolved.required ?? []);
  for (const name of Object.keys(props).sort()) {
    const item = el('li');
    item.append(el('code', '', name), el('span', 'muted', ` ${typeName(props[name], components)}${required.has(name) ? '' : '?'}`));
    if (props[name].description) item.append(el('span', 'small', ` — ${props[name].description}`));
    list.append(item);
  }
  if (!Object.keys(props).length) list.append(el('li', 'muted', typeName(schema, components)));
  return list;
}

async function start() {
  const doc = await (await fetch('/openapi.json')).json();
  const components = doc.components.schemas;
  document.getElementById('api-title').textContent = `${doc.info.title} · HTTP API ${doc.info.version}`;
  document.getElementById('api-about').textContent = doc.info.description;
  const byTag = new Map((doc.tags ?? []).map((tag) => [tag.name, []]));
  for (const path of Object.keys(doc.paths).sort()) {
    for (const [method, op] of Object.entries(doc.paths[path])) {
      const tag = op.tags[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  }
  const toc = document.getElementById('api-toc');
  const box = document.getElementById('api-operations');
  for (const [tag, ops] of byTag) {
    const id = `tag-${tag.replace(/\W+/g, '-')}`;
    toc.append(el('a', 'chip', tag, { href: `#${id}` }), ' ');
    const section = el('section', 'api-section', undefined, { id });
    section.append(el('h2', '', tag));
    for (const { path, method, op } of ops) {
      const card = el('article', 'api-op', undefined, { 'data-route': `${method.toUpperCase()} ${path}` });
      const head = el('h3');
      head.append(el('span', `api-method ${method}`, method.toUpperCase()), ' ', el('code', '', path));
      card.append(head, el('p', '', op.summary));
      const params = op.parameters ?? [];
      if (params.length) {
        const list = el('ul', 'api-fields');
        for (const p of params) {
          const item = el('li');
          item.append(el('code', '', p.name), el('span', 'muted', ` (${p.in}) ${typeName(p.schema, components)}`));
          if (p.description) item.append(el('span', 'small', ` — ${p.description}`));
          list.append(item);
        }
        card.append(el('h4', '', 'Parameters'), list);
      }
      const body = op.requestBody;
      if (body) {
        card.append(el('h4', '', 'Body'));
        const json = body.content['application/json'];
        if (json) card.append(fields(json.schema, components));
        else card.append(el('p', 'small', `${Object.keys(body.content).join(', ')}: ${body.description ?? ''}`));
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (status === 'default') continue;
        card.append(el('h4', '', `Response ${status}`));
        const json = response.content?.['application/json'];
        if (json?.schema) card.append(fields(json.schema, components));
        else card.append(el('p', 'small', `${Object.keys(response.content ?? {}).join(', ')} ${response.description}`));
      }
      section.append(card);
    }
    box.append(section);
  }
  const schemas = el('section', 'api-section', undefined, { id: 'schemas' });
  schemas.append(el('h2', '', 'Schemas'));
  toc.append(el('a', 'chip', 'Schemas', { href: '#schemas' }));
  for (const name of Object.keys(components).sort()) {
    const card = el('article', 'api-op', undefined, { id: `schema-${name}` });
    card.append(el('h3', '', name));
    if (components[name].description) card.append(el('p', 'small', components[name].description));
    card.append(fields(components[name], components));
    schemas.append(card);
  }
  box.append(schemas);
  document.body.dataset.ready = 'true';
}

start();
