import { stat } from 'node:fs/promises';
import { type ServeSettings, UsageError } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { ReloadDaemon } from './ReloadDaemon.js';
import { bindProtocol, connectionChannel, createServerConnection } from './rpcServer.js';
import { VERSION } from './version.js';

const CLIENT_PROCESS_POLL_MS = 3000;

/**
 * `reloadd serve`. With --stdio, an editor owns the process: the protocol runs on stdin/stdout,
 * logs go to stderr, and plugins load once the editor has sent `initialized`. Without it, the
 * daemon loads plugins at once and prints what happens, for a person at a terminal.
 */
export async function serve(settings: ServeSettings): Promise<void> {
  const isDir = await stat(settings.pluginsDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) throw new UsageError(`plugins folder ${settings.pluginsDir} does not exist`);

  const logger = createLogger({
    level: settings.logLevel,
    mode: settings.stdio ? 'stdio' : 'standalone',
  });
  const daemon = new ReloadDaemon({
    pluginsDir: settings.pluginsDir,
    ...(settings.stateDir ? { stateDir: settings.stateDir } : {}),
    debounceMs: settings.debounceMs,
    hotReload: settings.hotReload,
    logger,
    version: VERSION,
    limits: { lifecycleMs: settings.lifecycleTimeoutMs, commandMs: settings.commandTimeoutMs },
    hostMemoryMb: settings.hostMemoryMb,
  });
  keepAliveOnPluginErrors(logger);

  let exiting = false;
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    daemon
      .shutdown()
      .catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'))
      .finally(() => process.exit(code));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => exit(0));

  if (!settings.stdio) {
    logger.info(
      { pluginsDir: settings.pluginsDir, hotReload: settings.hotReload },
      `reloadd ${VERSION} watching ${settings.pluginsDir}`,
    );
    await daemon.start();
    return;
  }

  const connection = createServerConnection(process.stdin, process.stdout, logger);
  daemon.clients.add(connectionChannel(connection, logger));
  bindProtocol(connection, daemon, {
    logger,
    version: VERSION,
    hooks: {
      onInitialized: () => {
        daemon
          .start()
          .catch((error: unknown) => logger.error({ err: error }, 'daemon failed to start'));
      },
      onExit: exit,
      watchClientProcess: (pid) => {
        // LSP: when the editor's process is gone, the daemon goes too, even if stdin stays open.
        const timer = setInterval(() => {
          try {
            process.kill(pid, 0);
          } catch (error) {
            // EPERM: it exists but belongs to someone else. Only ESRCH means it is gone.
            if ((error as NodeJS.ErrnoException).code !== 'ESRCH') return;
            logger.warn({ clientPid: pid }, 'the client process is gone; exiting');
            exit(1);
          }
        }, CLIENT_PROCESS_POLL_MS);
        timer.unref();
      },
    },
  });
  connection.listen();
}

/**
 * Plugin code runs in this process; an error it lets escape (from a handler the daemon does not
 * wrap) is logged rather than allowed to end every other plugin and the editor's session.
 */
function keepAliveOnPluginErrors(logger: Logger): void {
  process.on('unhandledRejection', (reason) =>
    logger.error({ err: reason }, 'unhandled promise rejection'),
  );
  process.on('uncaughtException', (error) => logger.error({ err: error }, 'uncaught exception'));
}
