import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticCodes, PluginExecuteCommand, PluginList } from '../../../src/protocol/index.js';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { copyFixture, editFile, tempDir } from '../../helpers/files.js';

/** The core loop, against the built daemon over stdio, with real files. */
describe('reloading a plugin', () => {
  let daemon: DaemonUnderTest;
  let source: string;
  let original: string;

  const run = (command: string) => daemon.client.request(PluginExecuteCommand, { command });
  const get = () => run('stateful.get') as Promise<Record<string, unknown>>;
  const withVersion = (version: string, extra = '') =>
    original.replace("const VERSION = 'v1';", `const VERSION = '${version}';${extra}`);

  beforeAll(async () => {
    const dir = await tempDir();
    const pluginDir = await copyFixture('stateful', dir);
    source = path.join(pluginDir, 'index.js');
    original = await readFile(source, 'utf8');
    daemon = await startDaemon(dir, { expectPlugins: 1 });
  });
  afterAll(async () => {
    expect(await daemon.stop()).toBe(0);
  });

  it('loads at startup', async () => {
    const { plugins } = await daemon.client.request(PluginList, {});
    expect(plugins).toMatchObject([{ id: 'stateful', status: 'active', generation: 1 }]);
  });

  it('reloads an edited file and gives the state back, as objects of the new realm', async () => {
    for (let i = 0; i < 3; i++) await run('stateful.increment');
    const mark = daemon.reloads.mark;
    await editFile(source, withVersion('v2'));
    const reload = await daemon.reloads.waitFor((r) => r.trigger === 'file', { from: mark });
    expect(reload).toMatchObject({
      id: 'stateful',
      ok: true,
      generation: 2,
      changedFiles: [source],
    });
    expect(await get()).toEqual({
      version: 'v2',
      generation: 2,
      count: 3,
      sinceIsDate: true,
      tagsIsSet: true,
    });
  });

  it('keeps the old generation running on a syntax error, reports where, and recovers', async () => {
    const mark = daemon.reloads.mark;
    const diagMark = daemon.diagnostics.mark;
    // Line 2 (zero-based 1) gets the error; column of "= ;" is known.
    await editFile(source, withVersion('v3').replace('let state =', 'let state = ;\nlet other ='));
    const failed = await daemon.reloads.waitFor((r) => r.trigger === 'file', { from: mark });
    expect(failed).toMatchObject({
      ok: false,
      generation: 2,
      error: { code: DiagnosticCodes.BuildFailed, file: source },
    });

    const published = await daemon.diagnostics.waitFor((d) => d.diagnostics.length > 0, {
      from: diagMark,
    });
    const [diagnostic] = published.diagnostics;
    expect(diagnostic).toMatchObject({
      pluginId: 'stateful',
      severity: 'error',
      code: DiagnosticCodes.BuildFailed,
      file: source,
    });
    expect(diagnostic?.range?.start).toEqual({ line: 2, character: 12 });
    expect(diagnostic?.codeFrame).toContain('let state = ;');

    // The old generation is untouched: same code, same state.
    expect(await get()).toMatchObject({ version: 'v2', generation: 2, count: 3 });

    const fixMark = daemon.reloads.mark;
    await editFile(source, withVersion('v3'));
    await daemon.reloads.waitFor((r) => r.trigger === 'file' && r.ok, { from: fixMark });
    await daemon.diagnostics.waitFor(
      (d) => d.pluginId === 'stateful' && d.diagnostics.length === 0,
      {
        from: diagMark,
        what: 'the error diagnostics to be cleared',
      },
    );
    expect(await get()).toMatchObject({ version: 'v3', generation: 3, count: 3 });
  });

  it('rolls back to the previous generation, with its state, when activate throws', async () => {
    await run('stateful.increment');
    const mark = daemon.reloads.mark;
    const throwing = withVersion('v4').replace(
      'export function activate(ctx) {',
      "export function activate(ctx) {\n  throw new Error('activate exploded');",
    );
    await editFile(source, throwing);
    const failed = await daemon.reloads.waitFor((r) => r.trigger === 'file', { from: mark });
    expect(failed).toMatchObject({
      ok: false,
      rolledBack: true,
      generation: 3,
      error: { code: DiagnosticCodes.ActivateFailed },
    });
    expect(failed.error?.message).toContain('activate exploded');
    // The error points at the line that threw, in the plugin's own file.
    const throwLine = throwing.split('\n').findIndex((l) => l.includes('activate exploded'));
    expect(failed.error?.range?.start.line).toBe(throwLine);
    expect(failed.error?.file).toBe(source);

    expect(await get()).toMatchObject({
      version: 'v3',
      generation: 3,
      count: 4,
      sinceIsDate: true,
    });
    const { plugins } = await daemon.client.request(PluginList, {});
    expect(plugins[0]).toMatchObject({
      status: 'active',
      generation: 3,
      lastReload: {
        ok: false,
        trigger: 'file',
        rolledBack: true,
        error: { code: DiagnosticCodes.ActivateFailed },
      },
    });
  });

  it('turns a burst of 20 saves into at most 3 reloads, ending on the last content', async () => {
    const mark = daemon.reloads.mark;
    for (let i = 0; i < 20; i++) await editFile(source, withVersion(`burst-${i}`));
    await expect.poll(async () => (await get()).version, { interval: 25 }).toBe('burst-19');
    const reloads = daemon.reloads.all.slice(mark).filter((r) => r.trigger === 'file');
    expect(reloads.length).toBeGreaterThanOrEqual(1);
    expect(reloads.length).toBeLessThanOrEqual(3);
    expect(reloads.filter((r) => !r.ok)).toEqual([]);
    expect(await get()).toMatchObject({ count: 4 });
  });
});
