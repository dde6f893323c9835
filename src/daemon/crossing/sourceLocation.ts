import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { originalPositionFor, sourceContentFor, TraceMap } from '@jridgewell/trace-mapping';
import type { Range } from '../../protocol/diagnostics.js';
import { splitLines } from '../../protocol/positionEncoding.js';

/** Where in a plugin's own sources something went wrong. */
export interface SourceLocation {
  file: string;
  range: Range;
  codeFrame?: string;
}

/**
 * @babel/code-frame is loaded the first time something goes wrong: every plugin host and every
 * start of the daemon would pay for it otherwise (about 20 ms), and most never need it.
 */
const requireLazily = createRequire(import.meta.url);
let codeFrames: typeof import('@babel/code-frame') | undefined;

/**
 * A short excerpt around a zero-based position, with the column marked, as Vite's error overlay
 * shows. Plain text: clients colour it if they want.
 */
export function codeFrameAt(
  file: string,
  line: number,
  character: number,
  source?: string,
): string | undefined {
  const text = source ?? readText(file);
  if (text === undefined) return undefined;
  codeFrames ??= requireLazily('@babel/code-frame') as typeof import('@babel/code-frame');
  return codeFrames.codeFrameColumns(
    text,
    { start: { line: line + 1, column: character + 1 } },
    { linesAbove: 2, linesBelow: 2, highlightCode: false },
  );
}

/** "counter/index.ts:3:13": a place, one-based and relative to `root`, as a person reads it. */
export function describePlace(root: string, file: string, range: Range): string {
  return `${path.relative(root, file)}:${range.start.line + 1}:${range.start.character + 1}`;
}

/** From `start` to `end` on one line (UTF-16 columns). */
export function lineRange(line: number, start: number, end: number): Range {
  return { start: { line, character: start }, end: { line, character: end } };
}

/**
 * A range an editor can show: `start`–`end` on `lineText` when that is not empty; otherwise the
 * character at `start`, or, past the end of the line, what the line holds. An empty range is
 * drawn as nothing, or as the character before it.
 */
export function visibleRange(lineText: string, line: number, start: number, end = start): Range {
  if (end > start) return lineRange(line, start, end);
  const at = lineText.codePointAt(start);
  if (at !== undefined) return lineRange(line, start, start + (at > 0xffff ? 2 : 1));
  return wholeLine(lineText, line);
}

/** The line's text without its indentation and trailing blanks; an empty line, to the next. */
export function wholeLine(lineText: string, line: number): Range {
  const content = lineText.trimEnd();
  if (content.length === 0) return lineWithBreak(line);
  return lineRange(line, content.length - content.trimStart().length, content.length);
}

/** A line from its start to the next one's: the whole line, when its text is not at hand. */
export function lineWithBreak(line: number): Range {
  return { start: { line, character: 0 }, end: { line: line + 1, character: 0 } };
}

const IDENTIFIER = /[\p{ID_Continue}$\u200c\u200d]/u;

/**
 * Where code threw, as a person looks for it: V8 names the start of the failing expression (the
 * identifier that is not defined, the property called, `new`); the range covers the identifier,
 * the members after it and the call's arguments. Anywhere else (`= 1` of a failed assignment),
 * to the end of the line. Never empty. Pure.
 */
export function expressionRange(lineText: string, line: number, character: number): Range {
  const end = expressionEnd(lineText, character);
  if (end === undefined) {
    const rest = lineText.trimEnd().length;
    return character < rest ? lineRange(line, character, rest) : wholeLine(lineText, line);
  }
  return lineRange(line, character, end);
}

function expressionEnd(text: string, start: number): number | undefined {
  const identifierAt = (at: number) => {
    let end = at;
    while (end < text.length && IDENTIFIER.test(text[end] as string)) end++;
    return end;
  };
  const skipBlanks = (at: number) => {
    let next = at;
    while (text[next] === ' ' || text[next] === '\t') next++;
    return next;
  };
  let end = identifierAt(start);
  if (end === start) return undefined;
  if (text.slice(start, end) === 'new') {
    const callee = identifierAt(skipBlanks(end));
    if (callee > skipBlanks(end)) end = callee;
  }
  for (;;) {
    const dot = text.startsWith('?.', end) ? end + 2 : text[end] === '.' ? end + 1 : undefined;
    if (dot === undefined) break;
    const member = identifierAt(dot);
    if (member === dot) break;
    end = member;
  }
  const open = skipBlanks(end);
  if (text[open] !== '(') return end;
  return closingParenthesis(text, open) ?? text.trimEnd().length;
}

/** Just past the `)` that closes the `(` at `open`, skipping strings; undefined when not on this line. */
function closingParenthesis(text: string, open: number): number | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const char = text[i] as string;
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return i + 1;
  }
  return undefined;
}

/** A bundle as the vm runs it: its script's URL (what stack traces say) and its source map. */
export interface MappedBundle {
  filename: string;
  /** Folder the source map's `sources` are relative to. */
  sourceRoot: string;
  map: string;
}

const traceMaps = new WeakMap<MappedBundle, TraceMap>();

/**
 * Maps the first stack frame inside the bundle back to the plugin's source file, line and column,
 * so that "activate threw" points at the line that threw rather than at the bundle.
 */
export function locateInBundle(error: unknown, bundle: MappedBundle): SourceLocation | undefined {
  const stack = (error as { stack?: unknown } | null)?.stack;
  if (typeof stack !== 'string') return undefined;
  const escaped = bundle.filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (!frame) return undefined;
  const original = originalPlace(bundle, Number(frame[1]), Number(frame[2]) - 1);
  if (!original) return undefined;
  // The text the bundle was built from, as its source map carries it: the file may have
  // changed since.
  const source = original.source ?? readText(original.file);
  const lineText = source === undefined ? '' : (splitLines(source)[original.line] ?? '');
  const codeFrame = codeFrameAt(original.file, original.line, original.column, source);
  return {
    file: original.file,
    range: expressionRange(lineText, original.line, original.column),
    ...(codeFrame ? { codeFrame } : {}),
  };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** A place in the bundle (line from 1, column from 0) in the plugin's own file (both from 0). */
export function originalPlace(
  bundle: MappedBundle,
  line: number,
  column: number,
): { file: string; line: number; column: number; source?: string } | undefined {
  let map = traceMaps.get(bundle);
  if (!map) {
    map = new TraceMap(bundle.map);
    traceMaps.set(bundle, map);
  }
  const original = originalPositionFor(map, { line, column });
  if (original.source === null || original.line === null || original.column === null)
    return undefined;
  const content = sourceContentFor(map, original.source);
  return {
    file: path.resolve(bundle.sourceRoot, original.source),
    line: original.line - 1,
    column: original.column,
    ...(content !== null ? { source: content } : {}),
  };
}

/** The message of anything thrown, with its error name when it has one. */
export function describeThrown(thrown: unknown): string {
  if (thrown !== null && typeof thrown === 'object' && 'message' in thrown) {
    const name = 'name' in thrown && typeof thrown.name === 'string' ? thrown.name : 'Error';
    return `${name}: ${String(thrown.message)}`;
  }
  return `non-error value thrown: ${String(thrown)}`;
}
