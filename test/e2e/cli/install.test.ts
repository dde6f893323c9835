import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/transport/index.js';
import { collectOutput } from '../../helpers/childOutput.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { ROOT } from '../../helpers/paths.js';

/**
 * reloadd as a project gets it: the package `npm pack` makes of the build, installed into a
 * scratch project, then run through npx, its plugin types checked and its client imported.
 *
 * The install reads the npm cache that `npm ci` filled, and needs no network: the project's
 * lockfile pins each dependency to what the repository's package-lock.json holds, with its
 * tarball's address and integrity, so npm asks the registry nothing it has not kept. A user's
 * `npm i -D reloadd-VERSION.tgz` resolves the same ranges against the registry instead.
 */

const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
/** npx, npm and tsc start slowly on a busy machine: these tests take seconds where others take ms. */
const SLOW_MS = 60_000;
const running = new Set<ChildProcess>();
const daemons = new Set<number>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  // A daemon npx left behind is no child of the test's: it is found by its pid.
  for (const pid of daemons) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
});

/** Runs a program in `cwd` to its end; npm and npx are found on PATH, as a shell finds them. */
function start(program: string, args: string[], cwd: string) {
  const child = spawn(program, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const output = collectOutput(child);
  // 'close': every holder of the output pipes has let go of them, not just this process.
  const closed = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, ...output, closed };
}

async function run(program: string, args: string[], cwd: string) {
  const started = start(program, args, cwd);
  const code = await started.closed;
  return { code, stdout: started.stdout(), stderr: started.stderr() };
}

/** The scratch project's lockfile: reloadd from the tarball, its dependencies as the repository pins them. */
async function pinnedLockfile(tarball: string): Promise<unknown> {
  const own = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const registry = (await run('npm', ['config', 'get', 'registry'], ROOT)).stdout.trim();
  const packages: Record<string, Record<string, unknown>> = {
    '': { name: 'scratch', dependencies: { reloadd: tarball } },
    'node_modules/reloadd': {
      version: own.version,
      resolved: tarball,
      license: own.license,
      dependencies: own.dependencies,
      bin: own.bin,
      engines: own.engines,
    },
  };
  for (const [where, entry] of Object.entries<Record<string, unknown>>(lock.packages)) {
    if (where === '' || entry.dev) continue;
    const name = where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const file = `${name.split('/').pop()}-${entry.version}.tgz`;
    packages[where] = { resolved: new URL(`${name}/-/${file}`, registry).href, ...entry };
  }
  return { name: 'scratch', lockfileVersion: 3, requires: true, packages };
}

describe('reloadd packed and installed into a project', () => {
  let project: string;

  beforeAll(async () => {
    const dir = await tempDir('reloadd-install-');
    // The build the other tests run (npm test builds first): packing it must not build again.
    const packed = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      ROOT,
    );
    expect(packed.code, packed.stderr).toBe(0);
    const tarball = `file:../${JSON.parse(packed.stdout)[0].filename}`;
    project = path.join(dir, 'project');
    await editFile(
      path.join(project, 'package.json'),
      JSON.stringify({
        name: 'scratch',
        private: true,
        type: 'module',
        dependencies: { reloadd: tarball },
      }),
    );
    await writeFile(
      path.join(project, 'package-lock.json'),
      JSON.stringify(await pinnedLockfile(tarball)),
    );
    const installed = await run(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund'],
      project,
    );
    expect(installed.code, `${installed.stdout}${installed.stderr}`).toBe(0);
  }, SLOW_MS);

  it(
    'npx reloadd writes a plugin, serves it, runs its command, and SIGTERM to npx stops the daemon',
    async () => {
      // --no: the project's own reloadd, never one fetched from a registry.
      const made = await run('npx', ['--no', 'reloadd', 'new', 'hello'], project);
      expect(made.code, made.stderr).toBe(0);
      // reloadd is installed here: nothing to say of its types.
      expect(made.stdout).not.toContain('need reloadd installed');

      const serve = start('npx', ['--no', 'reloadd', 'serve', '--plugins', 'plugins'], project);
      await expect.poll(() => serve.stdout()).toContain('ready: 1 of 1');
      expect(serve.stdout()).toContain('from another terminal: npx reloadd status');
      const { pid } = JSON.parse(
        await readFile(path.join(project, '.reloadd', 'daemon.json'), 'utf8'),
      );
      daemons.add(pid);
      const greeted = await run('npx', ['--no', 'reloadd', 'exec', 'hello.greet', 'Ann'], project);
      expect([greeted.code, greeted.stdout]).toEqual([0, 'hello, Ann (1)\n']);

      // npm hands the signal to the shell it runs reloadd in, which ends without passing it on.
      serve.child.kill('SIGTERM');
      // The output closes once the daemon, which writes to it too, has ended.
      await serve.closed;
      await expect.poll(() => isProcessAlive(pid)).toBe(false);
      expect(serve.stdout()).toContain('stopping: saving the state of 1 plugin…');
      await expect(stat(path.join(project, '.reloadd', 'daemon.json'))).rejects.toThrow('ENOENT');
    },
    SLOW_MS,
  );

  it(
    "a plugin's import of reloadd/plugin type-checks against the package, with Node's and with node10's resolution",
    async () => {
      await editFile(
        path.join(project, 'typed', 'index.ts'),
        `import type { PluginContext } from 'reloadd/plugin';
import { definePlugin } from 'reloadd/plugin';
let count = 0;
export default definePlugin<{ count: number }>({
  activate(ctx: PluginContext) {
    ctx.subscriptions.push(ctx.commands.register('typed.count', () => ++count));
  },
  saveState: () => ({ count }),
  restoreState: (saved) => { count = saved.count; },
});
`,
      );
      const tsc = (...args: string[]) =>
        run(process.execPath, [TSC, '--noEmit', '--strict', ...args], project);
      // The whole of the package's declarations, checked as a Node project of today reads them.
      const nodeNext = await tsc('--target', 'es2022', '--module', 'nodenext', 'typed/index.ts');
      expect(nodeNext.code, nodeNext.stdout).toBe(0);
      // An older project's settings, whose resolution reads no "exports": what it resolves to.
      const node10 = await tsc(
        ...['--module', 'commonjs', '--moduleResolution', 'node10', '--skipLibCheck'],
        'typed/index.ts',
      );
      expect(node10.code, node10.stdout).toBe(0);
      // A mistake is still one: the types are there, not `any`.
      await editFile(
        path.join(project, 'typed', 'wrong.ts'),
        `import type { PluginContext } from 'reloadd/plugin';
export function activate(ctx: PluginContext): void { ctx.commands.register(42); }
`,
      );
      const wrong = await tsc('--module', 'nodenext', '--skipLibCheck', 'typed/wrong.ts');
      expect([wrong.code, wrong.stdout]).toEqual([2, expect.stringContaining('typed/wrong.ts(2,')]);
    },
    SLOW_MS,
  );

  it('reloadd/client resolves there: ReloaddClient, in Node and for TypeScript', async () => {
    const imported = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "import('reloadd/client').then((m) => console.log(typeof m.ReloaddClient))",
      ],
      project,
    );
    expect([imported.code, imported.stdout]).toEqual([0, 'function\n']);
    await editFile(
      path.join(project, 'client.ts'),
      `import { ReloaddClient } from 'reloadd/client';
export const isClient = (x: unknown): x is ReloaddClient => x instanceof ReloaddClient;
`,
    );
    // Its declarations name Node's and ws's types, which this project has not installed.
    const checked = await run(
      process.execPath,
      [TSC, '--noEmit', '--strict', '--module', 'nodenext', '--skipLibCheck', 'client.ts'],
      project,
    );
    expect(checked.code, checked.stdout).toBe(0);
  });
});
