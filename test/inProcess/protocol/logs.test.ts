import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LogEntryNotification,
  LogSubscribe,
  LogUnsubscribe,
  PluginExecuteCommand,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { NotificationLog } from '../../helpers/NotificationLog.js';

describe('log/subscribe', () => {
  it("streams the daemon's entries and plugins' ctx.log lines, tagged with their id, and each reload's phase trace", async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'talker.js');
    const source = (word: string) => `
      export function activate(ctx) {
        ctx.commands.register('talk', (n) => { ctx.log.info('said', '${word}', n); return n; });
      }`;
    await editFile(file, source('hello'));
    const { client } = await connectInMemory(dir, { expectPlugins: 1, debounceMs: 5000 });
    const entries = NotificationLog.of(client, LogEntryNotification);
    const subscribed = await client.request(LogSubscribe, { pluginId: 'talker' });
    // The startup trace was replayed before the answer.
    expect(subscribed.replayed).toBeGreaterThan(0);
    expect(entries.all.some((e) => e.reload?.trigger === 'startup')).toBe(true);

    await client.request(PluginExecuteCommand, { command: 'talk', args: [7] });
    const said = await entries.waitFor((e) => e.message.startsWith('said'));
    expect(said).toMatchObject({ pluginId: 'talker', level: 'info', message: 'said hello 7' });

    await editFile(file, source('again'));
    const trace = await entries.waitFor((e) => e.reload?.trigger === 'file');
    expect(trace).toMatchObject({ pluginId: 'talker', reload: { ok: true, generation: 2 } });
    const phases = trace.reload?.phases;
    const names = [
      'detect',
      'build',
      'settle',
      'evaluate',
      'saveState',
      'deactivate',
      'activate',
      'restoreState',
    ];
    for (const phase of names)
      expect(phases?.[phase as keyof typeof phases]).toBeGreaterThanOrEqual(0);
    // The debounce does not come first: the build starts on the first event, well inside the
    // burst window (5 s here, so that a machine busy with other suites is not too slow to tell;
    // a save that reaches the daemon as two events waits the window out, so no longer).
    expect(phases?.detect).toBeLessThan(5000);

    await client.request(LogUnsubscribe, null);
    const mark = entries.mark;
    await client.request(PluginExecuteCommand, { command: 'talk', args: [8] });
    // Subscribing again from the last entry seen replays the line said while unsubscribed: it
    // must arrive once (replayed), not twice (also live).
    await client.request(LogSubscribe, { pluginId: 'talker', since: said.seq });
    const late = entries.all.slice(mark).filter((e) => e.message === 'said again 8');
    expect(late).toHaveLength(1);
  });

  it('refuses a bad level with -32602', async () => {
    const { client } = await connectInMemory(await tempDir());
    await expect(client.request(LogSubscribe, { level: 'loud' as 'info' })).rejects.toMatchObject({
      code: -32602,
    });
  });
});
