#!/usr/bin/env node
// `npm run build`, after tsc: the protocol reference, written from the declarations in
// src/protocol (as compiled to dist/protocol) and the prose of each method in
// docs/protocol/source/. One page per declared request and notification under docs/protocol/
// (committed, so the repository shows them; test/unit/repository/protocolReference.test.ts says
// when one is out of date), and dist/protocol/metaModel.json, every message as data, shipped in the
// package.
//
//   node scripts/protocolReference.mjs            writes docs/protocol/, protocol.md's index and the meta model
//   node scripts/protocolReference.mjs --out DIR  writes both into DIR instead (the test's check)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import * as protocol from '../dist/protocol/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOCS = path.join(ROOT, 'docs', 'protocol');
const SOURCE = path.join(DOCS, 'source');

/**
 * Where a method's page is, below docs/protocol/ (and its prose, below docs/protocol/source/): its
 * name with each `/` a folder (`plugin/reload` → `plugin/reload.md`); `$` is spelled `dollar`
 * (`$/progress` → `dollar/progress.md`); a name without a `/` is LSP's lifecycle
 * (`initialize` → `lifecycle/initialize.md`).
 */
export function pagePath(method) {
  const parts = method.split('/');
  // Two folders of docs/protocol/ hold no method's page.
  if (parts.length > 1 && ['source', 'overview'].includes(parts[0]))
    throw new Error(
      `${method}: its page would be in docs/protocol/${parts[0]}/, which is not for pages`,
    );
  if (parts.length === 1) return `lifecycle/${method}.md`;
  return `${parts.map((part) => (part === '$' ? 'dollar' : part)).join('/')}.md`;
}

/** Every request and notification src/protocol declares, in the order of its lists. */
export function declarations(exports) {
  const declared = Object.values(exports).filter(
    (value) =>
      value !== null &&
      typeof value === 'object' &&
      (value.kind === 'request' || value.kind === 'notification') &&
      typeof value.method === 'string',
  );
  const listed = [
    ...exports.requests,
    ...exports.serverRequests,
    ...exports.serverNotifications,
  ].map((def) => def.method);
  const rank = (def) => (listed.includes(def.method) ? listed.indexOf(def.method) : listed.length);
  return [...new Map(declared.map((def) => [def.method, def])).values()].sort(
    (a, b) => rank(a) - rank(b) || a.method.localeCompare(b.method),
  );
}

/** Who writes a message's params (and the other side its result). */
const senderOf = (def) => (def.direction.startsWith('client') ? 'client' : 'daemon');

/** The JSON Schema of what the sender writes: a client's before defaults apply, the daemon's after. */
function jsonSchema(schema, writer) {
  return z.toJSONSchema(schema, {
    io: writer === 'client' ? 'input' : 'output',
    unrepresentable: 'any',
  });
}

// ---- A source file: its front matter (the errors) and its prose -------------------------------

/**
 * A source file's errors, from its front matter:
 *
 *   ---
 *   errors:
 *     - 1001 RELOADD_UNKNOWN_PLUGIN: when it happens
 *     - -32602 RELOADD_UNKNOWN_SNAPSHOT: when it happens
 *     - -32600: when it happens (a JSON-RPC code with no stable code)
 *   ---
 */
export function readSource(text, file) {
  const front = /^---\n([\s\S]*?)\n---\n/.exec(text);
  const prose = (front ? text.slice(front[0].length) : text).trim();
  const errors = [];
  if (front) {
    for (const line of front[1].split('\n')) {
      if (line.trim() === '' || line.trim() === 'errors:') continue;
      const item = /^\s+- (-?\d+)(?: (RELOADD_[A-Z_]+))?: (.+)$/.exec(line);
      if (!item) throw new Error(`${file}: front matter line not understood: ${line}`);
      errors.push({ code: Number(item[1]), data: item[2], when: item[3] });
    }
  }
  return { prose, errors };
}

/** The name of a JSON-RPC code in src/protocol/errors.ts, or a refusal. */
function checkError(error, file) {
  const name = Object.entries(protocol.ErrorCodes).find(([, code]) => code === error.code)?.[0];
  if (!name) throw new Error(`${file}: error ${error.code} is not one of ErrorCodes`);
  if (error.data && !Object.values(protocol.ReloaddErrorCodes).includes(error.data))
    throw new Error(`${file}: ${error.data} is not one of ReloaddErrorCodes`);
  return name;
}

// ---- Tables from a JSON Schema ----------------------------------------------------------------

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');
const code = (text) => `\`${text}\``;

function typeOf(schema) {
  if (schema === true || Object.keys(schema).length === 0) return 'any';
  if (schema.$ref) return schema.$ref.split('/').pop();
  const union = schema.anyOf ?? schema.oneOf;
  if (union) return [...new Set(union.map(typeOf))].join(' | ');
  if ('const' in schema) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types
    .map((type) => {
      if (type === 'array')
        return schema.prefixItems
          ? `[${schema.prefixItems.map(typeOf).join(', ')}]`
          : `${typeOf(schema.items ?? {})}[]`;
      if (type === 'object' && !schema.properties && schema.additionalProperties)
        return schema.additionalProperties === true ||
          Object.keys(schema.additionalProperties).length === 0
          ? 'object'
          : `{ [key]: ${typeOf(schema.additionalProperties)} }`;
      return type ?? 'any';
    })
    .join(' | ');
}

/** The objects a value may be, whose fields a table lists. */
function objectsIn(schema) {
  if (schema.type === 'object' && schema.properties && Object.keys(schema.properties).length > 0)
    return [schema];
  const union = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  return union ? union.flatMap(objectsIn) : [];
}

/** The arrays' items a value may hold. */
function itemsIn(schema) {
  if (schema.items) return [schema.items];
  const union = schema.anyOf ?? schema.oneOf;
  return union ? union.flatMap(itemsIn) : [];
}

/** One row per field, nested fields by their path (`a.b`, `list[].c`); one of a union, merged. */
function fieldRows(schema, prefix = '', depth = 0) {
  const rows = new Map();
  if (depth > 8) return [];
  for (const object of objectsIn(schema)) {
    for (const [key, value] of Object.entries(object.properties)) {
      const field = `${prefix}${key}`;
      const row = {
        field,
        type: typeOf(value),
        required: (object.required ?? []).includes(key),
        description: value.description ?? '',
      };
      const seen = rows.get(field);
      if (seen) {
        if (!seen.type.split(' | ').includes(row.type)) seen.type = `${seen.type} | ${row.type}`;
        seen.required &&= row.required;
        seen.description ||= row.description;
      } else rows.set(field, row);
      for (const nested of [
        ...fieldRows(value, `${field}.`, depth + 1),
        ...itemsIn(value).flatMap((items) => fieldRows(items, `${field}[].`, depth + 1)),
      ])
        if (!rows.has(nested.field)) rows.set(nested.field, nested);
    }
  }
  return [...rows.values()];
}

function schemaTable(schema) {
  const rows = fieldRows(schema);
  const nullable = (schema.anyOf ?? []).some((alternative) => alternative.type === 'null');
  if (rows.length === 0) {
    if (objectsIn(schema).length === 0 && schema.anyOf?.some((s) => s.type === 'object'))
      return 'None: absent, `null` or `{}`.';
    return `${code(typeOf(schema))}.`;
  }
  // The description column only where the declaration describes a field (zod's `.describe()`).
  const described = rows.some((row) => row.description !== '');
  const head = ['Field', 'Type', 'Required', ...(described ? ['Description'] : [])];
  const line = (cells) => `| ${cells.join(' | ')} |`;
  const lines = [
    line(head),
    line(head.map(() => '---')),
    ...rows.map((row) =>
      line([
        code(cell(row.field)),
        code(cell(row.type)),
        row.required ? 'yes' : 'no',
        ...(described ? [cell(row.description)] : []),
      ]),
    ),
  ];
  const whole = nullable ? 'An object, or absent or `null` (no fields).\n\n' : '';
  return `${whole}${lines.join('\n')}`;
}

// ---- A page -----------------------------------------------------------------------------------

/** Root-relative links in the prose (`/protocol.md#conventions`, `method:plugin/list#anchor`), made relative to the page. */
function relink(prose, page, methods, file) {
  const from = path.posix.dirname(`docs/protocol/${page}`);
  return prose.replace(/\]\((method:|\/)([^)#\s]*)(#[^)\s]*)?\)/g, (_, kind, target, anchor) => {
    let at = target;
    if (kind === 'method:') {
      if (!methods.has(target))
        throw new Error(`${file}: links to ${target}, which is not declared`);
      at = `docs/protocol/${pagePath(target)}`;
    }
    return `](${path.posix.relative(from, at) || path.posix.basename(at)}${anchor ?? ''})`;
  });
}

const jsonBlock = (title, schema) =>
  `<details><summary>${title}</summary>\n\n\`\`\`json\n${JSON.stringify(schema, null, 2)}\n\`\`\`\n\n</details>`;

function renderPage(def, source, methods) {
  const page = pagePath(def.method);
  const sourceFile = `docs/protocol/source/${page}`;
  const sender = senderOf(def);
  const receiver = sender === 'client' ? 'daemon' : 'client';
  const paramsSchema = jsonSchema(def.params, sender);
  const resultSchema = def.kind === 'request' ? jsonSchema(def.result, receiver) : undefined;
  const prose = relink(source.prose, page, methods, sourceFile);
  const [summary, ...rest] = prose.split(/\n\n/);
  const details = rest.join('\n\n');
  const up = path.posix.relative(path.posix.dirname(`docs/protocol/${page}`), 'protocol.md');
  const errors =
    def.kind === 'notification'
      ? 'A notification has no answer: what the receiver cannot use it drops (it is logged).'
      : [
          source.errors.length === 0
            ? `Only the errors every request can get ([Error codes](${up}#7-error-codes)).`
            : `Besides the errors every request can get ([Error codes](${up}#7-error-codes)):`,
          ...(source.errors.length === 0
            ? []
            : [
                '',
                '| Code | Name | `data.code` | When |',
                '| --- | --- | --- | --- |',
                ...source.errors.map(
                  (error) =>
                    `| ${code(error.code)} | ${checkError(error, sourceFile)} | ${error.data ? code(error.data) : '—'} | ${cell(error.when)} |`,
                ),
              ]),
        ].join('\n');
  return [
    `<!-- Written by scripts/protocolReference.mjs from src/protocol and ${sourceFile}: edit those, then npm run build. -->`,
    '',
    `# \`${def.method}\``,
    '',
    `**${def.kind === 'request' ? 'Request' : 'Notification'}**, ${def.direction}. Part of the [reloadd protocol](${up}) (version ${protocol.PROTOCOL_VERSION}).`,
    '',
    summary,
    '',
    '## Params',
    '',
    schemaTable(paramsSchema),
    '',
    ...(resultSchema ? ['## Result', '', schemaTable(resultSchema), ''] : []),
    '## Errors',
    '',
    errors,
    '',
    ...(details ? [/^#/.test(details) ? '' : '## Details\n', details, ''] : []),
    '## JSON Schema',
    '',
    jsonBlock('Params', paramsSchema),
    ...(resultSchema ? ['', jsonBlock('Result', resultSchema)] : []),
    '',
  ]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

/** Every page (by its path below docs/protocol/) and the meta model, from the declarations and the sources. */
export function renderReference() {
  const defs = declarations(protocol);
  const methods = new Set(defs.map((def) => def.method));
  const pages = new Map();
  const messages = [];
  for (const def of defs) {
    const page = pagePath(def.method);
    const file = path.join(SOURCE, page);
    if (!existsSync(file))
      throw new Error(
        `${def.method} is declared, but docs/protocol/source/${page} (its prose) does not exist`,
      );
    const source = readSource(readFileSync(file, 'utf8'), `docs/protocol/source/${page}`);
    pages.set(page, renderPage(def, source, methods));
    const sender = senderOf(def);
    messages.push({
      method: def.method,
      kind: def.kind,
      messageDirection: def.direction,
      documentation: `docs/protocol/${page}`,
      params: jsonSchema(def.params, sender),
      ...(def.kind === 'request'
        ? {
            result: jsonSchema(def.result, sender === 'client' ? 'daemon' : 'client'),
            errors: source.errors.map((error) => ({
              code: error.code,
              name: checkError(error, page),
              ...(error.data ? { data: { code: error.data } } : {}),
              when: error.when,
            })),
          }
        : {}),
    });
  }
  const metaModel = {
    $comment:
      'Every message of the reloadd protocol, written from src/protocol by scripts/protocolReference.mjs.',
    protocolVersion: protocol.PROTOCOL_VERSION,
    requests: messages.filter((message) => message.kind === 'request'),
    notifications: messages.filter((message) => message.kind === 'notification'),
    errorCodes: Object.entries(protocol.ErrorCodes).map(([name, value]) => ({ name, value })),
    reloaddErrorCodes: Object.entries(protocol.ReloaddErrorCodes).map(([name, value]) => ({
      name,
      value,
    })),
    diagnosticCodes: Object.entries(protocol.DiagnosticCodes).map(([name, value]) => ({
      name,
      value,
    })),
  };
  const index = [
    '| Method | Kind | Direction |',
    '| --- | --- | --- |',
    ...defs.map(
      (def) =>
        `| [\`${def.method}\`](docs/protocol/${pagePath(def.method)}) | ${def.kind} | ${def.direction} |`,
    ),
  ].join('\n');
  return { pages, metaModel, index };
}

/** `doc` with the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` replaced by `block`. */
function writeBlock(doc, name, block) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`protocol.md: no ${start} … ${end}`);
  return `${doc.slice(0, from + start.length)}\n${block}\n${doc.slice(to)}`;
}

function write(file, text) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 ? path.resolve(process.argv[at + 1]) : DOCS;
  const { pages, metaModel, index } = renderReference();
  for (const [page, text] of pages) write(path.join(out, page), text);
  // protocol.md's index of every page.
  const overview = path.join(ROOT, 'protocol.md');
  if (at < 0) write(overview, writeBlock(readFileSync(overview, 'utf8'), 'protocol-index', index));
  else write(path.join(out, 'protocol-index.md'), index);
  write(
    at < 0
      ? path.join(ROOT, 'dist', 'protocol', 'metaModel.json')
      : path.join(out, 'metaModel.json'),
    `${JSON.stringify(metaModel, null, 2)}\n`,
  );
}
