import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createDaemon } from '../../../src/daemon/core/createDaemon.js';
import type { ReloadDaemon } from '../../../src/daemon/core/ReloadDaemon.js';
import { DidReload, PluginStatus } from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { ROOT } from '../../helpers/paths.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

const cores: ReloadDaemon[] = [];
afterAll(async () => {
  await Promise.all(cores.map((core) => core.shutdown()));
});

/** The core alone: no watcher, no transport, no session; driven by its methods, as a conformance run drives it. */
function bareCore(pluginsDir: string): ReloadDaemon {
  const core = createDaemon({
    pluginsDir,
    debounceMs: 20,
    hotReload: true,
    watch: false,
    logger: pino({ level: 'silent' }),
    version: '0.0.0-test',
    limits: { lifecycleMs: 2000, commandMs: 10_000 },
    hostMemoryMb: 512,
    editorCallTimeoutMs: 1000,
    hostWorkerPath: pathToFileURL(path.join(ROOT, 'dist', 'daemon', 'worker', 'hostWorker.js')),
  });
  cores.push(core);
  return core;
}

describe('the daemon core without a watcher or a transport', () => {
  it('loads, runs commands, reloads on request with state, and tells a client channel', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'count.js');
    await editFile(file, counterPlugin('count', 'v1'));
    const core = bareCore(dir);
    const reloads: string[] = [];
    core.clients.add(
      {
        notify(def, params) {
          if (def.method === DidReload.method) {
            const r = params as { id: string; trigger: string; ok: boolean };
            reloads.push(`${r.id} ${r.trigger} ${r.ok}`);
          }
        },
      },
      { transport: 'stdio', name: 'channel-test' },
    );
    await core.start();
    expect(core.plugins.list()).toMatchObject([{ id: 'count', status: PluginStatus.Active }]);
    expect(await core.calls.executeCommand('count.increment', [])).toBe(1);
    expect(await core.calls.executeCommand('count.increment', [])).toBe(2);

    // Nothing watches the folder: the new code is picked up when asked for.
    await editFile(file, counterPlugin('count', 'v2'));
    const [result] = await core.reload(['count']);
    expect(result).toMatchObject({ id: 'count', ok: true, generation: 2 });
    expect(await core.calls.executeCommand('count.get', [])).toEqual({
      version: 'v2',
      count: 2,
      generation: 2,
    });
    expect((await core.states.getState('count')).state).toEqual({ count: 2 });
    expect(reloads).toEqual(['count startup true', 'count request true']);
  });
});
