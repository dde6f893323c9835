import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection } from 'vscode-jsonrpc';
import {
  findDaemon,
  openDaemonSocket,
  ReconnectingClient,
  ReloaddClient,
  spawnStdioDaemon,
} from '../../../src/clients/index.js';
import {
  DAEMON_FILE,
  DaemonFile,
  DaemonStatus,
  DaemonTokenFile,
  DidReload,
  type DidReloadParams,
  Exit,
  LogSubscribe,
  PluginExecuteCommand,
  PluginGetState,
  PluginList,
} from '../../../src/protocol/index.js';
import { webSocketTransport } from '../../../src/transport/index.js';
import { collectOutput } from '../../helpers/childOutput.js';
import { type DaemonUnderTest, startDaemon } from '../../helpers/daemonProcess.js';
import { editFile, tempDir } from '../../helpers/files.js';
import { NotificationLog } from '../../helpers/NotificationLog.js';
import {
  connectClient,
  type DaemonInfo,
  daemonInfo,
  expectClients,
  fileExists,
  runCli,
  spawnCli,
  spawnStdioBridge,
  startStandalone,
  tryUpgrade,
} from '../../helpers/network.js';
import { CLI_PATH, ROOT } from '../../helpers/paths.js';
import { counterPlugin, manifest } from '../../helpers/pluginSource.js';

/** A plugin whose state is ~100 KB, so a few hundred `plugin/getState` answers make megabytes. */
const BULKY = `
let state = { blob: 'x'.repeat(100_000) };
export function activate() {}
export function saveState() { return state; }
export function restoreState(saved) { if (saved) state = saved; }
`;

/** A plugin that logs `n` lines of `size` characters when asked. */
const CHATTY = `
export function activate(ctx) {
  ctx.commands.register('chatty.spam', (n, size) => {
    for (let i = 0; i < n; i++) ctx.log.info(i + ' ' + 'z'.repeat(size));
    return n;
  });
}
`;

async function workspaceWithPlugins(): Promise<{ workspace: string; plugins: string }> {
  const workspace = await tempDir();
  const plugins = path.join(workspace, 'plugins');
  await editFile(path.join(plugins, 'counter', 'plugin.json'), manifest('counter'));
  await editFile(path.join(plugins, 'counter', 'index.js'), counterPlugin('counter', 'v1'));
  await editFile(path.join(plugins, 'bulky.js'), BULKY);
  await editFile(path.join(plugins, 'chatty.js'), CHATTY);
  // A limit low enough that a paused client passes it quickly.
  await editFile(
    path.join(workspace, 'reloadd.json'),
    JSON.stringify({ clientBacklogBytes: 256 * 1024 }),
  );
  return { workspace, plugins };
}

describe('an editor over stdio and clients over WebSocket, sharing one daemon', () => {
  let daemon: DaemonUnderTest;
  let workspace: string;
  let plugins: string;
  let info: DaemonInfo;

  beforeAll(async () => {
    ({ workspace, plugins } = await workspaceWithPlugins());
    daemon = await startDaemon(plugins, {
      workspace,
      args: ['--config', path.join(workspace, 'reloadd.json')],
      expectPlugins: 3,
    });
    info = await daemonInfo(workspace);
  });
  afterAll(async () => {
    await daemon.stop();
  });

  it('publishes where it listens in .reloadd/daemon.json, and its token only in a file of the runtime folder', async () => {
    const file = path.join(workspace, DAEMON_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const parsed = DaemonFile.parse(JSON.parse(await readFile(file, 'utf8')));
    expect(parsed).toMatchObject({
      pid: daemon.child.pid,
      host: '127.0.0.1',
      protocolVersion: '1.0',
    });
    expect(parsed.url).toBe(`ws://127.0.0.1:${parsed.port}/rpc`);
    // The workspace (inside the installation under `npm start`, which a plugin with
    // `permissions` may always read) holds no token: its file says where the token is.
    expect(parsed.token).toBeUndefined();
    expect(await readFile(file, 'utf8')).not.toContain(info.token);
    const tokenFile = parsed.tokenFile as string;
    const runtime = process.env.XDG_RUNTIME_DIR
      ? path.join(process.env.XDG_RUNTIME_DIR, 'reloadd')
      : path.join(os.tmpdir(), `reloadd-${process.getuid?.()}`);
    expect(path.dirname(tokenFile)).toBe(runtime);
    expect(path.relative(ROOT, tokenFile)).toMatch(/^\.\./);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect((await stat(runtime)).mode & 0o777).toBe(0o700);
    expect(DaemonTokenFile.parse(JSON.parse(await readFile(tokenFile, 'utf8')))).toEqual({
      pid: daemon.child.pid,
      url: parsed.url,
      token: info.token,
    });
    // 256 bits, base64url.
    expect(Buffer.from(info.token, 'base64url')).toHaveLength(32);
  });

  it('sends every client the same plugin/didReload sequence', async () => {
    const first = await connectClient(workspace, 'first');
    const second = await connectClient(workspace, 'second');
    await expectClients(first, 3);
    const logs = [daemon.client, first, second].map((c) => NotificationLog.of(c, DidReload));
    const source = path.join(plugins, 'counter', 'index.js');
    for (const version of ['v2', 'v3', 'v4']) {
      const mark = daemon.reloads.mark;
      await editFile(source, counterPlugin('counter', version));
      await daemon.reloads.waitFor((r) => r.trigger === 'file', { from: mark });
    }
    const fileReloads = (log: NotificationLog<DidReloadParams>) =>
      log
        .waitFor(() => log.all.filter((r) => r.trigger === 'file').length >= 3)
        .then(() =>
          log.all.filter((r) => r.trigger === 'file').map((r) => [r.id, r.generation, r.ok]),
        );
    const sequences = await Promise.all(logs.map(fileReloads));
    expect(sequences[0]).toEqual([
      ['counter', 2, true],
      ['counter', 3, true],
      ['counter', 4, true],
    ]);
    expect(sequences[1]).toEqual(sequences[0]);
    expect(sequences[2]).toEqual(sequences[0]);
    const { clients } = await first.request(DaemonStatus, null);
    expect(clients.map((c) => [c.transport, c.name])).toEqual([
      ['stdio', 'reloadd-tests'],
      ['websocket', 'first'],
      ['websocket', 'second'],
    ]);
    first.dispose();
    second.dispose();
    await expectClients(daemon.client, 1);
  });

  it('refuses a missing or wrong token with 401, a foreign Origin with 403, before any upgrade', async () => {
    const url = info.url;
    const bearer = { authorization: `Bearer ${info.token}` };
    expect(await tryUpgrade(url)).toBe(401);
    expect(await tryUpgrade(`${url}?token=wrong`)).toBe(401);
    expect(await tryUpgrade(url, { authorization: 'Bearer wrong' })).toBe(401);
    expect(await tryUpgrade(`${url}?token=${info.token}`)).toBe('open');
    expect(await tryUpgrade(url, bearer)).toBe('open');
    expect(await tryUpgrade(url, { ...bearer, origin: 'https://evil.example' })).toBe(403);
    expect(await tryUpgrade(url, { ...bearer, origin: 'http://localhost:1' })).toBe(403);
    // The dashboard's own origin is the daemon's.
    expect(await tryUpgrade(url, { ...bearer, origin: `http://127.0.0.1:${info.port}` })).toBe(
      'open',
    );
    expect(await tryUpgrade(url, { ...bearer, origin: `http://localhost:${info.port}` })).toBe(
      'open',
    );
    expect(await tryUpgrade(url.replace('/rpc', '/other'), bearer)).toBe(404);
    expect(daemon.stderr()).toContain('refused a WebSocket connection: wrong token');
    // The daemon is unharmed.
    const { plugins: list } = await daemon.client.request(PluginList, null);
    expect(list).toHaveLength(3);
  });

  it('answers a frame that is not JSON with -32700 and keeps the connection', async () => {
    const socket = await openDaemonSocket({ url: info.url, token: info.token });
    const replies: unknown[] = [];
    // Answers only: once initialized, notifications may arrive too.
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      if ('id' in message) replies.push(message);
    });
    socket.send('{ this is not json');
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }));
    await expect.poll(() => replies.length).toBe(2);
    expect(replies[0]).toMatchObject({ id: null, error: { code: -32700 } });
    expect(replies[1]).toMatchObject({ id: 1, result: { serverInfo: { name: 'reloadd' } } });
    socket.close();
  });

  it('closes the connection that sends more than maxPayload, and serves the others', async () => {
    const bystander = await connectClient(workspace, 'bystander');
    const socket = await openDaemonSocket({ url: info.url, token: info.token });
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'editor/event',
        params: { event: 'x', data: 'y'.repeat(2 * 1024 * 1024) },
      }),
    );
    expect(await closed).toBe(1009); // "message too big"
    const { plugins: list } = await bystander.request(PluginList, null);
    expect(list).toHaveLength(3);
    bystander.dispose();
  });

  it('disconnects a client that stops reading, and the others never wait for it', async () => {
    const bystander = await connectClient(workspace, 'bystander');
    const reloads = NotificationLog.of(bystander, DidReload);
    const socket = await openDaemonSocket({ url: info.url, token: info.token });
    const transport = webSocketTransport(socket);
    const stalled = new ReloaddClient(createMessageConnection(transport.reader, transport.writer));
    stalled.connection.listen();
    await stalled.initialize('stalled');
    // It follows the log too: entries it cannot take must not feed back into the log forever.
    await stalled.request(LogSubscribe, { level: 'debug' });
    await expectClients(bystander, 3);
    // It stops reading (as a client stuck in a breakpoint would) and asks for ~30 MB of answers.
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let i = 0; i < 300; i++)
      stalled.request(PluginGetState, { id: 'bulky' }).catch(() => undefined);
    // The others are served all the while, and told about reloads.
    const mark = reloads.mark;
    await editFile(path.join(plugins, 'counter', 'index.js'), counterPlugin('counter', 'v5'));
    await reloads.waitFor((r) => r.id === 'counter' && r.trigger === 'file', { from: mark });
    await expectClients(bystander, 2);
    expect(daemon.stderr()).toMatch(
      /stopped reading: \d+ bytes waiting for it, over the 262144 limit/,
    );
    const { plugins: list } = await bystander.request(PluginList, null);
    expect(list).toHaveLength(3);
    bystander.dispose();
    stalled.dispose();
  });

  it('survives log followers that vanish while a plugin logs heavily', async () => {
    const bystander = await connectClient(workspace, 'bystander');
    for (let round = 0; round < 5; round++) {
      const follower = await connectClient(workspace, `follower-${round}`);
      await follower.request(LogSubscribe, { level: 'debug' });
      const spam = bystander.request(PluginExecuteCommand, {
        command: 'chatty.spam',
        args: [2000, 100],
      });
      follower.dispose(); // closes its socket while entries are on their way
      expect(await spam).toBe(2000);
    }
    // Still answering, and no client left behind.
    await expectClients(bystander, 2);
    bystander.dispose();
  });

  it('refuses to start a second daemon for the same workspace', async () => {
    const second = await runCli(['serve', '--plugins', plugins, '--workspace', workspace], {
      cwd: workspace,
    });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('a daemon is already running for this workspace');
    expect((await daemonInfo(workspace)).pid).toBe(daemon.child.pid);
  });

  it('lets an editor share it through `reloadd connect --stdio`; its exit ends only its session', async () => {
    const bridged = spawnStdioBridge(workspace);
    await bridged.client.initialize('bridged-editor');
    const reloads = NotificationLog.of(bridged.client, DidReload);
    const { plugins: list } = await bridged.client.request(PluginList, null);
    expect(list.map((p) => p.id).sort()).toEqual(['bulky', 'chatty', 'counter']);
    await editFile(path.join(plugins, 'counter', 'index.js'), counterPlugin('counter', 'v6'));
    await reloads.waitFor((r) => r.id === 'counter' && r.trigger === 'file');
    await bridged.client.shutdown();
    expect(await bridged.exited).toBe(0);
    // `exit` without `shutdown`: 1, as LSP has it.
    const abrupt = spawnStdioBridge(workspace);
    await abrupt.client.initialize('abrupt-editor');
    await abrupt.client.notify(Exit, null);
    expect(await abrupt.exited).toBe(1);
    // The daemon and its owner carry on.
    expect((await daemon.client.request(PluginList, null)).plugins).toHaveLength(3);
  });
});

/** Runs `reloadd connect --stdio` in `cwd` until it exits on its own (it found no daemon to use). */
async function connectUntilExit(cwd: string, env: Record<string, string> = {}) {
  const { client, child } = spawnStdioDaemon(process.execPath, [CLI_PATH, 'connect', '--stdio'], {
    cwd,
    env: { ...process.env, ...env },
  });
  const output = collectOutput(child);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  client.dispose();
  return { code, stderr: output.stderr() };
}

function fakeDaemonFile(pid: number, port: number, pluginsDir: string): DaemonFile {
  return {
    url: `ws://127.0.0.1:${port}/rpc`,
    host: '127.0.0.1',
    port,
    pid,
    token: 'a'.repeat(43),
    protocolVersion: '1.0',
    version: '0.0.0',
    pluginsDir,
    startedAt: new Date().toISOString(),
  };
}

describe('the discovery file', () => {
  it('is removed when the daemon stops, and a stale one is replaced', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const file = path.join(workspace, DAEMON_FILE);
    // A file left by a daemon that died without cleaning up: its pid is gone.
    const dead = spawn(process.execPath, ['-e', '']);
    const deadPid = dead.pid as number;
    await new Promise((resolve) => dead.on('exit', resolve));
    await editFile(file, JSON.stringify(fakeDaemonFile(deadPid, 1, plugins)));
    // A client that finds it says the daemon is gone, and exits with 3.
    const before = await runCli(['status'], { cwd: workspace });
    expect(before.code).toBe(3);
    expect(before.stderr).toContain(`(pid ${deadPid}) is no longer running`);

    const daemon = await startStandalone(workspace, plugins);
    expect(daemon.output()).toContain(
      `replacing a stale discovery file: process ${deadPid} is gone`,
    );
    const status = await runCli(['status', '--json'], { cwd: path.join(plugins, 'counter') });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      pid: daemon.child.pid,
      url: daemon.info.url,
    });

    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(await fileExists(file)).toBe(false);
    const after = await runCli(['status'], { cwd: workspace });
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('no daemon is running');
  });

  it('still leads a client through a file an older daemon wrote, its token inline; RELOADD_URL and RELOADD_TOKEN still override any file', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const daemon = await startStandalone(workspace, plugins);
    try {
      // As reloadd 0.1 wrote it: the token in the file itself, and no token file.
      const older = await tempDir();
      const { tokenFile, ...facts } = daemon.info;
      expect(tokenFile).toBeDefined();
      await editFile(path.join(older, DAEMON_FILE), JSON.stringify(facts));
      const status = await runCli(['status', '--json'], { cwd: older });
      expect(status.stderr).toBe('');
      expect(JSON.parse(status.stdout)).toMatchObject({ pid: daemon.child.pid });

      const overridden = await runCli(['status', '--json'], {
        cwd: path.join(workspace, '..'),
        env: { RELOADD_URL: daemon.info.url, RELOADD_TOKEN: daemon.info.token },
      });
      expect(overridden.stderr).toBe('');
      expect(JSON.parse(overridden.stdout)).toMatchObject({ pid: daemon.child.pid });
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });

  it('is replaced when its pid lives on but nothing listens on its port', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    // A port nobody listens on: taken, then given back.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    // A live pid (this test's own), as a reused pid or an unreaped daemon would leave it.
    await editFile(
      path.join(workspace, DAEMON_FILE),
      JSON.stringify(fakeDaemonFile(process.pid, port, plugins)),
    );
    const daemon = await startStandalone(workspace, plugins);
    expect(daemon.output()).toContain(
      `replacing a stale discovery file: nothing listens on ws://127.0.0.1:${port}/rpc`,
    );
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('goes to exactly one of several daemons started at once over a stale file', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    await editFile(
      path.join(workspace, DAEMON_FILE),
      JSON.stringify(fakeDaemonFile(1 << 22, 1, plugins)),
    );
    const runs = Array.from({ length: 4 }, () =>
      spawnCli(['serve', '--plugins', plugins], { cwd: workspace }),
    );
    // All but one give up; the one left is the one the file names.
    const ended = await Promise.all(
      runs.map((run) =>
        Promise.race([
          run.exited,
          daemonInfo(workspace, { pid: run.child.pid as number }).then(
            () => 'serving' as const,
            () => 'never' as const,
          ),
        ]),
      ),
    );
    expect(ended.filter((e) => e === 'serving')).toHaveLength(1);
    expect(ended.filter((e) => e === 1)).toHaveLength(3);
    const winner = runs[ended.indexOf('serving')];
    for (const loser of runs.filter((r) => r !== winner))
      expect(loser.errors()).toContain('a daemon is already running for this workspace');
    winner?.child.kill('SIGTERM');
    expect(await winner?.exited).toBe(0);
  });

  it("is removed when an editor's daemon gets shutdown and exit", async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const daemon = await startDaemon(plugins, { workspace, expectPlugins: 3 });
    await daemonInfo(workspace);
    expect(await daemon.stop()).toBe(0);
    expect(await fileExists(path.join(workspace, DAEMON_FILE))).toBe(false);
  });

  it('lets a CI job start the daemon in the background and wait for it (--wait)', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const waiting = spawnCli(['reload', '--all', '--wait', '20'], { cwd: workspace });
    const daemon = await startStandalone(workspace, plugins);
    expect(await waiting.exited).toBe(0);
    // Every plugin in the folder, even if the request came while the daemon was starting.
    expect(waiting.output()).toMatch(/✓ bulky/);
    expect(waiting.output()).toMatch(/✓ counter/);
    expect(waiting.output()).toMatch(/✓ chatty/);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('gives `reloadd connect --stdio` exit 3 when the daemon refuses its token', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const daemon = await startStandalone(workspace, plugins);
    const { code, stderr } = await connectUntilExit(workspace, {
      RELOADD_URL: daemon.info.url,
      RELOADD_TOKEN: 'wrong',
    });
    expect(code).toBe(3);
    expect(stderr).toContain('refused the connection: HTTP 401');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });

  it('stops promptly even with a client that has stopped reading', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const daemon = await startStandalone(workspace, plugins);
    const socket = await openDaemonSocket({ url: daemon.info.url, token: daemon.info.token });
    (socket as unknown as { _socket: { pause(): void } })._socket.pause();
    daemon.child.kill('SIGTERM');
    // Without a bound on the closing handshake this waits for ws's 30 s close timeout.
    expect(await daemon.exited).toBe(0);
    socket.terminate();
  }, 10_000);

  it('leads `reloadd connect --stdio` nowhere when no daemon runs: exit 3', async () => {
    const { code, stderr } = await connectUntilExit(await tempDir());
    expect(code).toBe(3);
    expect(stderr).toContain('no daemon is running');
  });
});

describe('the client library', () => {
  it('reconnects with backoff when the daemon restarts, and keeps its notification handlers', async () => {
    const { workspace, plugins } = await workspaceWithPlugins();
    const first = await startStandalone(workspace, plugins);
    const connects: boolean[] = [];
    const session = new ReconnectingClient({
      clientName: 'reconnecting',
      locate: () => findDaemon(workspace),
      backoff: { initialMs: 20, maxMs: 200 },
      onConnect: (_client, reconnected) => {
        connects.push(reconnected);
      },
    });
    const reloads = NotificationLog.of(session, DidReload);
    await session.start();
    expect(session.connected).toBe(true);

    first.child.kill('SIGTERM');
    await first.exited;
    await expect.poll(() => session.connected).toBe(false);
    await expect(session.request(PluginList, null)).rejects.toThrow('not connected');

    // A new daemon: another port, another token, found again through the discovery file.
    const second = await startStandalone(workspace, plugins);
    expect(second.info.port).not.toBe(first.info.port);
    await expect.poll(() => connects).toEqual([false, true]);
    const status = await session.request(DaemonStatus, null);
    expect(status.pid).toBe(second.child.pid);
    // It may have reconnected before the new daemon's first load: an edit then would be part of
    // that load, not a reload.
    await expect
      .poll(async () => (await session.request(DaemonStatus, null)).plugins.active)
      .toBe(3);
    const mark = reloads.mark;
    await editFile(path.join(plugins, 'counter', 'index.js'), counterPlugin('counter', 'again'));
    await reloads.waitFor((r) => r.id === 'counter' && r.trigger === 'file', { from: mark });
    await session.close();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
