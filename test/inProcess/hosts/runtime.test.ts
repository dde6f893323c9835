import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DaemonStatus,
  DiagnosticCodes,
  PluginExecuteCommand,
  PluginList,
  PluginReload,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

describe('runtime errors and statistics', () => {
  it('turns an exception thrown from a timer into a diagnostic at the throwing line; the daemon and the plugin keep running', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'fragile.js');
    const source = `export function activate(ctx) {
  ctx.subscriptions.push(ctx.commands.register('fragile.alive', () => true));
  setTimeout(() => {
    throw new RangeError('timer went wrong');
  }, 1);
}
`;
    await editFile(file, source);
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    const published = await d.diagnostics.waitFor((p) =>
      p.diagnostics.some((x) => x.code === DiagnosticCodes.RuntimeError),
    );
    const diagnostic = published.diagnostics.find((x) => x.code === DiagnosticCodes.RuntimeError);
    expect(diagnostic).toMatchObject({
      pluginId: 'fragile',
      severity: 'error',
      message: 'setTimeout callback threw RangeError: timer went wrong',
      file,
      range: { start: { line: 3, character: 10 } },
    });
    expect(diagnostic?.codeFrame).toContain("throw new RangeError('timer went wrong');");
    expect(await d.client.request(PluginExecuteCommand, { command: 'fragile.alive' })).toBe(true);
    const { plugins } = await d.client.request(PluginList, {});
    expect(plugins[0]?.status).toBe('active');
  });

  it('counts reloads, failures and duration percentiles in daemon/status (startup loads excluded)', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'good.js'), counterPlugin('good', 'v1'));
    await editFile(path.join(dir, 'bad.js'), counterPlugin('bad', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    const before = await d.client.request(DaemonStatus, {});
    expect(before.reloads).toEqual({
      count: 0,
      succeeded: 0,
      failed: 0,
      successRate: null,
      p50Ms: null,
      p95Ms: null,
    });
    expect(before.plugins).toEqual({ total: 2, loading: 0, active: 2, failed: 0, disabled: 0 });

    for (let i = 0; i < 3; i++) await d.client.request(PluginReload, { id: 'good' });
    await editFile(path.join(dir, 'bad.js'), 'export function activate( {');
    await d.reloads.waitFor((r) => r.id === 'bad' && r.trigger === 'file');
    const after = await d.client.request(DaemonStatus, {});
    expect(after.reloads).toMatchObject({ count: 4, succeeded: 3, failed: 1, successRate: 0.75 });
    expect(after.reloads.p50Ms).toBeGreaterThan(0);
    expect(after.reloads.p95Ms).toBeGreaterThanOrEqual(after.reloads.p50Ms ?? 0);
    expect(after.plugins.active).toBe(2);
  });
});
