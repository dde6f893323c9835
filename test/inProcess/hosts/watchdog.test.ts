import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResponseError } from 'vscode-jsonrpc';
import {
  DiagnosticCodes,
  EditorEvent,
  ErrorCodes,
  PluginDiagnostics,
  PluginDisable,
  PluginExecuteCommand,
  PluginList,
  PluginReload,
} from '../../../src/protocol/index.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { connectInMemory } from '../../helpers/inMemoryDaemon.js';
import { counterPlugin } from '../../helpers/pluginSource.js';

type Daemon = Awaited<ReturnType<typeof connectInMemory>>;

/** Plugin source whose MARK writes `marker` just before it starts looping, so a test can see it. */
function looping(marker: string, source: string): string {
  return `import { writeFileSync } from 'node:fs';\n${source.replace('MARK', `writeFileSync(${JSON.stringify(marker)}, '')`)}`;
}

/** A daemon with a neighbour plugin holding state (count 3) in the same (shared) host. */
async function withNeighbour(
  limits: { lifecycleMs?: number; commandMs?: number; hostMemoryMb?: number } = {},
) {
  const dir = await tempDir();
  await editFile(path.join(dir, 'neighbour.js'), counterPlugin('neighbour', 'v1'));
  const d = await connectInMemory(dir, { expectPlugins: 1, ...limits });
  for (let i = 0; i < 3; i++)
    await d.client.request(PluginExecuteCommand, { command: 'neighbour.increment' });
  return { dir, d };
}

/**
 * Loads plugin `id` beside the neighbour, sends the 'go' event that sets it looping where the
 * host cannot interrupt it, and waits until the neighbour is back in a new host.
 */
async function stickHost(d: Daemon, dir: string, id: string, source: string): Promise<void> {
  const marker = path.join(dir, `_${id}-looping`);
  await editFile(path.join(dir, `${id}.js`), looping(marker, source));
  await d.reloads.waitFor((r) => r.id === id && r.ok);
  const mark = d.reloads.mark;
  await d.client.notify(EditorEvent, { event: 'go', data: {} });
  await expect.poll(() => existsSync(marker)).toBe(true);
  await d.reloads.waitFor((r) => r.id === 'neighbour' && r.trigger === 'recovery' && r.ok, {
    from: mark,
  });
}

const statusOf = async (d: Daemon, id: string) =>
  (await d.client.request(PluginList, {})).plugins.find((p) => p.id === id)?.status;
const neighbourCount = async (d: Daemon) =>
  (
    (await d.client.request(PluginExecuteCommand, { command: 'neighbour.get' })) as {
      count: number;
    }
  ).count;
const diagnosticsOf = async (d: Daemon, id: string) =>
  (await d.client.request(PluginDiagnostics, { id })).diagnostics;

/**
 * The daemon answers plugin/list while `culpritDone` has not settled: it is not blocked. The
 * culprit is held by its limit, so that limit (STUCK_MS) must outlast seeing it stuck and a round
 * trip on a machine busy with other suites: 500 ms did not always.
 */
const STUCK_MS = 2000;

async function answersWhileStuck(d: Daemon, culpritDone: Promise<unknown>): Promise<void> {
  let settled = false;
  culpritDone.then(
    () => (settled = true),
    () => (settled = true),
  );
  const { plugins } = await d.client.request(PluginList, {});
  expect(plugins.length).toBeGreaterThan(0);
  expect(settled).toBe(false);
}

describe('the watchdog', () => {
  it('stops an endless loop in activate; the daemon keeps answering and the neighbour keeps its state', async () => {
    const { dir, d } = await withNeighbour({ lifecycleMs: STUCK_MS });
    const marker = path.join(dir, '_looping');
    await editFile(
      path.join(dir, 'stuck.js'),
      looping(marker, 'export function activate() { MARK; for (;;) {} }'),
    );
    const loaded = d.reloads.waitFor((r) => r.id === 'stuck');
    await expect.poll(() => existsSync(marker)).toBe(true);
    await answersWhileStuck(d, loaded);
    expect(await loaded).toMatchObject({ ok: false, error: { code: DiagnosticCodes.Timeout } });
    expect((await loaded).error?.message).toContain(
      `activate did not return within ${STUCK_MS} ms`,
    );
    expect(await statusOf(d, 'stuck')).toBe('failed');
    expect((await diagnosticsOf(d, 'stuck')).map((x) => x.code)).toContain(DiagnosticCodes.Timeout);
    expect(await neighbourCount(d)).toBe(3);
  });

  it('stops an endless loop inside a command and fails its plugin', async () => {
    const { dir, d } = await withNeighbour({ commandMs: STUCK_MS });
    const marker = path.join(dir, '_looping');
    await editFile(
      path.join(dir, 'spinner.js'),
      looping(
        marker,
        "export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('spinner.spin', () => { MARK; for (;;) {} })); }",
      ),
    );
    await d.reloads.waitFor((r) => r.id === 'spinner' && r.ok);
    const call = d.client.request(PluginExecuteCommand, { command: 'spinner.spin' });
    await expect.poll(() => existsSync(marker)).toBe(true);
    await answersWhileStuck(d, call);
    const error = (await call.catch((e: ResponseError<unknown>) => e)) as ResponseError<unknown>;
    expect(error.code).toBe(ErrorCodes.CommandFailed);
    expect(error.message).toContain(
      `command "spinner.spin" of plugin "spinner" did not return within ${STUCK_MS} ms`,
    );
    await expect.poll(() => statusOf(d, 'spinner')).toBe('failed');
    expect(
      (await diagnosticsOf(d, 'spinner')).find((x) => x.code === DiagnosticCodes.Timeout)?.message,
    ).toContain('command "spinner.spin"');
    expect(await neighbourCount(d)).toBe(3);
  });

  it('gives up on a deactivate that never resolves, and fails its plugin', async () => {
    const { dir, d } = await withNeighbour({ lifecycleMs: STUCK_MS });
    await editFile(
      path.join(dir, 'clingy.js'),
      'export function activate() {}\nexport function deactivate() { return new Promise(() => {}); }',
    );
    await d.reloads.waitFor((r) => r.id === 'clingy' && r.ok);
    const disabled = d.client.request(PluginDisable, { id: 'clingy' });
    await answersWhileStuck(d, disabled);
    expect(await disabled).toEqual({ id: 'clingy', status: 'failed' });
    expect(await statusOf(d, 'clingy')).toBe('failed');
    const timeout = (await diagnosticsOf(d, 'clingy')).find(
      (x) => x.code === DiagnosticCodes.Timeout,
    );
    expect(timeout?.message).toContain('deactivate did not finish within');
    expect(await neighbourCount(d)).toBe(3);
  });

  it('restarts a host that a plugin ran out of memory, fails that plugin, and brings the neighbour back with its state', async () => {
    const { dir, d } = await withNeighbour({ hostMemoryMb: 64 });
    await editFile(
      path.join(dir, 'hog.js'),
      "export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('hog.eat', () => { const keep = []; for (;;) keep.push(new Array(100000).fill(Math.random())); })); }",
    );
    await d.reloads.waitFor((r) => r.id === 'hog' && r.ok);
    const mark = d.reloads.mark;
    const error = (await d.client
      .request(PluginExecuteCommand, { command: 'hog.eat' })
      .catch((e: ResponseError<unknown>) => e)) as ResponseError<unknown>;
    expect(error.code).toBe(ErrorCodes.CommandFailed);
    expect(error.message).toContain('ran out of memory');
    const recovered = await d.reloads.waitFor(
      (r) => r.id === 'neighbour' && r.trigger === 'recovery',
      { from: mark },
    );
    expect(recovered.ok).toBe(true);
    expect(await neighbourCount(d)).toBe(3);
    expect(await statusOf(d, 'hog')).toBe('failed');
    expect(
      (await diagnosticsOf(d, 'hog')).find((x) => x.code === DiagnosticCodes.HostCrashed)?.message,
    ).toContain("plugin 'hog' was stopped: its host ran out of memory");
  });

  it('terminates a host stuck in a loop that cannot be interrupted (microtasks), and recovers its neighbours', async () => {
    const { dir, d } = await withNeighbour({ commandMs: 500 });
    const marker = path.join(dir, '_looping');
    await editFile(
      path.join(dir, 'busy.js'),
      looping(
        marker,
        "export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('busy.loop', async () => { MARK; for (;;) await null; })); }",
      ),
    );
    await d.reloads.waitFor((r) => r.id === 'busy' && r.ok);
    const mark = d.reloads.mark;
    const call = d.client.request(PluginExecuteCommand, { command: 'busy.loop' });
    await expect.poll(() => existsSync(marker)).toBe(true);
    await answersWhileStuck(d, call);
    const error = (await call.catch((e: ResponseError<unknown>) => e)) as ResponseError<unknown>;
    // The command's own time-out (host silent) or the host's replacement may come first.
    expect(error.message).toMatch(/host is not answering|host stopped answering/);
    await d.reloads.waitFor((r) => r.id === 'neighbour' && r.trigger === 'recovery' && r.ok, {
      from: mark,
    });
    expect(await neighbourCount(d)).toBe(3);
    await expect.poll(() => statusOf(d, 'busy')).toBe('failed');
  });

  it('reports an unhandled promise rejection on the plugin it came from', async () => {
    const { dir, d } = await withNeighbour();
    await editFile(
      path.join(dir, 'careless.js'),
      "export function activate() {\n  Promise.reject(new RangeError('nobody caught me'));\n}",
    );
    const published = await d.diagnostics.waitFor(
      (p) =>
        p.pluginId === 'careless' &&
        p.diagnostics.some((x) => x.code === DiagnosticCodes.RuntimeError),
    );
    const diagnostic = published.diagnostics.find((x) => x.code === DiagnosticCodes.RuntimeError);
    expect(diagnostic?.message).toBe(
      'an unhandled promise rejection: RangeError: nobody caught me',
    );
    expect(diagnostic?.range?.start.line).toBe(1);
    await expect.poll(() => statusOf(d, 'careless')).toBe('active');
    expect(await neighbourCount(d)).toBe(3);
  });

  it('reports an exception thrown from a timer as an error diagnostic, and leaves the plugin running', async () => {
    const { dir, d } = await withNeighbour();
    await editFile(
      path.join(dir, 'flaky.js'),
      "export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('flaky.ok', () => 'still here')); setTimeout(() => { throw new Error('tick failed'); }, 1); }",
    );
    const published = await d.diagnostics.waitFor(
      (p) =>
        p.pluginId === 'flaky' &&
        p.diagnostics.some((x) => x.code === DiagnosticCodes.RuntimeError),
    );
    expect(
      published.diagnostics.find((x) => x.code === DiagnosticCodes.RuntimeError)?.message,
    ).toBe('setTimeout callback threw Error: tick failed');
    expect(await d.client.request(PluginExecuteCommand, { command: 'flaky.ok' })).toBe(
      'still here',
    );
    expect(await neighbourCount(d)).toBe(3);
  });

  it('finds a host stuck in a listener by itself, blames that listener, and recovers the neighbour', async () => {
    // Short limits: a host silent for longer than its longest call (+1 s) is stuck.
    const { dir, d } = await withNeighbour({ lifecycleMs: 500, commandMs: 500 });
    await stickHost(
      d,
      dir,
      'listener',
      "export function activate(ctx) { ctx.subscriptions.push(ctx.events.on('go', async () => { MARK; for (;;) await null; })); }",
    );
    expect(await neighbourCount(d)).toBe(3);
    expect(await statusOf(d, 'listener')).toBe('failed');
    const crashed = (await diagnosticsOf(d, 'listener')).find(
      (x) => x.code === DiagnosticCodes.HostCrashed,
    );
    expect(crashed?.message).toContain("plugin 'listener' was stopped: its host stopped answering");
  });

  it('names the function a stuck host loops in, from its stack read before it is ended', async () => {
    const { dir, d } = await withNeighbour({ lifecycleMs: 500, commandMs: 500 });
    // After an await the loop runs outside any call the host can interrupt.
    await stickHost(
      d,
      dir,
      'spinner',
      `function spinForever() { let x = 0; for (;;) x = (x * 31 + 7) % 1000003; }
export function activate(ctx) {
  ctx.subscriptions.push(ctx.events.on('go', async () => { MARK; await null; spinForever(); }));
}`,
    );
    const crashed = await d.diagnostics.waitFor((p) =>
      p.diagnostics.some((x) => x.code === DiagnosticCodes.HostCrashed),
    );
    const diagnostic = crashed.diagnostics.find((x) => x.code === DiagnosticCodes.HostCrashed);
    expect(crashed.pluginId).toBe('spinner');
    expect(diagnostic?.message).toContain(
      'it was looping in spinForever (spinner.js:2), called from (anonymous) (spinner.js:4)',
    );
    expect(diagnostic).toMatchObject({
      file: path.join(dir, 'spinner.js'),
      range: { start: { line: 1 } },
    });
    expect(await neighbourCount(d)).toBe(3);
  });

  it('lets a long but legitimate command finish: a busy host is not a stuck one', async () => {
    const { dir, d } = await withNeighbour({ lifecycleMs: 500, commandMs: 3000 });
    await editFile(
      path.join(dir, 'slow.js'),
      "export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('slow.work', () => { const end = Date.now() + 1500; while (Date.now() < end) {} return 'done'; })); }",
    );
    await d.reloads.waitFor((r) => r.id === 'slow' && r.ok);
    const mark = d.reloads.mark;
    expect(await d.client.request(PluginExecuteCommand, { command: 'slow.work' })).toBe('done');
    expect(await statusOf(d, 'slow')).toBe('active');
    expect(d.reloads.all.slice(mark).filter((r) => r.trigger === 'recovery')).toEqual([]);
    expect(await neighbourCount(d)).toBe(3);
  });

  it('does not let a plugin end its host with process.exit', async () => {
    const { dir, d } = await withNeighbour();
    await editFile(
      path.join(dir, 'quitter.js'),
      "export function activate(ctx) { ctx.subscriptions.push(ctx.commands.register('quitter.quit', () => process.exit(0))); }",
    );
    await d.reloads.waitFor((r) => r.id === 'quitter' && r.ok);
    const error = (await d.client
      .request(PluginExecuteCommand, { command: 'quitter.quit' })
      .catch((e: ResponseError<unknown>) => e)) as ResponseError<unknown>;
    expect(error.message).toContain('plugins may not call process.exit()');
    expect(await statusOf(d, 'quitter')).toBe('active');
    expect(await neighbourCount(d)).toBe(3);
  });
});

describe('unload verification', () => {
  it('warns when an unloaded generation is still reachable, and names the generation', async () => {
    const dir = await tempDir();
    // A listener on the host's own process object keeps the generation's realm alive.
    await editFile(
      path.join(dir, 'sticky.js'),
      "export function activate() { process.on('reloadd-test-hold', () => activate); }",
    );
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    await d.client.request(PluginReload, { id: 'sticky' });
    const published = await d.diagnostics.waitFor(
      (p) =>
        p.pluginId === 'sticky' &&
        p.diagnostics.some((x) => x.code === DiagnosticCodes.UnloadIncomplete),
    );
    expect(
      published.diagnostics.find((x) => x.code === DiagnosticCodes.UnloadIncomplete)?.message,
    ).toMatch(/^generation 1 did not unload/);
  });

  it('confirms that a well-behaved generation is collected (no warning after a reload)', async () => {
    const dir = await tempDir();
    await editFile(path.join(dir, 'tidy.js'), counterPlugin('tidy', 'v1'));
    const d = await connectInMemory(dir, { expectPlugins: 1 });
    for (let i = 0; i < 3; i++) await d.client.request(PluginReload, { id: 'tidy' });
    // The sticky test above shows the check runs; here the same check must find nothing.
    const sticky = await tempDir();
    await editFile(
      path.join(sticky, 'sticky.js'),
      "export function activate() { process.on('reloadd-test-hold-2', () => activate); }",
    );
    const probe = await connectInMemory(sticky, { expectPlugins: 1 });
    await probe.client.request(PluginReload, { id: 'sticky' });
    await probe.diagnostics.waitFor((p) =>
      p.diagnostics.some((x) => x.code === DiagnosticCodes.UnloadIncomplete),
    );
    expect(
      d.diagnostics.all
        .flatMap((p) => p.diagnostics)
        .filter((x) => x.code === DiagnosticCodes.UnloadIncomplete),
    ).toEqual([]);
  });
});
