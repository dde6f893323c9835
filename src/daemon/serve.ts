import path from 'node:path';
import { dashboardLink, PROTOCOL_VERSION } from '../protocol/index.js';
import { isProcessAlive } from '../transport/index.js';
import {
  requirePluginsFolder,
  requireStateFolder,
  type ServeSettings,
} from './config/serveSettings.js';
import { UsageError } from './config/usageError.js';
import { createDaemon } from './core/createDaemon.js';
import { DaemonDebugging } from './debugging/DaemonDebugging.js';
import {
  DASHBOARD_DIR,
  HOST_WORKER_SCRIPT,
  PLUGIN_TYPES,
  TYPE_CHECK_WORKER_SCRIPT,
  VERSION,
} from './installation.js';
import { launcherGone } from './launcher.js';
import { LogRing } from './logs/LogRing.js';
import { createLogger, type Logger } from './logs/logger.js';
import { isLoopback } from './network/accessPolicy.js';
import { DaemonFileClaim } from './network/DaemonFileClaim.js';
import type { DashboardSessions } from './network/DashboardSessions.js';
import type { NetworkListener } from './network/NetworkListener.js';
import type { ServerContext } from './sessions/ClientSession.js';
import { openStdioSession, openWebSocketSession } from './sessions/openSessions.js';
import { EditorStandIn, readStandInScript } from './toClients/EditorStandIn.js';

const CLIENT_PROCESS_POLL_MS = 3000;
/** However stuck a session or a plugin is, a stop ends the process within this. */
const STOP_DEADLINE_MS = 5000;

/**
 * `reloadd serve`. With --stdio, an editor owns the process: the protocol runs on stdin/stdout,
 * logs go to stderr, and plugins load once the editor has sent `initialized`. Without it, the
 * daemon loads plugins at once and prints what happens, for a person at a terminal. Either way,
 * with a port, WebSocket clients (dashboard, CI, a log tail) share the same daemon.
 */
export async function serve(settings: ServeSettings): Promise<void> {
  await requirePluginsFolder(settings.pluginsDir);
  if (settings.stateDir) await requireStateFolder(settings.stateDir);
  const standIn = settings.editorStandIn
    ? await readStandInScript(settings.editorStandIn).catch((error: unknown) => {
        throw new UsageError(`--editor: ${error instanceof Error ? error.message : String(error)}`);
      })
    : undefined;

  const logs = new LogRing(settings.logBufferSize);
  const logger = createLogger({
    level: settings.logLevel,
    mode: settings.stdio ? 'stdio' : 'standalone',
    ring: logs,
  });
  let debugging: DaemonDebugging;
  try {
    debugging = new DaemonDebugging(settings.inspect, (error) =>
      logger.warn({ err: error }, 'the inspector session into a plugin host failed'),
    );
  } catch (error) {
    throw new UsageError(`--inspect: ${(error as Error).message}`);
  }
  if (settings.breakOnError) await debugging.setBreakOnError(true);
  const daemon = createDaemon({
    pluginsDir: settings.pluginsDir,
    ...(settings.stateDir ? { stateDir: settings.stateDir } : {}),
    debounceMs: settings.debounceMs,
    ...(settings.pollMs !== undefined ? { pollMs: settings.pollMs } : {}),
    hotReload: settings.hotReload,
    logger,
    version: VERSION,
    hostWorkerPath: HOST_WORKER_SCRIPT,
    ...(settings.typecheck
      ? { typeCheck: { workerPath: TYPE_CHECK_WORKER_SCRIPT, pluginTypes: PLUGIN_TYPES } }
      : {}),
    limits: {
      lifecycleMs: settings.lifecycleTimeoutMs,
      commandMs: settings.commandTimeoutMs,
      ...(debugging.enabled ? { debugging: true } : {}),
    },
    inspector: debugging.hosts,
    hostMemoryMb: settings.hostMemoryMb,
    editorCallTimeoutMs: settings.editorCallTimeoutMs,
    largeState: {
      largeStateBytes: settings.largeStateBytes,
      largeStateIntervalMs: settings.largeStateIntervalMs,
    },
    pluginPolicy: {
      ...(settings.isolation ? { defaultIsolation: settings.isolation } : {}),
      requirePermissions: settings.requirePermissions,
      watch: settings.watch,
    },
    ignore: settings.ignore,
    snapshotLimits: {
      history: settings.snapshotHistory,
      maxSnapshotBytes: settings.maxSnapshotBytes,
    },
  });
  logUncaughtAsBugs(logger);
  if (standIn && settings.editorStandIn) {
    // Before any plugin loads: a plugin's first editor call finds it. An editor that connects
    // later is the one the user is in, and is asked instead.
    new EditorStandIn(
      daemon,
      standIn,
      `stand-in (${path.basename(settings.editorStandIn)})`,
    ).connect();
    logger.info(
      { editorStandIn: settings.editorStandIn },
      `plugins' editor calls are answered from ${settings.editorStandIn} while no editor is connected`,
    );
  }
  await debugging.serveDevToolsTargets(
    () => daemon.hosts.debugTargets().workers,
    () => daemon.hosts.debugTargets().processes,
    (error) => logger.warn({ err: error }, 'a DevTools connection to a plugin host failed'),
  );
  let listener: NetworkListener | undefined;
  let dashboardSessions: DashboardSessions | undefined;
  const context: ServerContext = {
    daemon,
    logs,
    url: () => listener?.url ?? null,
    dashboardCode: () => dashboardSessions?.codes.issue() ?? null,
    debugging,
    window: {
      notifications: settings.notifications,
      notifySuccess: settings.notifySuccess,
      logMessages: settings.logMessages,
      messageActions: settings.messageActions,
    },
  };
  const inspecting = debugging.info();
  if (inspecting)
    logger.info(
      { inspector: inspecting.url },
      `debugger: VS Code attaches to ${inspecting.host}:${inspecting.port}; Chrome DevTools finds the plugin hosts at ${inspecting.targetsAddress} (chrome://inspect, Configure…); npx reloadd debug PLUGIN says what to paste. Plugin calls have no time limit while a debugger holds them`,
    );
  const session = { logger, version: VERSION };

  let exiting = false;
  let discovery: DaemonFileClaim | undefined;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    setTimeout(() => {
      logger.error(
        `stopping took longer than ${STOP_DEADLINE_MS} ms; exiting without waiting more`,
      );
      process.exit(code);
    }, STOP_DEADLINE_MS);
    // Clients stop being told where the daemon is before it stops answering.
    discovery?.release();
    let exitCode = code;
    daemon
      .shutdown()
      .then((stopped) => {
        // A state the stop could not write is lost (logged by plugin): the exit code says so too.
        if (stopped.statesNotWritten.length > 0 && exitCode === 0) exitCode = 1;
        return listener?.close();
      })
      .catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'))
      .finally(() => process.exit(exitCode));
  };
  const stopSavingState = () => {
    const { active } = daemon.status().plugins;
    logger.info(`stopping: saving the state of ${active} plugin${active === 1 ? '' : 's'}…`);
    exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (exiting) {
        logger.warn(`${signal} again: exiting now, without waiting for the state to be saved`);
        process.exit(1);
      }
      stopSavingState();
    });
  }

  if (settings.listen) {
    const { host, port } = settings.listen;
    if (!isLoopback(host))
      logger.warn(
        `listening on ${host}, which is not a loopback address: only the token keeps others out`,
      );
    // Loaded only when there is a port: an editor's stdio daemon never loads ws and http.
    const { NetworkListener } = await import('./network/NetworkListener.js');
    const { dashboardRoutes } = await import('./network/dashboardRoutes.js');
    const { DashboardSessions } = await import('./network/DashboardSessions.js');
    const sessions = new DashboardSessions();
    dashboardSessions = sessions;
    listener = await NetworkListener.listen({
      host,
      port,
      maxPayloadBytes: settings.maxPayloadBytes,
      logger,
      pages: dashboardRoutes({ dir: DASHBOARD_DIR, sessions, logger }),
      sessions,
      onClient: (socket, request) =>
        openWebSocketSession(socket, request, context, {
          ...session,
          maxBacklogBytes: settings.clientBacklogBytes,
        }),
    });
    const file = new DaemonFileClaim(settings.workspace, logger);
    try {
      await file.claim(
        {
          url: listener.url,
          host,
          port: listener.port,
          pid: process.pid,
          protocolVersion: PROTOCOL_VERSION,
          version: VERSION,
          pluginsDir: settings.pluginsDir,
          // The same instant as daemon/status reports: with the pid, it names this run.
          startedAt: daemon.status().startedAt,
        },
        listener.token,
      );
    } catch (error) {
      await listener.close();
      throw error;
    }
    discovery = file;
    // However the process ends (short of SIGKILL), the file goes with it.
    process.on('exit', () => file.release());
    logger.info(
      { url: listener.url, discoveryFile: file.path, tokenFile: file.tokenPath },
      `listening on ${listener.url}`,
    );
  }

  if (!settings.stdio) {
    logger.info(
      { pluginsDir: settings.pluginsDir, hotReload: settings.hotReload },
      `reloadd ${VERSION} watching ${settings.pluginsDir}`,
    );
    if (listener) {
      // Straight to the terminal, not through the logger: the link holds the token, and log
      // entries reach every client that tails them.
      process.stdout.write(`Dashboard: ${dashboardLink(listener.url, listener.token)}\n`);
      for (const line of howToConnect(settings.workspace)) logger.info(line);
    }
    const parentAtStart = process.ppid;
    const launcher = setInterval(() => {
      const gone = launcherGone(process.env, parentAtStart, process.ppid);
      if (!gone || exiting) return;
      clearInterval(launcher);
      logger.info(gone);
      stopSavingState();
    }, CLIENT_PROCESS_POLL_MS);
    launcher.unref();
    await daemon.start();
    return;
  }

  // While the editor is in the handshake, the folder is read and the plugin host starts.
  daemon
    .prepare()
    .catch((error: unknown) => logger.error({ err: error }, 'reading plugins failed'));
  openStdioSession(context, session, {
    onInitialized: () => {
      daemon
        .start()
        .catch((error: unknown) => logger.error({ err: error }, 'daemon failed to start'));
    },
    onExit: exit,
    onShutdown: async () => {
      // The core has stopped: WebSocket clients are let go now, not when the editor sends exit.
      discovery?.release();
      await listener?.close();
    },
    watchClientProcess: (pid) => {
      // LSP: when the editor's process is gone, the daemon goes too, even if stdin stays open.
      const timer = setInterval(() => {
        if (isProcessAlive(pid)) return;
        logger.warn({ clientPid: pid }, 'the client process is gone; exiting');
        exit(1);
      }, CLIENT_PROCESS_POLL_MS);
      timer.unref();
    },
  });
}

/**
 * Plugin code runs in plugin hosts, not here: an exception or rejection nobody caught on this
 * thread is a bug of reloadd's. It is logged as one, and the daemon carries on (every other
 * session and plugin keeps working, and a stop signal still stops it).
 */
function logUncaughtAsBugs(logger: Logger): void {
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: reason }, 'a bug in reloadd: a promise rejection nobody handled'),
  );
  process.on('uncaughtException', (error) =>
    logger.error({ err: error }, 'a bug in reloadd: an exception nobody caught'),
  );
}

/**
 * What a person at the terminal needs to reach this daemon: the CLI (which finds it through
 * `.reloadd/daemon.json` and the token file it names) and the line an editor runs, spelled as the
 * README and the guides under docs/ spell them: `npx reloadd` runs the reloadd of the project
 * (the repository's own under `npm start`) or the one installed on the machine.
 */
function howToConnect(workspace: string): string[] {
  const cli = 'npx reloadd';
  const here = path.resolve(workspace) === process.cwd() ? '' : ` --workspace ${workspace}`;
  return [
    `the dashboard's link again, any time: ${cli} dashboard${here} (--open to open it)`,
    `from another terminal: ${cli} status${here}, ${cli} logs --follow${here}, ${cli} reload --all${here}, ${cli} exec COMMAND${here}`,
    `from an editor, sharing this daemon: ${cli} connect --stdio${here} (or ${cli} serve --stdio --plugins DIR for one of its own)`,
  ];
}
