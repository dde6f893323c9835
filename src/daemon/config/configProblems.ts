import { z } from 'zod';
import { ConfigSchema } from './configSchema.js';
import { UsageError } from './usageError.js';

/**
 * What is wrong with a config file, said the way a compiler says it: `file:line: what`. Neither
 * JSON.parse nor smol-toml tells where a key stands, so the key's line is found in the text.
 */

/** A config file's text, as far as its problems need it. */
export interface ConfigText {
  /** The file as messages name it. */
  shown: string;
  text: string;
  format: 'json' | 'toml';
  /** The table reloadd's settings are in (`dev` in the Red editor's config.toml); none: the top. */
  section?: string;
}

/** Where `key` of the file's settings is written (1-based), when it can be found. */
export function keyLine(file: ConfigText, key: string): number | undefined {
  const lines = file.text.split('\n');
  if (file.format === 'json') {
    const at = file.text.search(new RegExp(`"${escapeRegExp(key)}"\\s*:`));
    return at < 0 ? undefined : lineOfOffset(file.text, at);
  }
  const name = `(?:${escapeRegExp(key)}|"${escapeRegExp(key)}"|'${escapeRegExp(key)}')`;
  const assignment = new RegExp(`^\\s*${name}\\s*[.=]`);
  const dotted = file.section
    ? new RegExp(`^\\s*${escapeRegExp(file.section)}\\s*\\.\\s*${name}\\s*=`)
    : undefined;
  let table: string | undefined;
  let sectionLine: number | undefined;
  for (const [index, line] of lines.entries()) {
    const header = /^\s*\[\[?([^\]]*)\]/.exec(line);
    if (header) {
      const parts = (header[1] ?? '').split('.').map((p) => p.trim().replace(/^["']|["']$/g, ''));
      table = parts.join('.');
      // A key of the settings written as a table of its own: `[foo]`, or `[dev.foo]`.
      const [first, second] = parts;
      if (file.section === undefined ? first === key : first === file.section && second === key)
        return index + 1;
      if (table === file.section) sectionLine ??= index + 1;
      continue;
    }
    if (table === file.section && assignment.test(line)) return index + 1;
    if (table === undefined && dotted?.test(line)) return index + 1;
  }
  // Written some other way (an inline table): the section's header is the nearest line known.
  return sectionLine;
}

/** `file:line: message`, or `file: message` where the line is not known. */
export function problemAt(file: ConfigText, line: number | undefined, message: string): string {
  return `${file.shown}${line !== undefined ? `:${line}` : ''}: ${message}`;
}

/** A JSON or TOML syntax error, at the line and column the parser gave. */
export function syntaxProblem(file: ConfigText, error: Error): UsageError {
  if (file.format === 'toml') {
    const { line, column } = error as Error & { line?: number; column?: number };
    const what = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document: /, '');
    const where = line !== undefined ? `:${line}${column !== undefined ? `:${column}` : ''}` : '';
    return new UsageError(`${file.shown}${where}: not valid TOML: ${what}`);
  }
  // Node 20 says "at position N"; later versions add "(line L column C)".
  const message = error.message;
  const position = /at position (\d+)/.exec(message);
  const lineColumn = /\(line (\d+) column (\d+)\)/.exec(message);
  let where = '';
  if (lineColumn) where = `:${lineColumn[1]}:${lineColumn[2]}`;
  else if (position) {
    const offset = Number(position[1]);
    where = `:${lineOfOffset(file.text, offset)}:${offset - file.text.lastIndexOf('\n', offset - 1)}`;
  } else if (/Unexpected end of JSON input/.test(message))
    where = `:${file.text.trimEnd().split('\n').length}`;
  const what = message
    .replace(/ in JSON at position \d+.*$/s, '')
    .replace(/^(Unexpected token .+?), ".*" is not valid JSON$/s, '$1');
  return new UsageError(`${file.shown}${where}: not valid JSON: ${what}`);
}

/** Every problem zod found with the file's settings, one line each, in the order of the file. */
export function schemaProblems(file: ConfigText, settings: unknown, error: z.ZodError): UsageError {
  const found: { line: number | undefined; message: string }[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        found.push({ line: keyLine(file, key), message: unknownKey(file, key) });
      continue;
    }
    const [key, ...rest] = issue.path.map(String);
    if (key === undefined) {
      found.push({ line: undefined, message: `must hold a table of settings: ${issue.message}` });
      continue;
    }
    const label = `${sectionPrefix(file)}${key}${rest.map((step) => `[${step}]`).join('')}`;
    const expected = expectation(issue.path);
    found.push({
      line: keyLine(file, key),
      message: expected
        ? `${label} must be ${expected}, not ${shown(valueAt(settings, issue.path))}`
        : `${label}: ${issue.message}`,
    });
  }
  found.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return new UsageError(found.map((p) => problemAt(file, p.line, p.message)).join('\n'));
}

/** `[dev] ` before a key of the Red editor's config.toml, so the message says where to look. */
export function sectionPrefix(file: ConfigText): string {
  return file.section ? `[${file.section}] ` : '';
}

function unknownKey(file: ConfigText, key: string): string {
  const near = nearestKey(key);
  const where = file.section ? ` in [${file.section}]` : '';
  return `unknown key "${key}"${where}${near ? ` (did you mean "${near}"?)` : ''}`;
}

/** The known key a mistyped one was most likely meant to be: a case, a `_`, a unit left out. */
function nearestKey(key: string): string | undefined {
  const bare = (name: string) => name.toLowerCase().replace(/[_-]/g, '');
  const wanted = bare(key);
  let best: { key: string; distance: number } | undefined;
  for (const known of Object.keys(ConfigSchema.shape)) {
    const candidate = bare(known);
    // A key cut short ("debounce") is near its whole name, but a typo of a longer name is nearer.
    const cutShort =
      wanted.length >= 4 && (candidate.startsWith(wanted) || wanted.startsWith(candidate));
    const distance =
      candidate === wanted ? 0 : Math.min(editDistance(wanted, candidate), cutShort ? 1.5 : 3);
    // Between equals, the one written in the same style: the Red editor's snake_case or reloadd's camelCase.
    const styled = distance + (known.includes('_') === key.includes('_') ? 0 : 0.5);
    if (distance <= 2 && (best === undefined || styled < best.distance))
      best = { key: known, distance: styled };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** What the schema wants at `path`, in words: "a whole number from 0 to 60000". */
function expectation(path: PropertyKey[]): string | undefined {
  let schema: z.ZodType | undefined = (ConfigSchema.shape as Record<string, z.ZodType>)[
    String(path[0])
  ];
  for (const step of path.slice(1)) {
    const inner = unwrapped(schema);
    schema =
      typeof step === 'number' && inner instanceof z.ZodArray
        ? (inner.element as z.ZodType)
        : undefined;
  }
  return schema ? described(unwrapped(schema)) : undefined;
}

function unwrapped(schema: z.ZodType | undefined): z.ZodType | undefined {
  return schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
}

function described(schema: z.ZodType | undefined): string | undefined {
  if (schema instanceof z.ZodNumber)
    return `a ${schema.isInt ? 'whole number' : 'number'} from ${schema.minValue} to ${schema.maxValue}`;
  if (schema instanceof z.ZodBoolean) return 'true or false';
  if (schema instanceof z.ZodEnum)
    return `one of ${schema.options.map((option) => JSON.stringify(option)).join(', ')}`;
  if (schema instanceof z.ZodString) return 'a non-empty string';
  if (schema instanceof z.ZodArray) {
    const element = described(unwrapped(schema.element as z.ZodType));
    return element ? `a list, each ${element}` : 'a list';
  }
  return undefined;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
  let value = root;
  for (const step of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[step];
  return value;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function lineOfOffset(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
