import * as esbuild from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expressionRange,
  visibleRange,
  wholeLine,
} from '../../../src/daemon/crossing/sourceLocation.js';
import {
  choosePositionEncoding,
  convertCharacter,
  convertRange,
  PositionEncoding,
  splitLines,
} from '../../../src/protocol/index.js';

const { UTF8, UTF16, UTF32 } = PositionEncoding;
const ENCODINGS = [UTF8, UTF16, UTF32] as const;

/** How long `text` is in each encoding. */
const lengthIn = {
  [UTF8]: (text: string) => Buffer.byteLength(text),
  [UTF16]: (text: string) => text.length,
  [UTF32]: (text: string) => [...text].length,
};

/**
 * Text as source files hold it: ASCII, tabs, Latin accents, combining marks, CJK, emoji (two
 * UTF-16 units, four UTF-8 bytes), a zero-width joiner.
 */
const piece = fc.oneof(
  fc.constantFrom('a', 'Z', '0', ' ', '\t', '=', ';', '(', 'é', 'ß', '€', '\u200d'),
  fc.integer({ min: 0x300, max: 0x36f }).map((c) => `e${String.fromCodePoint(c)}`),
  fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0x1f300, max: 0x1faff }).map((c) => String.fromCodePoint(c)),
);
const lineText = fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join(''));
const encoding = fc.constantFrom(...ENCODINGS);

describe('position encodings', () => {
  it('counts every code point boundary of a line the same in every encoding', () => {
    fc.assert(
      fc.property(lineText, fc.nat(), encoding, encoding, (text, cut, from, to) => {
        const points = [...text];
        const prefix = points.slice(0, cut % (points.length + 1)).join('');
        expect(convertCharacter(text, lengthIn[from](prefix), from, to)).toBe(lengthIn[to](prefix));
      }),
    );
  });

  it('takes a count inside a code point as its start, and one past the line as its end', () => {
    const line = 'a😀b';
    expect(convertCharacter(line, 2, UTF16, UTF8)).toBe(1);
    expect(convertCharacter(line, 3, UTF8, UTF16)).toBe(1);
    expect(convertCharacter(line, 99, UTF8, UTF16)).toBe(4);
    fc.assert(
      fc.property(lineText, fc.nat(200), encoding, encoding, (text, character, from, to) => {
        const converted = convertCharacter(text, character, from, to);
        expect(converted).toBeLessThanOrEqual(lengthIn[to](text));
        // Back again: never past where it started.
        expect(convertCharacter(text, converted, to, from)).toBeLessThanOrEqual(character);
      }),
    );
  });

  it('splits lines as LSP does, at \\n, \\r\\n or \\r, and converts on the right one', () => {
    fc.assert(
      fc.property(
        fc.array(lineText, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        (lines, lineBreak) => {
          const text = lines.join(lineBreak);
          expect(splitLines(text)).toEqual(lines);
          const last = lines.length - 1;
          const end = lengthIn[UTF16](lines[last] as string);
          const range = {
            start: { line: last, character: 0 },
            end: { line: last, character: end },
          };
          expect(convertRange(splitLines(text), range, UTF16, UTF32).end.character).toBe(
            lengthIn[UTF32](lines[last] as string),
          );
        },
      ),
    );
  });

  it("finds esbuild's error, whose column counts UTF-8 bytes, at its UTF-16 column", async () => {
    // A string of any text, then the same syntax error, on one line.
    const literal = fc
      .array(piece, { maxLength: 20 })
      .map((pieces) => pieces.join('').replace(/\t/g, ' '));
    await fc.assert(
      fc.asyncProperty(literal, async (text) => {
        const source = `let s = 0;\n  const t = '${text}'; s += ; // after\n`;
        const failure = await esbuild.transform(source, { loader: 'js' }).then(
          () => undefined,
          (error: { errors: esbuild.Message[] }) => error.errors[0],
        );
        const location = failure?.location;
        if (!location) throw new Error('esbuild took a syntax error');
        const column = convertCharacter(location.lineText, location.column, UTF8, UTF16);
        expect(location.lineText[column]).toBe(';');
        expect(location.lineText.slice(0, column)).toBe(`  const t = '${text}'; s += `);
      }),
      { numRuns: 40 },
    );
  });

  it('takes the first encoding the client offers that it knows, else UTF-16', () => {
    expect(choosePositionEncoding(['utf-8', 'utf-16'])).toBe(UTF8);
    expect(choosePositionEncoding(['ascii', 'utf-32'])).toBe(UTF32);
    expect(choosePositionEncoding(['ascii'])).toBe(UTF16);
    expect(choosePositionEncoding([])).toBe(UTF16);
    expect(choosePositionEncoding(null)).toBe(UTF16);
  });
});

describe('ranges a person can see', () => {
  const at = (start: number, end: number) => ({
    start: { line: 4, character: start },
    end: { line: 4, character: end },
  });

  it('covers the identifier, member or call V8 names, and the arguments of the call', () => {
    const cases: [string, string, string][] = [
      // line, where V8 points, what the range covers
      ["  const e = '😀😀'; notDefined(e);", 'notDefined', 'notDefined(e)'],
      [
        '  red.clearSearchHighlight(1, f(2), ")");',
        'clearSearchHighlight',
        'clearSearchHighlight(1, f(2), ")")',
      ],
      ['  const x = a.b.c;', 'c;', 'c'],
      ["  throw new Error('boom');", 'new', "new Error('boom')"],
      ['  r.api?.go ()', 'api', 'api?.go ()'],
      ['  call(a,', 'call', 'call(a,'],
    ];
    for (const [line, pointed, covered] of cases) {
      const start = line.indexOf(pointed);
      expect(expressionRange(line, 4, start), line).toEqual(at(start, start + covered.length));
    }
  });

  it('reaches the end of the line from anything else, and is never empty', () => {
    const assignment = '  o.x = 1;   ';
    expect(expressionRange(assignment, 4, 6)).toEqual(at(6, 10));
    expect(expressionRange('  done();', 4, 20)).toEqual(at(2, 9));
    expect(expressionRange('', 4, 0)).toEqual({
      start: { line: 4, character: 0 },
      end: { line: 5, character: 0 },
    });
    fc.assert(
      fc.property(lineText, fc.nat(40), (line, character) => {
        const range = expressionRange(line, 4, character);
        const empty =
          range.start.line === range.end.line && range.start.character === range.end.character;
        expect(empty).toBe(false);
        const visible = visibleRange(line, 4, character);
        expect(
          visible.start.line < visible.end.line || visible.start.character < visible.end.character,
        ).toBe(true);
      }),
    );
  });

  it("widens an empty range to the character there, or to the line's text", () => {
    expect(visibleRange('a😀b', 4, 1)).toEqual(at(1, 3));
    expect(visibleRange('a😀b', 4, 0, 2)).toEqual(at(0, 2));
    expect(visibleRange('  end ', 4, 9)).toEqual(at(2, 5));
    expect(wholeLine('\tx = 1\t', 4)).toEqual(at(1, 6));
  });
});
