import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, expect } from 'vitest';
import WebSocket from 'ws';
import { connectWebSocket, type ReloaddClient, spawnStdioDaemon } from '../../src/clients/index.js';
import {
  DAEMON_FILE,
  type DaemonFile,
  DaemonStatus,
  DaemonTokenFile,
} from '../../src/protocol/index.js';
import { parseDaemonFile } from '../../src/transport/index.js';
import { collectOutput } from './childOutput.js';
import { tempDir } from './files.js';
import { CLI_PATH } from './paths.js';
import { EVENT_WAIT_MS } from './waits.js';

const opened: ReloaddClient[] = [];
const spawned = new Set<ChildProcess>();
afterAll(() => {
  for (const client of opened.splice(0)) client.dispose();
  for (const child of spawned) child.kill('SIGKILL');
});

/** A discovery file with its daemon's token (from the token file it names). */
export type DaemonInfo = DaemonFile & { token: string };

/**
 * The discovery file of the daemon serving `workspace`, once it has been written (a daemon writes
 * it before it answers `initialize`, and before it loads plugins when standalone), and its token.
 * Both are read as they are, whoever owns them: a client's checks are what tests test.
 */
export async function daemonInfo(
  workspace: string,
  options: { pid?: number; timeoutMs?: number } = {},
): Promise<DaemonInfo> {
  const file = path.join(workspace, DAEMON_FILE);
  const deadline = Date.now() + (options.timeoutMs ?? EVENT_WAIT_MS);
  for (;;) {
    const state = await readFile(file, 'utf8').then(parseDaemonFile, () => ({
      kind: 'missing' as const,
    }));
    if (state.kind === 'live' && (options.pid === undefined || state.info.pid === options.pid))
      return { ...state.info, token: await tokenOf(state.info) };
    if (Date.now() > deadline)
      throw new Error(`no live daemon file in ${workspace}: ${state.kind}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The token a discovery file leads to: in its token file, or (before those) in itself. */
async function tokenOf(info: DaemonFile): Promise<string> {
  if (info.tokenFile === undefined) return info.token ?? '';
  return DaemonTokenFile.parse(JSON.parse(await readFile(info.tokenFile, 'utf8'))).token;
}

export async function fileExists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** A WebSocket client of the daemon serving `workspace`, initialized; disposed after the file. */
export async function connectClient(workspace: string, name = 'ws-test'): Promise<ReloaddClient> {
  const info = await daemonInfo(workspace);
  const client = await connectWebSocket({ url: info.url, token: info.token });
  opened.push(client);
  await client.initialize(name);
  return client;
}

/** Waits until `daemon/status` lists exactly `count` clients (they join once initialized). */
export async function expectClients(client: ReloaddClient, count: number): Promise<void> {
  await expect
    .poll(async () => (await client.request(DaemonStatus, null)).clients.length, { interval: 20 })
    .toBe(count);
}

/** Tries a WebSocket handshake: the HTTP status of a refusal, or 'open'. */
export function tryUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once('open', () => {
      socket.close();
      resolve('open');
    });
    socket.once('unexpected-response', (request, response) => {
      request.destroy();
      resolve(response.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `reloadd` binary to the end (`env` adds to the test's environment). */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliRun> {
  const run = spawnCli(args, options);
  const code = await run.exited;
  return { code, stdout: run.output(), stderr: run.errors() };
}

/** Starts the built `reloadd` binary and leaves it running (for `logs --follow`, `serve`). */
export function spawnCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): {
  child: ChildProcess;
  output: () => string;
  errors: () => string;
  /** The exit code, once the process has ended and its output is all read. */
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: options.cwd,
    // Only the discovery file may lead a test's CLI to a daemon, unless the test says otherwise.
    env: { ...process.env, RELOADD_URL: '', RELOADD_TOKEN: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  const { stdout, stderr } = collectOutput(child);
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      spawned.delete(child);
      resolve(code);
    });
  });
  return { child, output: stdout, errors: stderr, exited };
}

/**
 * A stand-in for the system's opener (`xdg-open`): `env` puts it first on the PATH of a CLI run,
 * and `opened()` resolves with the arguments it was started with (its command line, as any
 * local user can read it in /proc/PID/cmdline).
 */
export async function fakeOpener(): Promise<{
  env: Record<string, string>;
  opened(): Promise<string[]>;
}> {
  const dir = await tempDir('reloadd-opener-');
  const record = path.join(dir, 'opened');
  // Written aside and renamed, so a reader never sees half of it.
  await writeFile(
    path.join(dir, 'xdg-open'),
    `#!/bin/sh\nprintf '%s\\n' "$@" > "${record}.tmp" && mv "${record}.tmp" "${record}"\n`,
    { mode: 0o755 },
  );
  return {
    env: { PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}` },
    async opened() {
      // The opener runs detached, after the CLI has gone on: its file is the only sign.
      await expect.poll(() => fileExists(record)).toBe(true);
      return (await readFile(record, 'utf8')).split('\n').filter(Boolean);
    },
  };
}

/** A standalone daemon (`reloadd serve`, no --stdio), as a person or CI runs one. */
export async function startStandalone(workspace: string, plugins: string, args: string[] = []) {
  const run = spawnCli(['serve', '--plugins', plugins, '--log-level', 'debug', ...args], {
    cwd: workspace,
  });
  const info = await daemonInfo(workspace, { pid: run.child.pid as number });
  return { ...run, info };
}

/** `reloadd connect --stdio` in `workspace`: an editor sharing the running daemon, over stdio. */
export function spawnStdioBridge(workspace: string) {
  const { client, child } = spawnStdioDaemon(process.execPath, [CLI_PATH, 'connect', '--stdio'], {
    cwd: workspace,
  });
  spawned.add(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { client, child, exited };
}
