import { execFile } from 'node:child_process';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../../src/protocol/index.js';
import { DaemonStatus } from '../../../src/protocol/index.js';
import { tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;

/** Runs `act` once, the first time the daemon logs a line that `matches`, while it logs it. */
function onceLogged(d: Daemon, matches: (entry: LogEntry) => boolean, act: () => void): void {
  let done = false;
  const subscription = d.logs.subscribe({ level: 'debug' }, (entry) => {
    if (done || !matches(entry)) return;
    done = true;
    act();
    // Unsubscribed on the next turn: the ring is still sending this entry.
    setImmediate(() => subscription.dispose());
  });
}

/** Its first load is good and is the only one: nothing failed on the way, in any report. */
async function expectOneGoodLoad(d: Daemon, id: string): Promise<void> {
  const loaded = await d.reloads.waitFor((r) => r.id === id, { what: `${id}'s first load` });
  expect(loaded).toMatchObject({ ok: true, trigger: 'startup', generation: 1 });
  expect(d.reloads.all.filter((r) => r.id === id)).toEqual([loaded]);
  expect(d.statuses.all.filter((s) => s.id === id && s.status === 'failed')).toEqual([]);
  expect(d.diagnostics.all.filter((p) => p.pluginId === id).flatMap((p) => p.diagnostics)).toEqual(
    [],
  );
}

describe('plugins created while the daemon runs', () => {
  it('loads a file written in two pieces once, from its whole content', async () => {
    const dir = await tempDir();
    const d = await connectInMemory(dir);
    await d.started();
    const handle = openSync(path.join(dir, 'late.js'), 'w');
    // The rest is written the moment the daemon has run the first piece, a module without
    // `activate`: it did load the file half-written.
    onceLogged(
      d,
      (entry) => entry.pluginId === 'late' && entry.message === 'first piece ran',
      () => {
        writeSync(handle, counterPlugin('late', 'v1'));
        closeSync(handle);
      },
    );
    writeSync(handle, "console.log('first piece ran');\n");
    await expectOneGoodLoad(d, 'late');
    // Reload statistics count reloads after the first load: there were none.
    expect((await d.client.request(DaemonStatus, {})).reloads).toMatchObject({
      count: 0,
      failed: 0,
    });
  });

  it('loads a folder whose index.js arrives after its plugin.json once, when it has come', async () => {
    const dir = await tempDir();
    const d = await connectInMemory(dir);
    await d.started();
    const folder = path.join(dir, 'late');
    // The entry is written the moment the daemon has read the folder without it.
    onceLogged(
      d,
      (entry) => entry.message.startsWith('late does not read as a plugin yet'),
      () => writeFileSync(path.join(folder, 'index.js'), counterPlugin('late', 'v1')),
    );
    await mkdir(folder);
    await writeFile(path.join(folder, 'plugin.json'), manifest('late'));
    await expectOneGoodLoad(d, 'late');
  });

  it('loads a folder copied in with cp, and a folder and a file renamed into place, once each', async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    const d = await connectInMemory(dir);
    await d.started();
    await mkdir(path.join(elsewhere, 'copied'));
    await writeFile(path.join(elsewhere, 'copied', 'plugin.json'), manifest('copied'));
    await writeFile(path.join(elsewhere, 'copied', 'index.js'), counterPlugin('copied', 'v1'));
    await promisify(execFile)('cp', ['-r', path.join(elsewhere, 'copied'), dir]);
    // Written under a dot name, which is never watched, then renamed: as editors save.
    const staging = path.join(dir, '.renamed.tmp');
    await mkdir(staging);
    await writeFile(path.join(staging, 'plugin.json'), manifest('renamed'));
    await writeFile(path.join(staging, 'index.js'), counterPlugin('renamed', 'v1'));
    await rename(staging, path.join(dir, 'renamed'));
    await writeFile(path.join(dir, '.single.js.tmp'), counterPlugin('single', 'v1'));
    await rename(path.join(dir, '.single.js.tmp'), path.join(dir, 'single.js'));
    for (const id of ['copied', 'renamed', 'single']) await expectOneGoodLoad(d, id);
  });
});
