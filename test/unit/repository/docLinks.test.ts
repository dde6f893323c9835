import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.js';

/**
 * The documents a reader follows from one to another: every relative link reaches a file that
 * exists, and every `#anchor` into a Markdown file names one of its headings as GitHub writes
 * their ids. README.md stays a front door, small enough to read through.
 */

const README_LIMIT_BYTES = 15 * 1024;

/** Every Markdown file of a folder and the folders under it, relative to ROOT. */
function markdownUnder(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return markdownUnder(relative);
    return entry.name.endsWith('.md') ? [relative] : [];
  });
}

/** The repository's own documents: README.md, ARCHITECTURE.md, protocol.md… and docs/ whole. */
const documents = [
  ...readdirSync(ROOT).filter((name) => name.endsWith('.md')),
  ...markdownUnder('docs'),
];

/** A document's lines, those inside a fenced code block blanked: neither links nor headings. */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const [, marker, rest = ''] = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line) ?? [];
    if (fence === undefined) {
      fence = marker;
      return marker === undefined ? line : '';
    }
    // A fence closes on a line of its own character, at least as long, with nothing after it.
    if (marker && marker[0] === fence[0] && marker.length >= fence.length && !/\S/.test(rest))
      fence = undefined;
    return '';
  });
}

/** GitHub's id for a heading: lowercase, punctuation but `-` and `_` dropped, each space a `-`. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading: its text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replaceAll(' ', '-');
}

/** The ids a reader can link to in a Markdown text: each heading's slug (repeats get `-1`, `-2`…), and HTML ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const slug = githubSlug(heading);
      const times = seen.get(slug) ?? 0;
      seen.set(slug, times + 1);
      anchors.add(times === 0 ? slug : `${slug}-${times}`);
    }
    for (const [, id] of line.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) anchors.add(id ?? '');
  }
  return anchors;
}

const anchorsByFile = new Map<string, Set<string>>();
/** The anchors of a Markdown file of the repository, read once however many links reach it. */
function anchorsOfFile(file: string): Set<string> {
  const known = anchorsByFile.get(file);
  if (known) return known;
  const anchors = anchorsOf(readFileSync(path.join(ROOT, file), 'utf8'));
  anchorsByFile.set(file, anchors);
  return anchors;
}

/** Every link target a document's prose holds, with its line: inline, reference and HTML links. */
function linksOf(text: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  // Code spans show syntax, never a link; a link's text may hold one, and may break across lines.
  const lines = proseLines(text).map((line) => line.replace(/(`+)(?:(?!\1).)*?\1/g, '``'));
  const prose = lines.join('\n');
  const lineAt = (index: number) => prose.slice(0, index).split('\n').length;
  for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    links.push({ target: m[1] ?? '', line: lineAt(m.index) });
  for (const m of prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm))
    links.push({ target: m[1] ?? '', line: lineAt(m.index) });
  for (const m of prose.matchAll(/<(?:a|img)\s[^>]*(?:href|src)="([^"]+)"/g))
    links.push({ target: m[1] ?? '', line: lineAt(m.index) });
  return links;
}

const external = (target: string) => /^[a-z][a-z\d+.-]*:|^\/\//i.test(target);

/** What is wrong with one link of `doc`, or nothing. */
function brokenLink(doc: string, target: string): string | undefined {
  const hash = target.indexOf('#');
  const file = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
  // A link that starts with `/` is the repository's root, as GitHub reads it.
  const from = file.startsWith('/') ? '' : path.posix.dirname(doc);
  const resolved = file === '' ? doc : path.posix.normalize(path.posix.join(from, file));
  const at = path.join(ROOT, resolved);
  if (resolved.startsWith('..') || !existsSync(at)) return `no file ${resolved}`;
  if (anchor === undefined || !resolved.endsWith('.md') || statSync(at).isDirectory())
    return undefined;
  return anchorsOfFile(resolved).has(anchor)
    ? undefined
    : `no heading in ${resolved} whose id is #${anchor}`;
}

describe("GitHub's heading ids", () => {
  it('are lowercase, without punctuation but - and _, a - for each space', () => {
    expect(githubSlug("The Red editor's API")).toBe('the-red-editors-api');
    expect(githubSlug('State: exactly when you get it back')).toBe(
      'state-exactly-when-you-get-it-back',
    );
    expect(githubSlug('`editor/call` request (daemon → editor)')).toBe(
      'editorcall-request-daemon--editor',
    );
    expect(githubSlug('snake_case and [a link](x.md)')).toBe('snake_case-and-a-link');
  });

  it('count repeated headings on, and read no heading in a code block', () => {
    const anchors = anchorsOf('# Usage\n\n## Usage\n\n```sh\n# Usage not a heading\n```\n');
    expect([...anchors]).toEqual(['usage', 'usage-1']);
  });
});

describe('the documents', () => {
  it('link only to files that exist, and to headings those files have', () => {
    expect(documents).toEqual(
      expect.arrayContaining(['README.md', 'ARCHITECTURE.md', 'BENCHMARKS.md']),
    );
    const broken = documents.flatMap((doc) =>
      linksOf(readFileSync(path.join(ROOT, doc), 'utf8'))
        .filter(({ target }) => !external(target))
        .flatMap(({ target, line }) => {
          const problem = brokenLink(doc, target);
          return problem ? [`${doc}:${line}: (${target}): ${problem}`] : [];
        }),
    );
    expect(broken).toEqual([]);
  });

  it('hold links to check: the guides are reached from README.md', () => {
    const readme = linksOf(readFileSync(path.join(ROOT, 'README.md'), 'utf8')).map((l) => l.target);
    const guides = readdirSync(path.join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`);
    expect(
      guides.filter((guide) => !readme.some((target) => target.split('#')[0] === guide)),
    ).toEqual([]);
  });

  it(`keep README.md a front door: at most ${README_LIMIT_BYTES / 1024} KB`, () => {
    const size = statSync(path.join(ROOT, 'README.md')).size;
    expect(size, 'README.md, in bytes: move detail into a guide under docs/').toBeLessThanOrEqual(
      README_LIMIT_BYTES,
    );
  });
});
