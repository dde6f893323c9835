import { type Command, Option } from 'commander';
import { ResponseError } from 'vscode-jsonrpc';
import {
  DaemonStatus,
  dashboardLink,
  type LogEntry,
  LogEntryNotification,
  LogLevels,
  LogSubscribe,
  LogUnsubscribe,
  PluginDiagnostics,
  PluginGetState,
  PluginList,
  PluginReload,
  PluginRestoreSnapshot,
} from '../../protocol/index.js';
import { backoffDelay } from '../backoff.js';
import { connectWebSocket } from '../connectWebSocket.js';
import { type DaemonEndpoint, findDaemon, NoDaemonError } from '../findDaemon.js';
import { ReconnectingClient } from '../ReconnectingClient.js';
import type { ReloaddClient } from '../ReloaddClient.js';
import { CliExit, ExitCode } from './exitCodes.js';
import {
  formatDiagnostics,
  formatHistory,
  formatLogEntry,
  formatPluginList,
  formatReloadResults,
  formatState,
  formatStatus,
} from './humanOutput.js';
import { openInBrowser } from './openInBrowser.js';
import { bridgeStdio } from './stdioBridge.js';
import { TerminalStyle } from './TerminalStyle.js';

const CLIENT_NAME = 'reloadd-cli';

interface CommonOptions {
  workspace?: string;
  json?: boolean;
  wait?: string;
}

/**
 * The commands that talk to a running daemon (found through `.reloadd/daemon.json`): for people
 * (readable output, colour on a terminal) and for scripts (`--json`, exit codes).
 */
export function addClientCommands(program: Command): void {
  const common = (command: Command) =>
    command
      .option(
        '--workspace <dir>',
        'where to look for .reloadd/daemon.json (default: here, then each parent)',
      )
      .option('--json', 'print machine-readable JSON (the protocol result) instead of text')
      .option(
        '--wait <seconds>',
        'wait up to this long for a daemon to start (CI: start `reloadd serve` in the background, then this)',
      );

  common(
    program
      .command('reload')
      .description('Reload plugins now; exits with 1 if any failed.')
      .argument('[ids...]', 'plugin ids')
      .option('--all', 'every plugin'),
  ).action((ids: string[], options: CommonOptions & { all?: boolean }) =>
    reporting(options, async () => {
      if (options.all && ids.length > 0) throw usage('give plugin ids or --all, not both');
      if (!options.all && ids.length === 0) throw usage('give plugin ids, or --all');
      const { results } = await withDaemon(options, (client) =>
        client.request(PluginReload, options.all ? { all: true } : { ids }),
      );
      print(options, results, (style) => formatReloadResults(results, style));
      if (results.some((r) => !r.ok)) throw new CliExit(ExitCode.Failed, '');
    }),
  );

  common(program.command('list').description('List the plugins and their status.')).action(
    (options: CommonOptions) =>
      reporting(options, async () => {
        const { plugins } = await withDaemon(options, (client) => client.request(PluginList, null));
        print(options, plugins, (style) => formatPluginList(plugins, style));
      }),
  );

  common(program.command('status').description("Show the daemon's status.")).action(
    (options: CommonOptions) =>
      reporting(options, async () => {
        const status = await withDaemon(options, (client) => client.request(DaemonStatus, null));
        print(options, status, (style) => formatStatus(status, style));
      }),
  );

  common(
    program
      .command('dashboard')
      .description("Print the link to the running daemon's dashboard (it holds the token).")
      .option('--open', 'open it in the default browser too'),
  ).action((options: CommonOptions & { open?: boolean }) =>
    reporting(options, async () => {
      const endpoint = await locate(options);
      const link = dashboardLink(endpoint.url, endpoint.token);
      print(options, { url: link }, () => link);
      if (options.open) await openInBrowser(link);
    }),
  );

  common(
    program
      .command('state')
      .description(
        "Show a plugin's current state (a fresh snapshot), its history, or reload it with a past one.",
      )
      .argument('<id>', 'plugin id')
      .option('--history', 'list the snapshots kept, newest first')
      .option('--generation <gen>', 'show the snapshot that generation took')
      .option('--restore <gen>', "reload the plugin with that generation's snapshot"),
  ).action(
    (
      id: string,
      options: CommonOptions & { history?: boolean; generation?: string; restore?: string },
    ) =>
      reporting(options, async () => {
        if ([options.history, options.generation, options.restore].filter(Boolean).length > 1)
          throw usage('give one of --history, --generation and --restore');
        if (options.restore !== undefined) {
          const generation = generationNumber('--restore', options.restore);
          const { result } = await withDaemon(options, (client) =>
            client.request(PluginRestoreSnapshot, { id, generation }),
          );
          print(options, result, (style) => formatReloadResults([result], style));
          if (!result.ok) throw new CliExit(ExitCode.Failed, '');
          return;
        }
        const params = options.history
          ? { id, history: true as const }
          : options.generation !== undefined
            ? { id, generation: generationNumber('--generation', options.generation) }
            : { id };
        const state = await withDaemon(options, (client) => client.request(PluginGetState, params));
        print(options, state, (style) =>
          options.history ? formatHistory(state, style) : formatState(state, style),
        );
      }),
  );

  common(
    program
      .command('diagnostics')
      .description('Show diagnostics (of one plugin, or all); exits with 1 if any is an error.')
      .argument('[id]', 'plugin id'),
  ).action((id: string | undefined, options: CommonOptions) =>
    reporting(options, async () => {
      const { diagnostics } = await withDaemon(options, (client) =>
        client.request(PluginDiagnostics, id ? { id } : null),
      );
      print(options, diagnostics, (style) => formatDiagnostics(diagnostics, style));
      if (diagnostics.some((d) => d.severity === 'error')) throw new CliExit(ExitCode.Failed, '');
    }),
  );

  common(
    program
      .command('logs')
      .description(
        "Print the daemon's recent log; with --follow, keep printing (one line per reload with its phase timings).",
      )
      .option('-f, --follow', 'keep printing new entries, reconnecting if the daemon restarts')
      .option(
        '-n, --lines <n>',
        'print only the last N entries first (default with --follow: 10; without: all)',
      )
      .option('--plugin <id>', "only this plugin's entries")
      .addOption(
        new Option('--level <level>', 'lowest level shown').choices(LogLevels).default('info'),
      ),
  ).action((options: LogsOptions) =>
    reporting(options, () => (options.follow ? followLogs(options) : printLogs(options))),
  );

  program
    .command('connect')
    .description(
      'Bridge stdin/stdout to the running daemon, so an editor shares it with the dashboard and CI instead of starting its own.',
    )
    .requiredOption('--stdio', 'speak JSON-RPC with LSP framing on stdin/stdout (the only mode)')
    .option(
      '--workspace <dir>',
      'where to look for .reloadd/daemon.json (default: here, then each parent)',
    )
    .action(async (options: CommonOptions) => {
      const code = await bridgeStdio(await locate(options)).catch((error: unknown) => {
        throw asCliExit(error);
      });
      process.exit(code);
    });
}

interface LogsOptions extends CommonOptions {
  follow?: boolean;
  lines?: string;
  plugin?: string;
  level: (typeof LogLevels)[number];
}

async function printLogs(options: LogsOptions): Promise<void> {
  const style = new TerminalStyle();
  const last = lastLines(options);
  await withDaemon(options, async (client) => {
    // The buffered entries arrive as notifications before the answer to log/subscribe.
    const entries: LogEntry[] = [];
    client.onNotification(LogEntryNotification, (entry) => entries.push(entry));
    await client.request(LogSubscribe, { ...logFilter(options), ...last });
    await client.request(LogUnsubscribe, null);
    for (const entry of entries) printEntry(options, entry, style);
  });
}

/** Runs until Ctrl-C; if the daemon restarts, picks up where it left off (or says what was lost). */
async function followLogs(options: LogsOptions): Promise<void> {
  const style = new TerminalStyle();
  const first = lastLines(options, 10);
  let lastSeq: number | undefined;
  let daemonRun: string | undefined;
  const session = new ReconnectingClient({
    clientName: CLIENT_NAME,
    locate: () => locate(options),
    onConnect: async (client, reconnected) => {
      const { pid, startedAt } = await client.request(DaemonStatus, null);
      // Sequence numbers belong to one daemon's run: a new daemon replays from its start.
      const run = `${pid}@${startedAt}`;
      if (run !== daemonRun) lastSeq = undefined;
      daemonRun = run;
      // After a reconnection, everything since the last entry seen; at first, like `tail -f`.
      const { complete } = await client.request(LogSubscribe, {
        ...logFilter(options),
        ...(lastSeq !== undefined ? { since: lastSeq } : first),
      });
      if (reconnected) process.stderr.write('reloadd: reconnected to the daemon\n');
      if (!complete) process.stderr.write('reloadd: some entries were lost while disconnected\n');
    },
    onDisconnect: () => process.stderr.write('reloadd: lost the daemon; reconnecting…\n'),
  });
  session.onNotification(LogEntryNotification, (entry) => {
    lastSeq = entry.seq;
    printEntry(options, entry, style);
  });
  await session.start().catch((error: unknown) => {
    throw asCliExit(error);
  });
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
  });
  await session.close();
}

function lastLines(options: LogsOptions, byDefault?: number): { last?: number } {
  if (options.lines === undefined) return byDefault === undefined ? {} : { last: byDefault };
  const last = Number(options.lines);
  if (!Number.isInteger(last) || last < 0)
    throw usage(`--lines must be a whole number of entries, not "${options.lines}"`);
  return { last };
}

function logFilter(options: LogsOptions) {
  return { level: options.level, ...(options.plugin ? { pluginId: options.plugin } : {}) };
}

function printEntry(options: CommonOptions, entry: LogEntry, style: TerminalStyle): void {
  // --json: one entry per line (NDJSON), so a script can read the stream as it comes.
  process.stdout.write(`${options.json ? JSON.stringify(entry) : formatLogEntry(entry, style)}\n`);
}

function locate(options: CommonOptions): Promise<DaemonEndpoint> {
  return untilReachable(options, () => findDaemon(options.workspace ?? process.cwd()));
}

/**
 * Tries `attempt` until it stops failing with NoDaemonError or `--wait` runs out: a daemon that is
 * starting has no discovery file yet, or has one but is not yet listening.
 */
async function untilReachable<T>(options: CommonOptions, attempt: () => Promise<T>): Promise<T> {
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

function waitSeconds(options: CommonOptions): number {
  if (options.wait === undefined) return 0;
  const seconds = Number(options.wait);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
    throw usage(`--wait must be a number of seconds from 0 to 3600, not "${options.wait}"`);
  return seconds;
}

/** Connects, runs one exchange, and ends the session politely (shutdown + exit end only it). */
async function withDaemon<T>(
  options: CommonOptions,
  work: (client: ReloaddClient) => Promise<T>,
): Promise<T> {
  const client = await untilReachable(options, async () =>
    connectWebSocket(await findDaemon(options.workspace ?? process.cwd())),
  );
  let gone = false;
  client.onClose(() => {
    gone = true;
  });
  try {
    await client.initialize(CLIENT_NAME);
    return await work(client);
  } catch (error) {
    if (gone) throw new CliExit(ExitCode.NoDaemon, 'the daemon went away before it answered');
    throw asCliExit(error);
  } finally {
    await client.shutdown().catch(() => undefined);
    client.dispose();
  }
}

function asCliExit(error: unknown): unknown {
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
async function reporting(options: CommonOptions, work: () => Promise<void>): Promise<void> {
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

function generationNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw usage(`${flag} must be a generation number, not "${text}"`);
  return n;
}

function usage(message: string): CliExit {
  return new CliExit(ExitCode.Usage, message);
}

function print<T>(options: CommonOptions, value: T, human: (style: TerminalStyle) => string): void {
  process.stdout.write(
    `${options.json ? JSON.stringify(value, null, 2) : human(new TerminalStyle())}\n`,
  );
}
