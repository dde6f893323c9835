import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DaemonStatus,
  type LogEntry,
  PluginExecuteCommand,
  PluginList,
  ReloadResult,
} from '../../../src/protocol/index.js';
import { collectOutput } from '../../helpers/childOutput.js';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { daemonInfo, runCli, spawnCli, startStandalone } from '../../helpers/network.js';
import { CLI_PATH } from '../../helpers/paths.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

/** The CLI a person or a CI job runs, against a daemon that an editor owns. */
describe('reloadd CLI', () => {
  let daemon: DaemonUnderTest;
  let workspace: string;
  let plugins: string;
  const cli = (...args: string[]) => runCli(args, { cwd: workspace });
  const goodSource = () => path.join(plugins, 'good', 'index.js');
  const brokenSource = () => path.join(plugins, 'fragile', 'index.js');

  beforeAll(async () => {
    workspace = await tempDir();
    plugins = path.join(workspace, 'plugins');
    for (const id of ['good', 'fragile']) {
      await editFile(path.join(plugins, id, 'plugin.json'), manifest(id));
      await editFile(path.join(plugins, id, 'index.js'), counterPlugin(id, 'v1'));
    }
    daemon = await startDaemon(plugins, { workspace, expectPlugins: 2 });
    await daemonInfo(workspace);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('reload: prints each result and exits 0 when all succeed', async () => {
    const run = await cli('reload', 'good');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/✓ good\s+generation 2/);
    // Not a terminal: no colour codes.
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('reload --all at a terminal: a progress line, written over in place, then the results', async () => {
    // script(1) gives the CLI a terminal, as a person's shell does.
    const child = spawn(
      'script',
      ['-qfec', `${process.execPath} ${CLI_PATH} reload --all`, '/dev/null'],
      { cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = collectOutput(child);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const screen = output.stdout();
    expect(code, screen).toBe(0);
    const rewrite = '\r\u001b[K';
    expect(screen).toContain(`${rewrite}Reloading all plugins  0%  0 of 2`);
    expect(screen).toMatch(/Reloading all plugins {2}100% {2}\w+ ✓ \(2 of 2\)/);
    // The line is cleared before the results are printed.
    const cleared = screen.indexOf(rewrite, screen.lastIndexOf('(2 of 2)'));
    expect(cleared).toBeGreaterThan(0);
    expect(cleared).toBeLessThan(screen.indexOf('generation'));
  });

  it('reload --all: exits 1 when a plugin fails, and prints why and where', async () => {
    await editFile(brokenSource(), 'export function activate( {\n');
    await daemon.reloads.waitFor((r) => r.id === 'fragile' && r.trigger === 'file');
    const run = await cli('reload', '--all');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/✓ good/);
    expect(run.stdout).toMatch(
      /✗ fragile\s+RELOADD_BUILD_FAILED\s+plugins\/fragile\/index\.js:\d+:\d+/,
    );
    expect(run.stdout).toContain('1 of 2 failed');

    const json = await cli('reload', '--all', '--json');
    expect(json.code).toBe(1);
    const results = ReloadResult.array().parse(JSON.parse(json.stdout));
    expect(results.find((r) => r.id === 'fragile')).toMatchObject({
      ok: false,
      error: { code: 'RELOADD_BUILD_FAILED', file: brokenSource() },
    });
  });

  it('diagnostics: exits 1 while an error stands, with the code frame', async () => {
    const run = await cli('diagnostics', 'fragile');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('RELOADD_BUILD_FAILED');
    expect(run.stdout).toContain('export function activate( {');
    const clean = await cli('diagnostics', 'good', '--json');
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual([]);
    await editFile(brokenSource(), counterPlugin('fragile', 'v2'));
    await daemon.reloads.waitFor((r) => r.id === 'fragile' && r.ok);
  });

  it('list, status and state print readable text, and JSON that parses with --json', async () => {
    const list = await cli('list');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+STATUS\s+GEN/);
    expect(list.stdout).toMatch(/good\s+active/);
    const listJson = await cli('list', '--json');
    expect(PluginList.result.shape.plugins.parse(JSON.parse(listJson.stdout))).toHaveLength(2);

    const status = await cli('status', '--json');
    const parsed = DaemonStatus.result.parse(JSON.parse(status.stdout));
    expect(parsed.pid).toBe(daemon.child.pid);
    expect(parsed.clients.map((c) => c.transport)).toEqual(['stdio', 'websocket']);
    // Memory: the process, and the shared plugin host with both plugins in it.
    expect(parsed.memory.rssBytes).toBeGreaterThan(parsed.memory.heapUsedBytes);
    expect(parsed.memory.hosts).toEqual([
      expect.objectContaining({
        name: 'shared',
        plugins: ['fragile', 'good'],
        heapUsedBytes: expect.any(Number),
        externalBytes: expect.any(Number),
      }),
    ]);
    const text = (await cli('status')).stdout;
    expect(text).toMatch(/hot reload\s+on/);
    expect(text).toMatch(/host shared: heap [\d.]+ MB, outside it [\d.]+ MB \(2 plugins\)/);

    await daemon.client.request(PluginExecuteCommand, { command: 'good.increment' });
    const state = await cli('state', 'good', '--json');
    expect(JSON.parse(state.stdout)).toMatchObject({ id: 'good', state: { count: 1 } });
    expect((await cli('state', 'good')).stdout).toContain('"count": 1');
    const unknown = await cli('state', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('RELOADD_UNKNOWN_PLUGIN');
  });

  it('exits 2 on a usage error and 3 where no daemon runs', async () => {
    const usage = await cli('reload');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give plugin ids, or --all');
    expect((await cli('reload', '--all', 'good')).code).toBe(2);
    expect((await cli('logs', '--level', 'loud')).code).toBe(2);

    const nowhere = await runCli(['reload', '--all'], { cwd: await tempDir() });
    expect(nowhere.code).toBe(3);
    expect(nowhere.stderr).toContain('no daemon is running');
  });

  it('with --json, an error is JSON too: the message, the RELOADD_ code and the exit code', async () => {
    const run = await cli('state', 'nosuch', '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        message: expect.stringContaining('nosuch'),
        code: 'RELOADD_UNKNOWN_PLUGIN',
        exitCode: 1,
      },
    });
    const usage = await cli('logs', '--lines', 'many', '--json');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ error: { exitCode: 2 } });
  });

  it('logs -n N prints the last N entries, as tail does', async () => {
    const all = await cli('logs', '--json');
    const last2 = await cli('logs', '--json', '-n', '2');
    const lines = (text: string) => text.trim().split('\n');
    expect(lines(all.stdout).length).toBeGreaterThan(2);
    expect(lines(last2.stdout)).toEqual(lines(all.stdout).slice(-2));
  });

  it('logs: prints the buffer; --json prints one entry per line', async () => {
    const run = await cli('logs', '--plugin', 'good');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/RELOAD \[good\] ✓ generation 1 in [\d.]+ ms \(startup\)/);
    const json = await cli('logs', '--json', '--level', 'warn');
    const entries = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LogEntry);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.level === 'warn' || e.level === 'error')).toBe(true);
  });

  it('logs --follow: prints each reload as one line with its phase timings', async () => {
    const follow = spawnCli(['logs', '--follow', '--plugin', 'good'], { cwd: workspace });
    // The replayed buffer first: then the subscription is live.
    await expect.poll(() => follow.output()).toContain('(startup)');
    await editFile(goodSource(), counterPlugin('good', 'followed'));
    await expect
      .poll(() => follow.output())
      .toMatch(
        /RELOAD \[good\] ✓ generation \d+ in [\d.]+ ms \(index\.js\)\s+detect [\d.]+ · build [\d.]+ · (?:settle [\d.]+ · )?evaluate [\d.]+ · save [\d.]+ · deactivate [\d.]+ · activate [\d.]+(?: \(its promise [\d.]+\))? · restore [\d.]+ ms/,
      );
    follow.child.kill('SIGINT');
    expect(await follow.exited).toBe(0);
  });
});

describe('reloadd CLI when the daemon dies under it', () => {
  it('exits 3, saying so, instead of reporting success with no output', async () => {
    const workspace = await tempDir();
    const plugins = path.join(workspace, 'plugins');
    // Its activate says it has started, then, after a reload, takes its time: the reload is in
    // flight until the daemon is killed, however long a busy machine takes to see it started.
    await editFile(
      path.join(plugins, 'slow.js'),
      `export async function activate(ctx) {
        ctx.log.info('activating');
        if (ctx.generation > 1) await new Promise((resolve) => setTimeout(resolve, 60_000));
      }`,
    );
    const daemon = await startStandalone(workspace, plugins, ['--lifecycle-timeout', '120000']);
    await expect.poll(() => daemon.output()).toContain('ready: 1 of 1');
    const reload = spawnCli(['reload', 'slow'], { cwd: workspace });
    await expect.poll(() => daemon.output().split('activating').length).toBe(3);
    daemon.child.kill('SIGKILL');
    expect(await reload.exited).toBe(3);
    expect(reload.errors()).toContain('the daemon went away before it answered');
  });
});
