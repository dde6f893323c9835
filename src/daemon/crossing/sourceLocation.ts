import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { Range } from '../../protocol/index.js';

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
  let text = source;
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }
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

export function pointRange(line: number, character: number, length = 0): Range {
  return { start: { line, character }, end: { line, character: character + length } };
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
  const codeFrame = codeFrameAt(original.file, original.line, original.column);
  return {
    file: original.file,
    range: pointRange(original.line, original.column),
    ...(codeFrame ? { codeFrame } : {}),
  };
}

/** A place in the bundle (line from 1, column from 0) in the plugin's own file (both from 0). */
export function originalPlace(
  bundle: MappedBundle,
  line: number,
  column: number,
): { file: string; line: number; column: number } | undefined {
  let map = traceMaps.get(bundle);
  if (!map) {
    map = new TraceMap(bundle.map);
    traceMaps.set(bundle, map);
  }
  const original = originalPositionFor(map, { line, column });
  if (original.source === null || original.line === null || original.column === null)
    return undefined;
  return {
    file: path.resolve(bundle.sourceRoot, original.source),
    line: original.line - 1,
    column: original.column,
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
