import { writeFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import {
  DaemonStatus,
  DashboardOpenCode,
  dashboardCodeLink,
  dashboardLink,
  type LogEntry,
  LogEntryNotification,
  LogLevels,
  LogSubscribe,
  LogUnsubscribe,
  PluginDiagnostics,
  PluginGetState,
  PluginList,
  PluginProfile,
  PluginReload,
  PluginRestoreSnapshot,
} from '../../protocol/index.js';
import { ReconnectingClient } from '../ReconnectingClient.js';
import {
  asCliExit,
  CLIENT_NAME,
  type CommonOptions,
  commonOptions,
  generationNumber,
  locate,
  print,
  reporting,
  usage,
  withDaemon,
} from './daemonSession.js';
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
import { ProgressLine } from './ProgressLine.js';
import { bridgeStdio } from './stdioBridge.js';
import { TerminalStyle } from './TerminalStyle.js';

/**
 * The commands that talk to a running daemon (found through `.reloadd/daemon.json`): for people
 * (readable output, colour on a terminal) and for scripts (`--json`, exit codes).
 */
export function addClientCommands(program: Command): void {
  const common = commonOptions;
  const CLI_PROGRESS_TOKEN = 'reloadd-cli';

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
      // At a terminal, a line that says how far the reloads have come.
      const line = ProgressLine.onTerminal(options.json);
      const { results } = await withDaemon(options, async (client) => {
        const following = line?.follow(client, CLI_PROGRESS_TOKEN);
        try {
          return await client.request(PluginReload, {
            ...(options.all ? { all: true } : { ids }),
            ...(line ? { workDoneToken: CLI_PROGRESS_TOKEN } : {}),
          });
        } finally {
          following?.dispose();
          line?.clear();
        }
      });
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
      .command('profile')
      .description(
        "Record a CPU profile of a plugin's host; writes a .cpuprofile, prints the plugin's busiest functions.",
      )
      .argument('<id>', 'plugin id')
      .option('--seconds <s>', 'how long to record', '5')
      .option(
        '--output <file>',
        'where to write the .cpuprofile (Chrome DevTools, VS Code open it)',
      ),
  ).action((id: string, options: CommonOptions & { seconds: string; output?: string }) =>
    reporting(options, async () => {
      const seconds = Number(options.seconds);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 60)
        throw usage(`--seconds must be a number from 0 to 60, not "${options.seconds}"`);
      const result = await withDaemon(options, (client) =>
        client.request(PluginProfile, { id, durationMs: Math.round(seconds * 1000) }),
      );
      const output = options.output ?? `${id}.cpuprofile`;
      await writeFile(output, JSON.stringify(result.profile));
      const { profile: _profile, ...summary } = result;
      print(options, { ...summary, output }, () =>
        [
          `${id} generation ${result.generation}: ${seconds} s profiled, written to ${output}`,
          ...result.topFrames.map(
            (f) =>
              `  ${f.selfMs.toFixed(1).padStart(8)} ms  ${f.functionName}  ${f.file}:${f.line}`,
          ),
        ].join('\n'),
      );
    }),
  );

  common(
    program
      .command('dashboard')
      .description("Print the link to the running daemon's dashboard (it holds the token).")
      .option(
        '--open',
        'open it in the default browser too, with a one-time code in place of the token',
      ),
  ).action((options: CommonOptions & { open?: boolean }) =>
    reporting(options, async () => {
      const endpoint = await locate(options);
      const link = dashboardLink(endpoint.url, endpoint.token);
      print(options, { url: link }, () => link);
      if (!options.open) return;
      // The opener's command line is readable by every local user: it gets a code that opens
      // one session, once, soon, and never the token.
      const { code } = await withDaemon(options, (client) =>
        client.request(DashboardOpenCode, null),
      );
      await openInBrowser(dashboardCodeLink(endpoint.url, code));
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
