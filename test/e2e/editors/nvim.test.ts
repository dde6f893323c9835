import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../../src/transport/index.js';
import { runNeovimScript } from '../../helpers/editors/neovim.js';
import { editFile, tempDir } from '../../helpers/files.js';
import {
  connectClient,
  daemonInfo,
  expectClients,
  startStandalone,
} from '../../helpers/network.js';
import { FIXTURES, ROOT } from '../../helpers/paths.js';

/**
 * The Neovim client (src/clients/nvim) in a real headless Neovim: test/fixtures/nvim/driver.lua
 * runs the steps named in RELOADD_STEPS, writes what it observed as JSON, and quits; the
 * assertions are here. Neovim must be installed (.ci/run installs it): without it this fails.
 */

const DRIVER = path.join(FIXTURES, 'nvim', 'driver.lua');
const CLIENT = path.join(ROOT, 'src', 'clients', 'nvim');

/** Asks the editor to open a buffer and to pick; remembers the editor events it hears. */
const OPENER = `
const events = [];
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('opener.open', async (name) => {
      await ctx.editor.call('openBuffer', name);
      return 'opened ' + name;
    }),
    ctx.commands.register('opener.pick', (title, values) => ctx.editor.call('pick', title, values)),
    ctx.commands.register('opener.events', () => events),
    ctx.events.on('buffer:entered', (data) => { events.push({ event: 'buffer:entered', data }); }),
    ctx.events.on('file:saved', (data) => { events.push({ event: 'file:saved', data }); }),
  );
}
`;

const counter = (message: string, body = 'MESSAGE') => `const MESSAGE = '${message}';
export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('counter.get', () => ${body}));
}
`;
/** A syntax error on line 3, zero-based line 2. */
const COUNTER_BROKEN = counter('v3', 'MESSAGE +');
const BROKEN_LINE = 2;

interface Notification {
  message: string;
  level: number;
}

/** What driver.lua writes: each step's observations, and the Lua errors of steps that threw. */
interface DriverResults {
  steps: {
    start?: { loaded: boolean; mode: string; pid: number; plugins: { id: string }[] };
    status?: { output: string };
    reload?: { notification?: Notification };
    open_buffer?: { answer: { result?: unknown; error?: string }; bufname: string; path: string };
    events?: { events?: { event: string; data: { name: string; path: string } }[] };
    pick?: { answer: { result?: unknown; error?: string }; prompt?: string };
    hot_reload?: { off?: boolean; on?: boolean };
    save?: { reloaded: boolean; answer: unknown };
    diagnostics?: {
      found?: { lnum: number; col: number; source: string; code: string; message: string };
      count: number;
      failure?: Notification;
      cleared: boolean;
    };
  };
  errors: string[];
  notifications: Notification[];
}

async function workspaceWithPlugins(): Promise<{ workspace: string; plugins: string }> {
  // Real paths: Neovim reports resolved names (os.tmpdir() may be a symlink).
  const workspace = await realpath(await tempDir('reloadd-nvim-'));
  const plugins = path.join(workspace, 'plugins');
  await editFile(path.join(plugins, 'opener.js'), OPENER);
  await editFile(path.join(plugins, 'counter.js'), counter('v1'));
  return { workspace, plugins };
}

/** Runs Neovim on the driver in `workspace` until it quits, and reads what it observed. */
async function runNeovim(
  workspace: string,
  steps: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; results: DriverResults; output: string }> {
  return runNeovimScript<DriverResults>(DRIVER, workspace, {
    RELOADD_NVIM_CLIENT: CLIENT,
    RELOADD_STEPS: steps.join(','),
    ...env,
  });
}

describe('the Neovim client', () => {
  it('starts its own daemon, reloads, answers editor calls, shows diagnostics, and stops it', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const { code, results } = await runNeovim(
      workspace,
      ['start', 'status', 'reload', 'open_buffer', 'events', 'pick', 'hot_reload', 'diagnostics'],
      {
        RELOADD_PLUGINS: plugins,
        RELOADD_COUNTER_V2: counter('v2'),
        RELOADD_COUNTER_BROKEN: COUNTER_BROKEN,
        RELOADD_BROKEN_LINE: String(BROKEN_LINE),
      },
    );
    expect(results.errors).toEqual([]);
    expect(code).toBe(0);
    const { steps } = results;

    // `serve --stdio --plugins DIR`: no daemon ran for this folder.
    expect(steps.start).toMatchObject({ loaded: true, mode: 'serve' });

    // :ReloadStatus, captured with nvim_exec(..., true).
    expect(steps.status?.output).toMatch(/hot reload on, 2 plugins/);
    expect(steps.status?.output).toMatch(/^ {2}counter +active +generation 1$/m);
    expect(steps.status?.output).toMatch(/^ {2}opener +active +generation 1$/m);

    // A save (io.open in the driver) → plugin/didReload → vim.notify.
    expect(steps.reload?.notification?.message).toMatch(
      /^reloadd: counter reloaded \(generation 2, \d+\.\d ms\)$/,
    );

    // plugin/executeCommand → the plugin's ctx.editor.call('openBuffer') → editor/call.
    expect(steps.open_buffer).toEqual({
      answer: { result: 'opened some-name.txt' },
      bufname: 'some-name.txt',
      path: path.join(workspace, 'some-name.txt'),
    });

    // BufEnter and BufWritePost reached the plugin as editor/event.
    const file = { name: 'some-name.txt', path: path.join(workspace, 'some-name.txt') };
    expect(steps.events?.events).toEqual(
      expect.arrayContaining([
        { event: 'buffer:entered', data: file },
        { event: 'file:saved', data: file },
      ]),
    );

    // pick: answered after the (asynchronous) vim.ui.select called back.
    expect(steps.pick).toEqual({ answer: { result: 'second' }, prompt: 'Choose one' });

    // :ToggleHotReload twice.
    expect(steps.hot_reload).toEqual({ off: false, on: true });

    // A syntax error → plugin/publishDiagnostics → vim.diagnostic at its line; fixing clears it.
    expect(steps.diagnostics?.found).toMatchObject({
      lnum: BROKEN_LINE,
      source: 'reloadd',
      code: 'RELOADD_BUILD_FAILED',
    });
    expect(steps.diagnostics?.failure?.message).toMatch(/^reloadd: counter failed to reload: /);
    expect(steps.diagnostics?.cleared).toBe(true);

    // VimLeavePre sent shutdown and exit: the daemon is gone.
    const pid = steps.start?.pid as number;
    await expect.poll(() => isProcessAlive(pid), { interval: 20 }).toBe(false);
  }, 60_000);

  it('joins the daemon already running for the folder, and leaves it running', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const daemon = await startStandalone(workspace, plugins);
    try {
      const { code, results } = await runNeovim(workspace, ['start', 'status', 'open_buffer'], {});
      expect(results.errors).toEqual([]);
      expect(code).toBe(0);
      expect(results.steps.start).toMatchObject({ loaded: true, mode: 'connect' });
      expect(results.steps.status?.output).toMatch(
        new RegExp(`^reloadd \\S+ \\(shared daemon, pid ${daemon.info.pid}\\)`),
      );
      // editor/call crosses `reloadd connect --stdio` too.
      expect(results.steps.open_buffer?.answer).toEqual({ result: 'opened some-name.txt' });
      expect(results.steps.open_buffer?.bufname).toBe('some-name.txt');

      // Neovim's exit ended its session only.
      expect((await daemonInfo(workspace)).pid).toBe(daemon.info.pid);
      await expectClients(await connectClient(workspace), 1);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  }, 60_000);

  it('tells the daemon of a :write, which reloads the plugin at once', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    // The daemon looks at its files once a minute: only the editor's didSave can be in time.
    const daemon = await startStandalone(workspace, plugins, ['--poll', '60000']);
    try {
      const { code, results } = await runNeovim(workspace, ['start', 'save'], {
        RELOADD_SAVED_FILE: path.join(plugins, 'counter.js'),
        RELOADD_SAVED_TEXT: counter('v4'),
        RELOADD_SAVED_ANSWER: 'v4',
      });
      expect(results.errors).toEqual([]);
      expect(code).toBe(0);
      expect(results.steps.save).toEqual({ reloaded: true, answer: 'v4' });
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  }, 60_000);
});
