import type { Position, Range } from './diagnostics.js';

/**
 * LSP 3.17's position encodings: what a `character` counts. reloadd's own messages count UTF-16
 * code units, as LSP does by default; an LSP client that offers others in
 * `capabilities.general.positionEncodings` gets LSP's own messages in the first one it offers
 * that reloadd knows (`initialize` answers it as `capabilities.positionEncoding`). Pure: a
 * client can convert with the same functions.
 */
export const PositionEncoding = {
  /** Bytes of UTF-8 (esbuild's columns, Neovim's and Helix's own). */
  UTF8: 'utf-8',
  /** UTF-16 code units: JavaScript string indexes, V8's columns, LSP's default. */
  UTF16: 'utf-16',
  /** Unicode code points (Emacs' columns). */
  UTF32: 'utf-32',
} as const;
export type PositionEncoding = (typeof PositionEncoding)[keyof typeof PositionEncoding];

const KNOWN = new Set<string>(Object.values(PositionEncoding));

/** The client's first offer that reloadd knows; UTF-16 when it offers none (LSP's rule). */
export function choosePositionEncoding(
  offered: readonly string[] | null | undefined,
): PositionEncoding {
  const found = offered?.find((encoding) => KNOWN.has(encoding));
  return (found as PositionEncoding | undefined) ?? PositionEncoding.UTF16;
}

/** The units one code point takes in an encoding. */
function unitsOf(codePoint: number, encoding: PositionEncoding): number {
  switch (encoding) {
    case PositionEncoding.UTF32:
      return 1;
    case PositionEncoding.UTF16:
      return codePoint > 0xffff ? 2 : 1;
    case PositionEncoding.UTF8:
      return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint > 0xffff ? 4 : 3;
  }
}

/**
 * `character` on `lineText` counted in `from`, counted in `to` instead. A count that falls
 * inside a code point (a byte in the middle of an emoji) means that code point's start; one past
 * the end of the line means its end, as LSP reads a character beyond the line.
 */
export function convertCharacter(
  lineText: string,
  character: number,
  from: PositionEncoding,
  to: PositionEncoding,
): number {
  let counted = 0;
  let converted = 0;
  for (const char of lineText) {
    const codePoint = char.codePointAt(0) as number;
    const step = unitsOf(codePoint, from);
    if (counted + step > character) return converted;
    counted += step;
    converted += unitsOf(codePoint, to);
  }
  return converted;
}

/** The text of each line, as LSP splits them: at `\n`, `\r\n` or `\r`. */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** A position counted in `from` on `lines` (the text's lines), counted in `to`. */
export function convertPosition(
  lines: readonly string[],
  position: Position,
  from: PositionEncoding,
  to: PositionEncoding,
): Position {
  const lineText = lines[position.line] ?? '';
  return {
    line: position.line,
    character: convertCharacter(lineText, position.character, from, to),
  };
}

export function convertRange(
  lines: readonly string[],
  range: Range,
  from: PositionEncoding,
  to: PositionEncoding,
): Range {
  return {
    start: convertPosition(lines, range.start, from, to),
    end: convertPosition(lines, range.end, from, to),
  };
}
