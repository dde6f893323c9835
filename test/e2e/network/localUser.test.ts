import type { ChildProcess } from 'node:child_process';
import { chmod, chown, mkdir, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAEMON_FILE } from '../../../src/protocol/index.js';
import { collectOutput } from '../../helpers/childOutput.js';
import { runNeovimScript } from '../../helpers/editors/neovim.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { createThrowawayUser, IS_ROOT, type LocalUser } from '../../helpers/localUser.js';
import { daemonInfo, runCli, spawnCli, startStandalone } from '../../helpers/network.js';
import { CLI_PATH, FIXTURES, ROOT } from '../../helpers/paths.js';

/**
 * Another user of the same machine, as the audit of issue 24 played it: a throwaway local user
 * (created here, deleted in afterAll) plants discovery files and folders where the test's user
 * (root, as CI runs) would find them. Without root no user can be created: the tests skip.
 */

const plugin = (id: string) => `export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('${id}.get', () => '${id}'));
}
`;

/** A folder anyone may create entries in, as /tmp is: 1777. */
async function sharedFolder(): Promise<string> {
  const dir = await realpath(await tempDir('reloadd-shared-'));
  await chmod(dir, 0o1777);
  return dir;
}

/** A workspace of the test's user with one plugin to serve. */
async function ownWorkspace(): Promise<{ workspace: string; plugins: string }> {
  const workspace = await realpath(await tempDir());
  const plugins = path.join(workspace, 'plugins');
  await editFile(path.join(plugins, 'counter.js'), plugin('counter'));
  return { workspace, plugins };
}

/** `reloadd serve` until it exits (its code) or serves ('serving', then stopped); and its stderr. */
async function serveOrExit(workspace: string, plugins: string, env: Record<string, string> = {}) {
  const run = spawnCli(['serve', '--plugins', plugins], { cwd: workspace, env });
  const ended = await Promise.race([
    run.exited,
    daemonInfo(workspace, { pid: run.child.pid as number }).then(() => 'serving' as const),
  ]);
  if (ended === 'serving') {
    run.child.kill('SIGTERM');
    await run.exited;
  }
  return { ended, stderr: run.errors() };
}

describe.skipIf(!IS_ROOT)('another local user (needs root, to create a throwaway user)', () => {
  let other: LocalUser;
  beforeAll(() => {
    other = createThrowawayUser();
  });
  afterAll(async () => {
    if (!other) return;
    await other.remove();
    // The token folder the other user's daemons made (tempDir's folders go on their own).
    await rm(path.join(os.tmpdir(), `reloadd-${other.uid}`), { recursive: true, force: true });
  });

  /**
   * The other user's own `reloadd serve`, its discovery file in `shared/.reloadd`: a parent
   * folder of the victim's workspace.
   */
  async function plantDaemon(shared: string): Promise<{ child: ChildProcess; pid: number }> {
    const plugins = path.join(shared, 'their-plugins');
    await editFile(path.join(plugins, 'theirs.js'), plugin('theirs'));
    await chown(plugins, other.uid, other.gid);
    await chown(path.join(plugins, 'theirs.js'), other.uid, other.gid);
    const child = other.spawn(
      process.execPath,
      [CLI_PATH, 'serve', '--plugins', plugins, '--workspace', shared],
      { cwd: shared, env: { ...process.env, XDG_RUNTIME_DIR: '' }, stdio: 'pipe' },
    );
    const output = collectOutput(child);
    const pid = child.pid as number;
    await daemonInfo(shared, { pid }).catch((error: unknown) => {
      throw new Error(`the other user's daemon did not start: ${output.stderr()}`, {
        cause: error,
      });
    });
    return { child, pid };
  }

  it('skips a daemon.json another user planted in a parent folder, saying why: status and connect --stdio reach no daemon', async () => {
    const shared = await sharedFolder();
    await plantDaemon(shared);
    const project = path.join(shared, 'project');
    await mkdir(project);
    const planted = path.join(shared, DAEMON_FILE);
    const skipped = `reloadd: skipped ${planted}: owned by uid ${other.uid}, not you\n`;

    const status = await runCli(['status'], { cwd: project });
    // Not the other user's daemon's status: none at all.
    expect(status.stdout).toBe('');
    expect(status.stderr).toContain(skipped);
    expect(status.stderr).toContain(`no daemon is running for ${project}`);
    expect(status.code).toBe(3);

    // An editor's bridge: stdin is closed at once, which would end a session that had begun.
    const bridge = await runCli(['connect', '--stdio'], { cwd: project });
    expect(bridge.stderr).toContain(skipped);
    expect(bridge.code).toBe(3);
  });

  it('has Neovim skip the planted file too, and start a daemon of its own', async () => {
    const shared = await sharedFolder();
    await plantDaemon(shared);
    const workspace = path.join(shared, 'project');
    const plugins = path.join(workspace, 'plugins');
    await editFile(path.join(plugins, 'opener.js'), plugin('opener'));
    await editFile(path.join(plugins, 'counter.js'), plugin('counter'));
    const { code, results } = await runNeovimScript<{
      steps: { start?: { loaded: boolean; mode: string } };
      errors: string[];
      notifications: { message: string; level: number }[];
    }>(path.join(FIXTURES, 'nvim', 'driver.lua'), workspace, {
      RELOADD_NVIM_CLIENT: path.join(ROOT, 'src', 'clients', 'nvim'),
      RELOADD_STEPS: 'start',
      RELOADD_PLUGINS: plugins,
    });
    expect(results.errors).toEqual([]);
    expect(code).toBe(0);
    expect(results.steps.start).toMatchObject({ loaded: true, mode: 'serve' });
    expect(results.notifications).toContainEqual({
      message: `reloadd: skipped ${path.join(shared, DAEMON_FILE)}: owned by uid ${other.uid}, not you`,
      level: 3, // vim.log.levels.WARN
    });
  }, 60_000);

  it('repairs a .reloadd folder of its own that others may write (0777), with a warning', async () => {
    const { workspace, plugins } = await ownWorkspace();
    const folder = path.join(workspace, '.reloadd');
    await mkdir(folder);
    await chmod(folder, 0o777);
    const daemon = await startStandalone(workspace, plugins);
    try {
      expect((await stat(folder)).mode & 0o7777).toBe(0o700);
      expect(daemon.output()).toContain(
        `${folder} could be read or written by others (mode 0777): made it 0700`,
      );
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });

  it('refuses a .reloadd folder another user owns in its workspace (exit 2)', async () => {
    const { workspace, plugins } = await ownWorkspace();
    const folder = path.join(workspace, '.reloadd');
    await mkdir(folder, { mode: 0o700 });
    await chown(folder, other.uid, other.gid);
    const { ended, stderr } = await serveOrExit(workspace, plugins);
    expect(ended).toBe(2);
    expect(stderr).toContain(
      `reloadd: ${folder} is owned by uid ${other.uid}, not you: remove it, or serve another --workspace`,
    );
  });

  it('refuses a runtime folder for its token that another user owns (exit 2)', async () => {
    const { workspace, plugins } = await ownWorkspace();
    // $XDG_RUNTIME_DIR/reloadd, made first by someone else (as /tmp/reloadd-UID could be).
    const runtime = path.join(workspace, 'run');
    const theirs = path.join(runtime, 'reloadd');
    await mkdir(theirs, { recursive: true, mode: 0o700 });
    await chown(theirs, other.uid, other.gid);
    const { ended, stderr } = await serveOrExit(workspace, plugins, { XDG_RUNTIME_DIR: runtime });
    expect(ended).toBe(2);
    expect(stderr).toContain(
      `reloadd: ${theirs} is owned by uid ${other.uid}, not you: remove it, or set XDG_RUNTIME_DIR to a folder of your own`,
    );
  });
});
