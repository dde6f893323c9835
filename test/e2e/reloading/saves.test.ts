import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonStatus, PluginExecuteCommand } from '../../../src/protocol/index.js';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { copyFixture, editFile, tempDir } from '../../helpers/files.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

/**
 * How saves become reloads, against the built daemon with real files: building starts on the
 * first event, and only the swap waits for the writes to be over. The gaps between writes here
 * are the stimulus (an editor's pace), not waits for the daemon.
 */
describe('saves as editors make them', () => {
  let daemon: DaemonUnderTest;
  let source: string;
  let original: string;

  const get = () =>
    daemon.client.request(PluginExecuteCommand, { command: 'stateful.get' }) as Promise<{
      version: string;
      count: number;
    }>;
  const withVersion = (version: string) =>
    original.replace("const VERSION = 'v1';", `const VERSION = '${version}';`);
  const fileReloads = (from: number) =>
    daemon.reloads.all.slice(from).filter((r) => r.trigger === 'file');
  /** Waits until `version` is active, then for a reload that would come after it (none should). */
  const settleOn = async (version: string) => {
    await expect.poll(async () => (await get()).version, { interval: 20 }).toBe(version);
    // A duplicate reload would come ~65 ms after the save (the old re-check); look past it.
    await sleep(200);
  };

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

  it('gives each save of a person (100 ms apart) exactly one reload, never a duplicate', async () => {
    const mark = daemon.reloads.mark;
    for (let i = 0; i < 15; i++) {
      const before = daemon.reloads.mark;
      await editFile(source, withVersion(`single-${i}`));
      await daemon.reloads.waitFor((r) => r.trigger === 'file' && r.ok, { from: before });
      await sleep(100);
    }
    await settleOn('single-14');
    const reloads = fileReloads(mark);
    expect(reloads.filter((r) => !r.ok)).toEqual([]);
    expect(reloads).toHaveLength(15);
  });

  it('turns 20 writes 10 ms apart into at most 2 reloads (the first write cannot be told from a lone save), ending on the last', async () => {
    // A daemon of its own, whose burst window (400 ms) holds the 10 ms gaps of the writes however
    // busy the machine is: with the default 20 ms, a loaded machine's gaps are separate saves.
    const dir = await tempDir();
    const burstSource = path.join(await copyFixture('stateful', dir), 'index.js');
    const burst = await startDaemon(dir, { expectPlugins: 1, args: ['--debounce', '400'] });
    try {
      const mark = burst.reloads.mark;
      for (let i = 0; i < 20; i++) {
        await editFile(burstSource, withVersion(`burst-${i}`));
        await sleep(10);
      }
      await expect
        .poll(
          async () =>
            (
              (await burst.client.request(PluginExecuteCommand, {
                command: 'stateful.get',
              })) as { version: string }
            ).version,
          { interval: 20 },
        )
        .toBe('burst-19');
      // A duplicate reload would come after the burst's window; look past it.
      await sleep(600);
      const reloads = burst.reloads.all.slice(mark).filter((r) => r.trigger === 'file');
      expect(reloads.filter((r) => !r.ok)).toEqual([]);
      expect(reloads.length).toBeGreaterThanOrEqual(1);
      expect(reloads.length).toBeLessThanOrEqual(2);
    } finally {
      expect(await burst.stop()).toBe(0);
    }
  });

  it('never reports a file caught half-written: a save written in two pieces 30 ms apart is one good reload', async () => {
    const mark = daemon.reloads.mark;
    const whole = withVersion('pieces');
    // Cut inside a token: the first piece alone does not build.
    const cut = whole.indexOf('register(') + 4;
    const file = await open(source, 'w');
    await file.write(whole.slice(0, cut));
    await sleep(30);
    await file.write(whole.slice(cut));
    await file.close();
    await settleOn('pieces');
    expect(fileReloads(mark).map((r) => r.ok)).toEqual([true]);
  });

  it('never reports the empty file between a truncate and a write 30 ms later', async () => {
    const mark = daemon.reloads.mark;
    const file = await open(source, 'w'); // truncates
    await sleep(30);
    await file.write(withVersion('after-truncate'));
    await file.close();
    await settleOn('after-truncate');
    expect(fileReloads(mark).map((r) => r.ok)).toEqual([true]);
  });
});

describe('a module shared by many plugins', () => {
  it('rebuilds 50 plugins that import it at once, more than the incremental builds kept, every one good', async () => {
    const dir = await tempDir();
    const shared = path.join(dir, '_shared', 'label.js');
    await editFile(shared, "export const LABEL = 'one';\n");
    const ids = Array.from({ length: 50 }, (_, i) => `s${i}`);
    for (const id of ids) {
      await editFile(
        path.join(dir, `${id}.js`),
        counterPlugin(
          id,
          'v1',
          "import { LABEL } from './_shared/label.js';\nexport const label = () => LABEL;",
        ),
      );
    }
    const daemon = await startDaemon(dir, { expectPlugins: ids.length });
    try {
      for (const label of ['two', 'three', 'four', 'five']) {
        const mark = daemon.reloads.mark;
        await editFile(shared, `export const LABEL = '${label}';\n`);
        const reloads = await Promise.all(
          ids.map((id) =>
            daemon.reloads.waitFor((r) => r.id === id && r.trigger === 'file', { from: mark }),
          ),
        );
        expect(reloads.filter((r) => !r.ok).map((r) => r.error)).toEqual([]);
      }
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });
});

describe('--poll, for folders where inotify says nothing (containers, WSL, network drives)', () => {
  it('reloads a saved plugin by polling its files', async () => {
    const dir = await tempDir();
    const pluginDir = await copyFixture('stateful', dir);
    const source = path.join(pluginDir, 'index.js');
    const original = await readFile(source, 'utf8');
    const daemon = await startDaemon(dir, { expectPlugins: 1, args: ['--poll', '50'] });
    try {
      const status = await daemon.client.request(DaemonStatus, null);
      expect(status.pollMs).toBe(50);
      const mark = daemon.reloads.mark;
      await editFile(
        source,
        original.replace("const VERSION = 'v1';", "const VERSION = 'polled';"),
      );
      await daemon.reloads.waitFor((r) => r.trigger === 'file' && r.ok, { from: mark });
      const got = await daemon.client.request(PluginExecuteCommand, { command: 'stateful.get' });
      expect(got).toMatchObject({ version: 'polled' });
    } finally {
      expect(await daemon.stop()).toBe(0);
    }
  });
});
