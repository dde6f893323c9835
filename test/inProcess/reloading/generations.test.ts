import { describe, expect, it } from 'vitest';
import {
  DiagnosticCodes,
  EditorEvent,
  PluginDiagnostics,
  PluginDisable,
  PluginExecuteCommand,
  PluginReload,
} from '../../../src/protocol/index.js';
import { copyFixture, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';

describe('a plugin that never cleans up, reloaded 100 times', () => {
  it('leaves nothing of earlier generations: no doubled listeners, no old intervals, no duplicate commands', async () => {
    const dir = await tempDir();
    await copyFixture('leaky.js', dir);
    const { client, reloads, diagnostics } = await connectInMemory(dir, { expectPlugins: 1 });
    const run = (command: string) => client.request(PluginExecuteCommand, { command });

    for (let i = 0; i < 100; i++) {
      const [result] = (await client.request(PluginReload, { id: 'leaky' })).results;
      // Registering the same command names again would throw if the old ones survived.
      expect(result).toMatchObject({ ok: true, generation: i + 2 });
    }
    expect(reloads.all.filter((r) => r.trigger === 'request')).toHaveLength(100);

    // Every reload said what the previous generation leaked, by kind and name.
    const leaks = diagnostics.all.filter((d) =>
      d.diagnostics.some((x) => x.code === DiagnosticCodes.UnloadLeak),
    );
    expect(leaks).toHaveLength(100);
    const message = leaks
      .at(-1)
      ?.diagnostics.find((x) => x.code === DiagnosticCodes.UnloadLeak)?.message;
    expect(message).toBe(
      "Plugin 'leaky' did not fully unload: 3 event listeners (fixture:heard, fixture:ping, fixture:other), 2 intervals (tick, 60000ms), 2 commands (leaky.heard, leaky.clear). reloadd disposed them; dispose them in deactivate, or push them to ctx.subscriptions.",
    );

    await run('leaky.clear');
    await client.notify(EditorEvent, { event: 'fixture:ping' });
    // Wait for a few ticks: every one must come from the current generation's interval.
    await expect
      .poll(
        async () =>
          ((await run('leaky.heard')) as string[]).filter((h) => h.startsWith('tick')).length,
      )
      .toBeGreaterThanOrEqual(5);
    const heard = (await run('leaky.heard')) as string[];
    expect(heard.filter((h) => h.startsWith('ping'))).toEqual(['ping@101']);
    expect(new Set(heard.filter((h) => h.startsWith('tick')))).toEqual(new Set(['tick@101']));
  });

  it('reports what a plugin leaked when it is disabled, as it does on reload', async () => {
    const dir = await tempDir();
    await copyFixture('leaky.js', dir);
    const { client, diagnostics } = await connectInMemory(dir, { expectPlugins: 1 });
    await client.request(PluginDisable, { id: 'leaky' });
    const listed = await client.request(PluginDiagnostics, { id: 'leaky' });
    expect(listed.diagnostics.map((x) => x.code)).toEqual([DiagnosticCodes.UnloadLeak]);
    expect(diagnostics.all.at(-1)?.diagnostics[0]?.message).toContain('3 event listeners');
  });
});
