import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyFixture, tempDir } from '../../helpers/files.js';
import { runCli } from '../../helpers/network.js';
import { ROOT } from '../../helpers/paths.js';

interface JsonReport {
  passed: boolean;
  strict: boolean;
  plugins: {
    id: string;
    passed: boolean;
    checks: { name: string; ok: boolean; reasons: string[]; warnings: string[] }[];
  }[];
}

/** README.md and the guides under docs/: the documents that show plugins to copy. */
const documents = async () => [
  'README.md',
  ...(await readdir(path.join(ROOT, 'docs')))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/**
 * Writes each plugin a document shows whole (a JS or TS block that exports an `activate` or a
 * `definePlugin(...)` default) into `dir`, and returns their ids. A block of one plugin is a file
 * of its own, named after the document and the block; a block of several starts each file with a
 * `// FOLDER/FILE` line, which may add `, with "key": value in its plugin.json`.
 */
async function writeDocumentPlugins(doc: string, text: string, dir: string): Promise<string[]> {
  const ids: string[] = [];
  const blocks = [...text.matchAll(/^```(js|ts)\n([\s\S]*?)^```$/gm)];
  for (const [index, [, language, code = '']] of blocks.entries()) {
    if (!/^export (async )?function activate\b|^export default definePlugin\(/m.test(code))
      continue;
    const header = /^\/\/ ([\w.-]+)\/([\w.-]+)(?:, with (.+) in its plugin\.json)?$/gm;
    const files = [...code.matchAll(header)];
    if (files.length === 0) {
      const id = `${path.basename(doc, '.md').toLowerCase()}-${index + 1}`;
      await writeFile(path.join(dir, `${id}.${language}`), code);
      ids.push(id);
      continue;
    }
    for (const [n, file] of files.entries()) {
      const [, folder = '', name = '', manifest] = file;
      const end = files[n + 1]?.index ?? code.length;
      await mkdir(path.join(dir, folder), { recursive: true });
      await writeFile(path.join(dir, folder, name), code.slice(file.index, end));
      if (manifest) await writeFile(path.join(dir, folder, 'plugin.json'), `{ ${manifest} }`);
      ids.push(folder);
    }
  }
  return ids;
}

/** `reloadd verify`, the built CLI on real plugin folders: what CI runs. */
describe('reloadd verify', () => {
  it('passes the bundled examples and the Red editor example plugin, and exits 0', async () => {
    const dir = await tempDir();
    await cp(path.join(ROOT, 'examples', 'plugins'), dir, { recursive: true });
    await copyFixture('red-hot-reload-example/example-plugin.js', dir, 'example-plugin.js');
    const run = await runCli(['verify', dir, '--reloads', '3', '--json'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      passed: boolean;
      plugins: { id: string; passed: boolean; checks: { name: string; ok: boolean }[] }[];
    };
    expect(report.plugins.map((p) => [p.id, p.passed])).toEqual([
      ['counter', true],
      ['example-plugin', true],
      ['word-count', true],
    ]);
    expect(report.plugins[0]?.checks.map((c) => c.name)).toContain('keeps its state');
  });

  it('warns of the commands and timers reloadd removes itself at unload, exits 0, and fails them with --strict', async () => {
    const dir = await tempDir();
    await copyFixture('verify/unpushed-command.js', dir, 'unpushed-command.js');
    await cp(path.join(ROOT, 'examples', 'leaky-plugins'), dir, { recursive: true });
    const warned = await runCli(['verify', dir, '--reloads', '2', '--json'], { cwd: dir });
    expect(warned.code, warned.stdout + warned.stderr).toBe(0);
    const report = JSON.parse(warned.stdout) as JsonReport;
    expect([report.passed, report.strict]).toEqual([true, false]);
    const registered = (id: string) =>
      report.plugins
        .find((p) => p.id === id)
        ?.checks.find((c) => c.name === 'leaves nothing registered');
    expect(registered('unpushed-command')).toEqual({
      name: 'leaves nothing registered',
      ok: true,
      reasons: [],
      warnings: [expect.stringMatching(/did not fully unload: 1 command \(unpushed\.inc\)/)],
    });
    expect(registered('leaky-timer')?.warnings).toEqual([
      expect.stringMatching(/did not fully unload: 1 interval \(5000ms\)/),
    ]);

    const strict = await runCli(['verify', dir, '--reloads', '2', '--strict'], { cwd: dir });
    expect(strict.code, strict.stdout + strict.stderr).toBe(1);
    expect(strict.stdout).toMatch(
      /^✗ unpushed-command .*\n {4}leaves nothing registered: Plugin 'unpushed-command' did not fully unload: 1 command \(unpushed\.inc\)/m,
    );
    expect(strict.stdout).not.toContain('!');
    expect(strict.stdout).toContain('0 of 2 plugins passed (2 reloads each, strict); 2 failed');
  });

  it('passes every plugin README.md and the guides show whole, with nothing to warn of', async () => {
    const dir = await tempDir();
    const ids: string[] = [];
    for (const doc of await documents())
      ids.push(
        ...(await writeDocumentPlugins(doc, await readFile(path.join(ROOT, doc), 'utf8'), dir)),
      );
    expect(ids.length).toBeGreaterThanOrEqual(3);
    const run = await runCli(['verify', dir, '--reloads', '2', '--json'], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.plugins.map((p) => p.id).sort()).toEqual([...ids].sort());
    for (const plugin of report.plugins)
      for (const check of plugin.checks)
        expect([...check.reasons, ...check.warnings], `${plugin.id}: ${check.name}`).toEqual([]);
  });

  it('says what is wrong with its arguments, and exits 2', async () => {
    const dir = await tempDir();
    for (const args of [
      ['verify', dir, '--reloads', 'many'],
      ['verify', dir, '--reporter', 'junit'],
      ['verify'],
      ['verify', path.join(dir, 'nowhere')],
    ]) {
      const run = await runCli(args, { cwd: dir });
      expect([run.code, run.stderr]).toEqual([2, expect.stringMatching(/^reloadd: /)]);
    }
  });
});
