import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DaemonStatus,
  PluginExecuteCommand,
  PluginList,
  PluginProfile,
  PluginReload,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

/** A TypeScript plugin whose command spends its time in one named function, declared on line 2. */
const BUSY = `// A plugin that keeps its host busy.
function crunchNumbers(ms: number): number {
  let n = 0; const until = Date.now() + ms; while (Date.now() < until) n += Math.sqrt(n + 1);
  return n;
}
export function activate(ctx: { subscriptions: unknown[]; commands: { register(name: string, fn: (...a: never[]) => unknown): unknown } }) {
  ctx.subscriptions.push(ctx.commands.register('busy.spin', () => crunchNumbers(40)));
}
`;

describe('plugin/profile', () => {
  it("records the host's CPU profile, names the plugin's busy function in its own file, and leaves the neighbour alone", async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'busy', 'index.ts'), BUSY);
    await editFile(path.join(dir, 'neighbour.js'), counterPlugin('neighbour', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 2 });
    const run = (command: string) => d.client.request(PluginExecuteCommand, { command });
    const recording = d.client.request(PluginProfile, { id: 'busy', durationMs: 800 });
    const answers: unknown[] = [];
    const until = Date.now() + 700;
    while (Date.now() < until) {
      await run('busy.spin');
      answers.push(await run('neighbour.increment'));
    }
    const result = await recording;
    // The neighbour answered every time, in order, while the host was being profiled.
    expect(answers).toEqual(answers.map((_, i) => i + 1));
    const profile = result.profile as {
      nodes: unknown[];
      samples: number[];
      startTime: number;
      endTime: number;
    };
    expect(profile.nodes.length).toBeGreaterThan(0);
    expect(profile.samples.length).toBeGreaterThan(0);
    expect(profile.endTime - profile.startTime).toBeGreaterThan(500_000); // µs
    expect(result.topFrames[0]).toMatchObject({
      functionName: 'crunchNumbers',
      file: path.join(dir, 'busy', 'index.ts'),
      line: 2,
    });
    expect(result.topFrames[0]?.selfMs).toBeGreaterThan(100);
  });
});

describe('activation timings', () => {
  it('tells the call of activate from its promise, for the first load and the latest', async () => {
    const dir = await tempDir();
    // Busy 40 ms in the call itself, then waits 60 ms for its promise.
    await editFile(
      path.join(dir, 'slow.js'),
      `exports.activate = () => {
  const until = Date.now() + 40; while (Date.now() < until) {}
  return new Promise((resolve) => setTimeout(resolve, 60));
};`,
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await d.client.request(PluginReload, { id: 'slow' });
    const [info] = (await d.client.request(PluginList, {})).plugins;
    const { first, last } = info?.activation ?? {};
    expect(first).toMatchObject({ generation: 1, trigger: 'startup' });
    expect(last).toMatchObject({ generation: 2, trigger: 'request' });
    for (const load of [first, last]) {
      if (!load) throw new Error('no activation timings');
      // Bounds that hold however busy the machine: the call is at least its 40 ms, the whole at
      // least 40 + 60 ms, and the promise's part is apart from the call's. (Under load, the call
      // can end well after its promise's timer started: its part of the 60 ms is not fixed.)
      expect(load.activateCallMs).toBeGreaterThanOrEqual(35);
      expect(load.activateMs).toBeGreaterThanOrEqual(95);
      expect(load.activateMs - load.activateCallMs).toBeGreaterThan(0);
      expect(load.totalMs).toBeCloseTo(
        load.moduleLoadMs + load.activateMs + load.restoreStateMs,
        1,
      );
    }
    const status = await d.client.request(DaemonStatus, {});
    expect(status.slowestActivations).toEqual([{ id: 'slow', totalMs: last?.totalMs }]);
  });
});
