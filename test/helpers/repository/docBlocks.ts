/**
 * Blocks of a Markdown document that are written from data, not by hand: each between
 * `<!-- NAME:start -->` and `<!-- NAME:end -->`, so a test can write them again and compare.
 */

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const;

/** Where the block is in `doc`, or why it cannot be found. */
function locate(doc: string, name: string): { from: number; to: number } | string {
  const [start, end] = markers(name);
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < 0) return `no ${from < 0 ? start : end} in the document`;
  if (doc.indexOf(start, from + 1) >= 0 || doc.indexOf(end, to + 1) >= 0)
    return `${start} or ${end} appears more than once`;
  if (to < from) return `${end} comes before ${start}`;
  return { from: from + start.length, to };
}

/** The block's text as the document has it, without its markers and the line breaks beside them. */
export function readBlock(doc: string, name: string): string {
  const at = locate(doc, name);
  if (typeof at === 'string') throw new Error(at);
  return doc.slice(at.from, at.to).replace(/^\n/, '').replace(/\n$/, '');
}

/** `doc` with the block replaced by `block`. */
export function writeBlock(doc: string, name: string, block: string): string {
  const at = locate(doc, name);
  if (typeof at === 'string') throw new Error(at);
  return `${doc.slice(0, at.from)}\n${block}\n${doc.slice(at.to)}`;
}

/**
 * The lines that differ, as a unified diff shows them (`-` the document's, `+` the expected),
 * with a line around each change; a longest common subsequence, which is quick at this size.
 */
export function lineDiff(actual: string, expected: string): string {
  const a = actual.split('\n');
  const b = expected.split('\n');
  // common(i, j): the length of the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const table = new Int32Array((a.length + 1) * width);
  const common = (i: number, j: number) => table[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      table[i * width + j] =
        a[i] === b[j] ? common(i + 1, j + 1) + 1 : Math.max(common(i + 1, j), common(i, j + 1));
  const lines: { mark: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: ' ', text: a[i++] ?? '' });
      j++;
    } else if (i < a.length && (j >= b.length || common(i + 1, j) >= common(i, j + 1)))
      lines.push({ mark: '-', text: a[i++] ?? '' });
    else lines.push({ mark: '+', text: b[j++] ?? '' });
  }
  const near = (k: number) =>
    lines.slice(Math.max(0, k - 1), k + 2).some((line) => line.mark !== ' ');
  return lines
    .map((line, k) => (near(k) ? `${line.mark} ${line.text}` : undefined))
    .filter((line, k, all) => line !== undefined || all[k - 1] !== undefined)
    .map((line) => line ?? '  …')
    .join('\n');
}
