import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editFile, tempDir } from '../../helpers/files.js';
import { runCli, spawnCli } from '../../helpers/network.js';

/** The `npx reloadd …` lines `reloadd new` prints, as the argument lists the built CLI takes. */
function printedSteps(stdout: string): string[][] {
  return [...stdout.matchAll(/^ {2}npx reloadd (.+?) {2}/gm)].map((m) => (m[1] ?? '').split(' '));
}

/** `reloadd new`: what it writes runs, passes `reloadd verify`, and is never written twice. */
describe('reloadd new', () => {
  it('writes a TypeScript and a JavaScript plugin that pass verify, and overwrites neither', async () => {
    const dir = await tempDir();
    const made = await runCli(['new', 'hello-world', '--dir', 'plugins'], { cwd: dir });
    expect([made.code, made.stdout]).toEqual([
      0,
      expect.stringContaining('plugins/hello-world/plugin.json and index.ts (--dir)'),
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

  it('in a project, writes into a plugins folder it makes, and the next steps it prints work from there', async () => {
    const project = await tempDir();
    await editFile(path.join(project, 'package.json'), '{ "name": "my-editor" }\n');
    // What the daemon would take for a plugin, were the project's folder the plugins folder.
    await editFile(path.join(project, 'vitest.config.ts'), 'export default {};\n');
    const made = await runCli(['new', 'hello'], { cwd: project });
    expect(made.code, made.stderr).toBe(0);
    expect(await readdir(path.join(project, 'plugins', 'hello'))).toEqual([
      'index.ts',
      'plugin.json',
    ]);
    const [serve, verify, exec] = printedSteps(made.stdout);
    expect([serve, verify, exec]).toEqual([
      ['serve', '--plugins', 'plugins'],
      ['verify', 'plugins'],
      ['exec', 'hello.greet'],
    ]);
    // No reloadd is installed in the project: the line that says what its types need.
    expect(made.stdout).toContain('need reloadd installed in this project');

    const verified = await runCli([...(verify ?? []), '--reloads', '1', '--json'], {
      cwd: project,
    });
    expect(verified.code, verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout).plugins.map((p: { id: string }) => p.id)).toEqual(['hello']);

    // The plugins folder is the one in force from now on, and the project's folder never is.
    expect((await runCli(['new', 'second'], { cwd: project })).code).toBe(0);
    expect(await readdir(path.join(project, 'plugins'))).toEqual(['hello', 'second']);
    const refused = await runCli(['new', 'third', '--dir', '.'], { cwd: project });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      '. (--dir) holds package.json, plugins, which are not plugins',
    );
    expect(await readdir(project)).toEqual(['package.json', 'plugins', 'vitest.config.ts']);

    // In the plugins folder itself, that folder is the one.
    const inside = await runCli(['new', 'fourth'], { cwd: path.join(project, 'plugins') });
    expect(printedSteps(inside.stdout)[0]).toEqual(['serve', '--plugins', '.']);
    expect(await readdir(path.join(project, 'plugins'))).toEqual(['fourth', 'hello', 'second']);
  });

  it("writes into the config file's plugins folder, and says so", async () => {
    const project = await tempDir();
    await editFile(
      path.join(project, 'reloadd.json'),
      '{ "plugins": "editor/plugins", "stateDir": ".reloadd/state" }\n',
    );
    const made = await runCli(['new', 'hello', '--js'], { cwd: project });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(
      'wrote editor/plugins/hello/plugin.json and index.js (the plugins folder of reloadd.json)',
    );
    expect(printedSteps(made.stdout)[1]).toEqual(['verify', 'editor/plugins']);
    expect(await readdir(path.join(project, 'editor', 'plugins', 'hello'))).toEqual([
      'index.js',
      'plugin.json',
    ]);
  });

  it('restores its state before it speaks of it: a reload logs the count it kept', async () => {
    const project = await tempDir();
    const made = await runCli(['new', 'hello'], { cwd: project });
    const [serveStep, , execStep] = printedSteps(made.stdout);
    const serve = spawnCli(serveStep ?? [], { cwd: project });
    await expect.poll(() => serve.output()).toContain('ready: 1 of 1');
    for (const name of ['Ann', 'Bo']) {
      const greeted = await runCli([...(execStep ?? []), name], { cwd: project });
      expect(greeted.stdout).toMatch(new RegExp(`^hello, ${name} \\(\\d\\)`));
    }
    const startOfReload = serve.output().length;
    const entry = path.join(project, 'plugins', 'hello', 'index.ts');
    await editFile(entry, `${await readFile(entry, 'utf8')}// edited\n`);
    await expect.poll(() => serve.output()).toMatch(/\[hello\] reloaded generation 2/);
    // Every count the plugin told of around the reload is the one it had.
    const told = [
      ...serve
        .output()
        .slice(startOfReload)
        .matchAll(/\[hello\] .*?(\d+) greetings/g),
    ];
    expect(told.map((m) => m[1])).toEqual(['2', '2']);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
  });

  it('refuses a name that is not a plugin id, with exit 2', async () => {
    const dir = await tempDir();
    const run = await runCli(['new', '../escape'], { cwd: dir });
    expect([run.code, run.stderr]).toEqual([2, expect.stringContaining('is not a plugin id')]);
  });
});
