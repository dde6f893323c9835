import { readFile } from 'node:fs/promises';
import { convertRange, PositionEncoding, type Range, splitLines } from '../../../protocol/index.js';

/**
 * Ranges in the position encoding one client chose in `initialize`. The daemon counts UTF-16 code
 * units, as LSP does by default; for a client that reads UTF-8 or UTF-32 each range is converted
 * against the file's text, read when the range is sent.
 */
export class PositionEncoder {
  constructor(readonly encoding: PositionEncoding) {}

  /** Nothing to convert: ranges go out as they are, at once. */
  get identity(): boolean {
    return this.encoding === PositionEncoding.UTF16;
  }

  async ranges(file: string, ranges: readonly Range[]): Promise<Range[]> {
    if (this.identity || ranges.length === 0) return [...ranges];
    const text = await readFile(file, 'utf8').catch(() => undefined);
    // A file gone since: its lines are unknown, and so is any other count of them.
    if (text === undefined) return [...ranges];
    const lines = splitLines(text);
    return ranges.map((range) => convertRange(lines, range, PositionEncoding.UTF16, this.encoding));
  }
}
