import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import {
  DaemonStatus,
  DiagnosticCodes,
  ErrorCodes,
  LogEntryNotification,
  LogSubscribe,
  PluginDiagnostics,
  PluginExecuteCommand,
  PluginReload,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { NotificationLog } from '../../helpers/NotificationLog.js';

/**
 * The swap's hold, seen from a plugin: what its own lifecycle calls wait for still runs, and a
 * call held by the swap keeps its time limit and can be cancelled.
 */

/** Every lifecycle call of the new generation (and the old one's deactivate) awaits a timer. */
const SLOW = (activateMs: number) => `
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let state = { n: 0 };
export async function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('slow.inc', () => ++state.n),
    ctx.commands.register('slow.get', () => state.n),
    ctx.commands.register('slow.later', async () => {
      await pause(150);
      return ++state.n;
    }),
  );
  if (ctx.generation > 1) await pause(${activateMs});
}
export async function saveState(ctx) { console.log('taking the state'); await pause(5); return state; }
export async function restoreState(saved) { await pause(5); state = saved; }
export async function deactivate() { await pause(5); }
`;

async function slowPlugin(
  activateMs: number,
  options: { commandMs?: number; lifecycleMs?: number } = {},
) {
  const dir = await tempDir();
  await editFile(path.join(dir, 'slow.js'), SLOW(activateMs));
  const d = await connectInMemory(dir, { expectPlugins: 1, lifecycleMs: 2000, ...options });
  const logs = NotificationLog.of(d.client, LogEntryNotification);
  await d.client.request(LogSubscribe, { pluginId: 'slow', since: Number.MAX_SAFE_INTEGER });
  /** Starts a reload and resolves once the swap is under way (its saveState has begun). */
  const reloadUntilSwapping = async () => {
    const mark = logs.mark;
    const reload = d.client.request(PluginReload, { id: 'slow' });
    await logs.waitFor((e) => e.message === 'taking the state', { from: mark });
    // Wrapped: an async function returning the promise itself would wait for the reload.
    return { reload };
  };
  return { ...d, reloadUntilSwapping };
}

describe('the swap, from inside a plugin', () => {
  it("runs the timers a plugin's own lifecycle calls wait for, so a reload does not stall", async () => {
    // A stalled swap would wait out the lifecycle limit; a busy machine's reload stays far inside it.
    const d = await slowPlugin(50, { lifecycleMs: 20_000 });
    const { results } = await d.client.request(PluginReload, { id: 'slow' });
    expect(results[0]).toMatchObject({ ok: true, generation: 2 });
    expect(results[0]?.durationMs).toBeLessThan(20_000);
  });

  it('waits for a command already running, timers it awaits included, and keeps what it did', async () => {
    const d = await slowPlugin(10);
    const later = d.client.request(PluginExecuteCommand, { command: 'slow.later' });
    await d.client.request(DaemonStatus, null); // dispatched: running when the reload begins
    const { results } = await d.client.request(PluginReload, { id: 'slow' });
    expect(await later).toBe(1);
    expect(results[0]).toMatchObject({ ok: true, generation: 2 });
    expect(await d.client.request(PluginExecuteCommand, { command: 'slow.get' })).toBe(1);
    const { diagnostics } = await d.client.request(PluginDiagnostics, { id: 'slow' });
    expect(diagnostics.filter((x) => x.code === DiagnosticCodes.CallsOvertaken)).toEqual([]);
  });

  it('answers a held command -32800 when it is cancelled, and never runs it', async () => {
    const d = await slowPlugin(400);
    expect(await d.client.request(PluginExecuteCommand, { command: 'slow.inc' })).toBe(1);
    const { reload } = await d.reloadUntilSwapping();
    const cancel = new CancellationTokenSource();
    const held = d.client.request(PluginExecuteCommand, { command: 'slow.inc' }, cancel.token);
    // Requests are dispatched in order: once this is answered, the command is waiting in the swap.
    await d.client.request(DaemonStatus, null);
    cancel.cancel();
    await expect(held).rejects.toMatchObject({ code: ErrorCodes.RequestCancelled });
    expect((await reload).results[0]).toMatchObject({ ok: true });
    expect(await d.client.request(PluginExecuteCommand, { command: 'slow.get' })).toBe(1);
  });

  it('fails a command held past its time limit without running it', async () => {
    const d = await slowPlugin(800, { commandMs: 300 });
    const { reload } = await d.reloadUntilSwapping();
    const held = d.client.request(PluginExecuteCommand, { command: 'slow.inc' });
    await expect(held).rejects.toMatchObject({
      code: ErrorCodes.CommandFailed,
      message: expect.stringContaining(
        "for the plugin's reload, past its 300 ms limit; it did not run",
      ),
    });
    expect((await reload).results[0]).toMatchObject({ ok: true });
    expect(await d.client.request(PluginExecuteCommand, { command: 'slow.get' })).toBe(0);
  });
});
