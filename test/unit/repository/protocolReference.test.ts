import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as protocol from '../../../src/protocol/index.js';
import {
  type AnyNotification,
  type AnyRequest,
  checkParams,
  checkResult,
  describeZodError,
} from '../../../src/protocol/index.js';
import { tempDir } from '../../helpers/files.js';
import { ROOT } from '../../helpers/paths.js';
import { lineDiff, readBlock } from '../../helpers/repository/docBlocks.js';

/**
 * The protocol reference (docs/protocol/) is what scripts/protocolReference.mjs writes from the
 * declarations in src/protocol and the prose in docs/protocol/source/: one page per declared
 * method, none for a method that is not declared, each as the script writes it today, and every
 * example in the prose a message its method's schemas accept.
 */

const DOCS = path.join(ROOT, 'docs', 'protocol');
const SOURCE = path.join(DOCS, 'source');
/** The folders of docs/protocol/ that hold no method's page: the pages' prose, the overview's long parts. */
const NOT_PAGES = ['source', 'overview'];
const FIX = 'npm run build (which runs scripts/protocolReference.mjs)';

type Message = { method: string; kind: 'request' | 'notification'; documentation: string };
type MetaModel = { requests: Message[]; notifications: Message[] };

/** Every request and notification src/protocol exports. */
const declared = (Object.values(protocol) as unknown[]).filter(
  (value): value is AnyRequest | AnyNotification =>
    typeof value === 'object' &&
    value !== null &&
    'kind' in value &&
    (value.kind === 'request' || value.kind === 'notification') &&
    'method' in value &&
    typeof value.method === 'string',
);
const byMethod = new Map(declared.map((def) => [def.method, def]));

/** The Markdown files below `dir`, as paths relative to it, without those below the folders `skip`. */
function markdownBelow(dir: string, ...skip: string[]): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => !skip.some((folder) => file.startsWith(`${folder}/`)))
    .sort();
}

let written: string;
let metaModel: MetaModel;
let pageOf: Map<string, string>;

beforeAll(async () => {
  written = await tempDir('reloadd-reference-');
  await promisify(execFile)(process.execPath, [
    path.join(ROOT, 'scripts', 'protocolReference.mjs'),
    '--out',
    written,
  ]);
  metaModel = JSON.parse(readFileSync(path.join(written, 'metaModel.json'), 'utf8'));
  pageOf = new Map(
    [...metaModel.requests, ...metaModel.notifications].map((message) => [
      message.method,
      message.documentation.slice('docs/protocol/'.length),
    ]),
  );
});

describe('the protocol reference, docs/protocol/', () => {
  it('models every declared message, and only those', () => {
    expect([...pageOf.keys()].sort()).toEqual([...byMethod.keys()].sort());
  });

  it('has a page for every declared method', () => {
    const pages = new Set(markdownBelow(DOCS, ...NOT_PAGES));
    const missing = [...pageOf].filter(([, page]) => !pages.has(page));
    expect(
      missing.map(
        ([method, page]) => `${method} is declared, but docs/protocol/${page} is missing`,
      ),
      `To write them: ${FIX}`,
    ).toEqual([]);
  });

  it('documents no method that is not declared', () => {
    const documented = new Set(pageOf.values());
    const pages = markdownBelow(DOCS, ...NOT_PAGES).filter((page) => !documented.has(page));
    const sources = markdownBelow(SOURCE).filter((page) => !documented.has(page));
    expect([
      ...pages.map(
        (page) => `docs/protocol/${page} documents a method src/protocol does not declare`,
      ),
      ...sources.map(
        (page) =>
          `docs/protocol/source/${page} is the prose of a method src/protocol does not declare`,
      ),
    ]).toEqual([]);
  });

  it('has each page as its declaration and its source write it', () => {
    const stale = [...pageOf.values()].flatMap((page) => {
      const expected = readFileSync(path.join(written, page), 'utf8');
      let actual: string;
      try {
        actual = readFileSync(path.join(DOCS, page), 'utf8');
      } catch {
        return []; // A missing page is the test above's.
      }
      return actual === expected
        ? []
        : [
            `docs/protocol/${page} (- the page, + what is declared):\n${lineDiff(actual, expected)}`,
          ];
    });
    if (stale.length > 0) expect.fail(`${stale.join('\n\n')}\n\nTo write them: ${FIX}`);
  });

  it("has protocol.md's index list every page", () => {
    const expected = readFileSync(path.join(written, 'protocol-index.md'), 'utf8');
    const actual = readBlock(
      readFileSync(path.join(ROOT, 'protocol.md'), 'utf8'),
      'protocol-index',
    );
    if (actual !== expected)
      expect.fail(
        `protocol.md's index (- the file, + the declarations):\n${lineDiff(actual, expected)}\n\nTo write it: ${FIX}`,
      );
  });

  it('puts no more than 20 files in any folder', () => {
    const counts = new Map<string, number>();
    for (const file of readdirSync(DOCS, { recursive: true, encoding: 'utf8' })) {
      const folder = path.dirname(file);
      counts.set(folder, (counts.get(folder) ?? 0) + 1);
    }
    expect([...counts].filter(([, count]) => count > 20)).toEqual([]);
  });
});

/**
 * JSON values one after another, as an example shows the messages of an exchange: `//` comments
 * are dropped; anything else that is not JSON throws.
 */
function jsonValues(text: string): unknown[] {
  let clean = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (inString) {
      clean += char;
      if (char === '\\') clean += text[++i] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      clean += '\n';
    } else {
      if (char === '"') inString = true;
      clean += char;
    }
  }
  const values: unknown[] = [];
  let rest = clean.trim();
  while (rest !== '') {
    // The end of the first value: where its outermost bracket closes.
    let depth = 0;
    let end = -1;
    let quoted = false;
    for (let i = 0; i < rest.length && end < 0; i++) {
      const char = rest[i];
      if (quoted) {
        if (char === '\\') i++;
        else if (char === '"') quoted = false;
      } else if (char === '"') quoted = true;
      else if (char === '{' || char === '[') depth++;
      else if ((char === '}' || char === ']') && --depth === 0) end = i;
    }
    values.push(JSON.parse(end < 0 ? rest : rest.slice(0, end + 1)));
    rest = end < 0 ? '' : rest.slice(end + 1).trim();
  }
  return values;
}

type Rpc = {
  id?: string | number | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; data?: { code?: string } };
};

/**
 * What is wrong with one example: a JSON-RPC exchange (each message's params checked against its
 * method's, each response's result against the request it answers, matched by id), or, fenced as
 * ```json params or ```json result, a bare value of the page's own method, or, fenced with the name
 * of a schema src/protocol exports (```json DaemonFile), a value of that type.
 */
function exampleProblems(block: string, mark: string, pageMethod: string): string[] {
  let values: unknown[];
  try {
    values = jsonValues(block);
  } catch (error) {
    return [`not JSON (${(error as Error).message}): an excerpt is fenced as text, not json`];
  }
  const own = byMethod.get(pageMethod);
  if (mark === 'params' || mark === 'result') {
    if (!own) return [`${pageMethod} is not declared`];
    return values.flatMap((value) => {
      const checked =
        mark === 'params' ? checkParams(own, value) : checkResult(own as AnyRequest, value);
      return checked.ok ? [] : [`${mark} of ${pageMethod}: ${checked.problem}`];
    });
  }
  if (mark !== 'rpc') {
    // A value of a type src/protocol declares, by its name (```json DaemonFile).
    const schema = (protocol as Record<string, unknown>)[mark];
    if (!(schema instanceof z.ZodType)) return [`${mark} is not a schema src/protocol exports`];
    return values.flatMap((value) => {
      const parsed = schema.safeParse(value);
      return parsed.success ? [] : [`${mark}: ${describeZodError(parsed.error)}`];
    });
  }
  const messages = values as Rpc[];
  const errorCodes: unknown[] = Object.values(protocol.ErrorCodes);
  const stableCodes: unknown[] = Object.values(protocol.ReloaddErrorCodes);
  /** The request `message` answers: the last one before it with its id. */
  const answered = (at: number) =>
    messages
      .slice(0, at)
      .findLast((earlier) => earlier.method !== undefined && earlier.id === messages[at]?.id);
  /** The answer to the request at `at`, if the example shows it. */
  const answerTo = (at: number) =>
    messages
      .slice(at + 1)
      .find((later) => later.method === undefined && later.id === messages[at]?.id);
  return messages.flatMap((message, at): string[] => {
    const where = `message ${at + 1}`;
    if (typeof message !== 'object' || message === null || !('jsonrpc' in message))
      return [
        `${where} is not a JSON-RPC message: fence a bare value as json params or json result`,
      ];
    if (message.method !== undefined) {
      const def = byMethod.get(message.method);
      if (!def) return []; // LSP's own messages the daemon takes and ignores, `$/cancelRequest`.
      const checked = checkParams(def, message.params);
      // A refusal: params the daemon answers -32602.
      if (!checked.ok && answerTo(at)?.error?.code === protocol.ErrorCodes.InvalidParams) return [];
      return checked.ok ? [] : [`${where}, params of ${message.method}: ${checked.problem}`];
    }
    const request = answered(at);
    if (message.id !== null && request === undefined)
      return [`${where} answers a request the example does not show`];
    const def = request?.method === undefined ? undefined : byMethod.get(request.method);
    if (message.error !== undefined) {
      // An editor answers the daemon's requests with codes of its own.
      if (def !== undefined && !def.direction.startsWith('client')) return [];
      const { code, data } = message.error;
      return [
        ...(errorCodes.includes(code) ? [] : [`${where}: error code ${code} is not declared`]),
        ...(data?.code === undefined || stableCodes.includes(data.code)
          ? []
          : [`${where}: ${data.code} is not declared`]),
      ];
    }
    if (def?.kind !== 'request') return [];
    const checked = checkResult(def, message.result);
    return checked.ok ? [] : [`${where}, result of ${request?.method}: ${checked.problem}`];
  });
}

describe("the examples in the reference's sources and its overview", () => {
  /** Every document with examples, by its path in the repository. */
  const sources = [
    ...markdownBelow(SOURCE).map((page) => `docs/protocol/source/${page}`),
    ...markdownBelow(path.join(DOCS, 'overview')).map((page) => `docs/protocol/overview/${page}`),
    'protocol.md',
  ].map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));
  /** The method whose params or result a bare example is: the page's. */
  const methodOf = (file: string) =>
    [...pageOf].find(([, page]) => `docs/protocol/source/${page}` === file)?.[0] ?? file;

  it('are messages their methods accept', () => {
    const problems = sources.flatMap(({ file, text }) =>
      [...text.matchAll(/^```(jsonc?)(?: (\w+))?\n([\s\S]*?)^```/gm)].flatMap((fence) => {
        const line = text.slice(0, fence.index).split('\n').length;
        return exampleProblems(fence[3] ?? '', fence[2] ?? 'rpc', methodOf(file)).map(
          (problem) => `${file}:${line}: ${problem}`,
        );
      }),
    );
    expect(problems).toEqual([]);
  });

  it('hold examples at all: the check above looked at something', () => {
    const examples = sources.flatMap(({ text }) => [...text.matchAll(/^```jsonc?/gm)]);
    expect(examples.length).toBeGreaterThan(40);
  });
});
