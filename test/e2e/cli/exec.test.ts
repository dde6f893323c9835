import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { daemonInfo, runCli } from '../../helpers/network.js';

/** `reloadd exec`: a plugin's command from a shell, on the daemon an editor (here, the test) owns. */
describe('reloadd exec', () => {
  let daemon: DaemonUnderTest;
  let workspace: string;
  const exec = (...args: string[]) => runCli(['exec', ...args], { cwd: workspace });

  beforeAll(async () => {
    workspace = await tempDir();
    const plugins = path.join(workspace, 'plugins');
    await editFile(
      path.join(plugins, 'echo.js'),
      `export function activate(ctx) {
        ctx.subscriptions.push(
          ctx.commands.register('echo.args', (...args) => args),
          ctx.commands.register('echo.greet', (name = 'world') => \`hello, \${name}\`),
          ctx.commands.register('echo.nothing', () => undefined),
          ctx.commands.register('echo.fail', () => { throw new Error('no luck today'); }),
        );
      }`,
    );
    daemon = await startDaemon(plugins, { workspace, expectPlugins: 1 });
    await daemonInfo(workspace);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('prints a string as it is, and anything else as JSON', async () => {
    expect(await exec('echo.greet', 'Ann')).toEqual({
      code: 0,
      stdout: 'hello, Ann\n',
      stderr: '',
    });
    const run = await exec('echo.args', '{"a":[1]}');
    expect([run.code, JSON.parse(run.stdout)]).toEqual([0, [{ a: [1] }]]);
  });

  it('reads each argument as JSON, and a word that is not JSON as a string', async () => {
    const run = await exec('echo.args', '2', 'true', 'null', '"2"', 'Ann', '1.2.3', '--', '-5');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([2, true, null, '2', 'Ann', '1.2.3', -5]);
  });

  it('--json prints the raw result, null for a command that returns nothing', async () => {
    const greeting = await exec('echo.greet', '--json');
    expect([greeting.code, JSON.parse(greeting.stdout)]).toEqual([0, 'hello, world']);
    expect(await exec('echo.nothing')).toEqual({ code: 0, stdout: '', stderr: '' });
    const nothing = await exec('echo.nothing', '--json');
    expect([nothing.code, nothing.stdout]).toEqual([0, 'null\n']);
  });

  it("exits 1 when the command fails, with the daemon's message and its code", async () => {
    const failed = await exec('echo.fail');
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/no luck today.*\(RELOADD_COMMAND_FAILED\)/);
    const unknown = await exec('echo.nosuch', '--json');
    expect(unknown.code).toBe(1);
    expect(JSON.parse(unknown.stdout)).toEqual({
      error: {
        message: expect.stringContaining('echo.nosuch'),
        code: 'RELOADD_UNKNOWN_COMMAND',
        exitCode: 1,
      },
    });
  });

  it('exits 2 on an argument that opens JSON and is not, and 3 where no daemon runs', async () => {
    const bad = await exec('echo.args', '{a:1}');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`argument 1, {a:1}, is not JSON`);
    expect(bad.stderr).toContain(`'"{a:1}"'`);
    expect((await exec()).code).toBe(2);
    const nowhere = await runCli(['exec', 'echo.greet'], { cwd: await tempDir() });
    expect([nowhere.code, nowhere.stderr]).toEqual([3, expect.stringContaining('no daemon')]);
  });
});
