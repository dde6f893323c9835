import type { Command } from 'commander';
import { ResponseError } from 'vscode-jsonrpc';
import { backoffDelay } from '../backoff.js';
import { connectWebSocket } from '../connectWebSocket.js';
import { type DaemonEndpoint, findDaemon, NoDaemonError, skippedLine } from '../findDaemon.js';
import type { ReloaddClient } from '../ReloaddClient.js';
import { CliExit, ExitCode } from './exitCodes.js';
import { TerminalStyle } from './TerminalStyle.js';

/**
 * What every client command shares: finding the daemon (and waiting for it with `--wait`), one
 * polite session with it, and saying how it went (text or `--json`, exit codes).
 */

export const CLIENT_NAME = 'reloadd-cli';

/** The options every command that talks to a daemon takes. */
export function commonOptions(command: Command): Command {
  return command
    .option(
      '--workspace <dir>',
      'where to look for .reloadd/daemon.json (default: here, then each parent)',
    )
    .option('--json', 'print machine-readable JSON (the protocol result) instead of text')
    .option(
      '--wait <seconds>',
      'wait up to this long for a daemon to start (CI: start `reloadd serve` in the background, then this)',
    );
}

export interface CommonOptions {
  workspace?: string;
  json?: boolean;
  wait?: string;
}

export function locate(options: CommonOptions): Promise<DaemonEndpoint> {
  return untilReachable(options, () => findFor(options));
}

/** Each discovery file passed over is named once on stderr, however often `--wait` looks again. */
const named = new Set<string>();

function findFor(options: CommonOptions): Promise<DaemonEndpoint> {
  return findDaemon(options.workspace ?? process.cwd(), {
    onSkip: (skipped) => {
      const line = skippedLine(skipped);
      if (named.has(line)) return;
      named.add(line);
      process.stderr.write(`${line}\n`);
    },
  });
}

/**
 * Tries `attempt` until it stops failing with NoDaemonError or `--wait` runs out: a daemon that is
 * starting has no discovery file yet, or has one but is not yet listening.
 */
export async function untilReachable<T>(
  options: CommonOptions,
  attempt: () => Promise<T>,
): Promise<T> {
  const deadline = Date.now() + waitSeconds(options) * 1000;
  for (let tries = 0; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof NoDaemonError) || Date.now() >= deadline) throw asCliExit(error);
    }
    const pause = Math.min(
      backoffDelay(tries, { initialMs: 50, maxMs: 500 }),
      deadline - Date.now(),
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pause)));
  }
}

export function waitSeconds(options: CommonOptions): number {
  if (options.wait === undefined) return 0;
  const seconds = Number(options.wait);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
    throw usage(`--wait must be a number of seconds from 0 to 3600, not "${options.wait}"`);
  return seconds;
}

/** Connects, runs one exchange, and ends the session politely (shutdown + exit end only it). */
export async function withDaemon<T>(
  options: CommonOptions,
  work: (client: ReloaddClient) => Promise<T>,
): Promise<T> {
  const client = await untilReachable(options, async () =>
    connectWebSocket(await findFor(options)),
  );
  let gone = false;
  client.onClose(() => {
    gone = true;
  });
  try {
    // It shows reloadd's own notifications and log: LSP's window messages would say it twice.
    await client.initialize(CLIENT_NAME, {}, { notifications: false, logMessages: false });
    return await work(client);
  } catch (error) {
    if (gone) throw new CliExit(ExitCode.NoDaemon, 'the daemon went away before it answered');
    throw asCliExit(error);
  } finally {
    await client.shutdown().catch(() => undefined);
    client.dispose();
  }
}

export function asCliExit(error: unknown): unknown {
  if (error instanceof NoDaemonError) return new CliExit(ExitCode.NoDaemon, error.message);
  if (error instanceof ResponseError) {
    const code = (error.data as { code?: string } | undefined)?.code;
    return new CliExit(ExitCode.Failed, error.message, code);
  }
  return error;
}

/**
 * With --json a failure is JSON too, on stdout where the result would have been:
 * `{ "error": { "message", "code" (the daemon's RELOADD_ code, when it gave one), "exitCode" } }`.
 */
export async function reporting(options: CommonOptions, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (thrown) {
    const error = asCliExit(thrown);
    if (!options.json || !(error instanceof CliExit) || error.message === '') throw error;
    const { message, code, exitCode } = error;
    process.stdout.write(
      `${JSON.stringify({ error: { message, ...(code ? { code } : {}), exitCode } }, null, 2)}\n`,
    );
    throw new CliExit(exitCode, '');
  }
}

export function generationNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw usage(`${flag} must be a generation number, not "${text}"`);
  return n;
}

export function usage(message: string): CliExit {
  return new CliExit(ExitCode.Usage, message);
}

export function print<T>(
  options: CommonOptions,
  value: T,
  human: (style: TerminalStyle) => string,
): void {
  process.stdout.write(
    `${options.json ? JSON.stringify(value, null, 2) : human(new TerminalStyle())}\n`,
  );
}
