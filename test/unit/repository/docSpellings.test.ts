import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/paths.js';

/**
 * What the README and docs/ tell a user to type works where they type it: every command is
 * spelled `npx reloadd …` (which runs the project's reloadd, the machine's, or the repository's
 * own), and every import of reloadd goes through a path its package.json exports.
 */
const documents = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const read = (doc: string) => readFileSync(path.join(ROOT, doc), 'utf8');
const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

describe('the documents', () => {
  it('spell every command npx reloadd', () => {
    const subcommands =
      'serve|config|reload|list|status|exec|state|profile|debug|verify|new|diagnostics|logs|dashboard|connect';
    // An editor's configuration names the program and its arguments apart ('reloadd', 'serve'): not a command line.
    const otherwise = new RegExp(
      `(?<!npx )(?<![\\w/.-])reloadd (?:${subcommands})\\b|node (?:\\S*/)?dist/cli\\.js`,
      'g',
    );
    const found = documents.flatMap((doc) => {
      const text = read(doc);
      return [...text.matchAll(otherwise)].map((m) => `${doc}:${lineOf(text, m.index)}: ${m[0]}`);
    });
    expect(found).toEqual([]);
  });

  it('import reloadd only through the paths its package.json exports', () => {
    const { exports } = JSON.parse(read('package.json')) as { exports: Record<string, unknown> };
    // A subpath: the Neovim client's Lua module is `require('reloadd')` too.
    const imports = /(?:from\s+|import\(\s*|require\(\s*)['"](reloadd\/[^'"]*)['"]/g;
    const seen: string[] = [];
    const unexported = documents.flatMap((doc) => {
      const text = read(doc);
      return [...text.matchAll(imports)].flatMap((m) => {
        const specifier = m[1] ?? '';
        seen.push(specifier);
        const subpath = `.${specifier.slice('reloadd'.length)}`;
        return subpath in exports ? [] : [`${doc}:${lineOf(text, m.index)}: ${specifier}`];
      });
    });
    expect(unexported).toEqual([]);
    // The check looked at something: the README imports the plugin types and the client.
    expect(new Set(seen)).toEqual(
      new Set(['reloadd/plugin', 'reloadd/client', 'reloadd/protocol']),
    );
  });
});
