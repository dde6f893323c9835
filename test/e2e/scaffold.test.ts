import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.js';
import { runCli } from '../helpers/network.js';

/** `reloadd new`: what it writes runs, passes `reloadd verify`, and is never written twice. */
describe('reloadd new', () => {
  it('writes a TypeScript and a JavaScript plugin that pass verify, and overwrites neither', async () => {
    const dir = await tempDir();
    const made = await runCli(['new', 'hello-world', '--dir', 'plugins'], { cwd: dir });
    expect([made.code, made.stdout]).toEqual([
      0,
      expect.stringContaining('plugin.json and index.ts'),
    ]);
    expect((await runCli(['new', 'hello-js', '--js', '--dir', 'plugins'], { cwd: dir })).code).toBe(
      0,
    );
    const verified = await runCli(['verify', 'plugins', '--reloads', '2', '--json'], { cwd: dir });
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout).plugins.map((p: { id: string }) => p.id)).toEqual([
      'hello-js',
      'hello-world',
    ]);

    const entry = path.join(dir, 'plugins', 'hello-world', 'index.ts');
    await writeFile(entry, '// mine\n');
    const again = await runCli(['new', 'hello-world', '--dir', 'plugins'], { cwd: dir });
    expect([again.code, again.stderr]).toEqual([
      1,
      expect.stringContaining('already exists; nothing was written'),
    ]);
    expect(await readFile(entry, 'utf8')).toBe('// mine\n');
  });

  it('refuses a name that is not a plugin id, with exit 2', async () => {
    const dir = await tempDir();
    const run = await runCli(['new', '../escape'], { cwd: dir });
    expect([run.code, run.stderr]).toEqual([2, expect.stringContaining('is not a plugin id')]);
  });
});
