import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterAll } from 'vitest';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { ReloaddClient } from '../../src/clients/index.js';
import { createDaemon } from '../../src/daemon/core/createDaemon.js';
import type { ReloadDaemon } from '../../src/daemon/core/ReloadDaemon.js';
import { LogRing } from '../../src/daemon/logs/LogRing.js';
import { ClientSession } from '../../src/daemon/sessions/ClientSession.js';
import { createServerConnection } from '../../src/daemon/sessions/serverConnection.js';
import {
  DidChangeStatus,
  DidReload,
  type EditorCallParams,
  PublishDiagnostics,
} from '../../src/protocol/index.js';
import { NotificationLog } from './NotificationLog.js';
import { ROOT } from './paths.js';

const open: ReloadDaemon[] = [];
afterAll(async () => {
  await Promise.all(open.splice(0).map((d) => d.shutdown()));
});

/**
 * The daemon core and its protocol wiring, connected to a client through an in-memory duplex
 * pair: no process, the same code paths as over stdio.
 */
export async function connectInMemory(
  pluginsDir: string,
  options: {
    stateDir?: string;
    debounceMs?: number;
    /** Poll the files this often instead of inotify: a long one leaves the editor's saves alone to tell. */
    pollMs?: number;
    initialize?: boolean;
    expectPlugins?: number;
    lifecycleMs?: number;
    commandMs?: number;
    hostMemoryMb?: number;
    logBufferSize?: number;
    editorCallTimeoutMs?: number;
    snapshotLimits?: { history?: number; maxSnapshotBytes?: number };
    pluginPolicy?: {
      defaultIsolation?: 'shared' | 'dedicated' | 'process';
      requirePermissions?: boolean;
      watch?: string[];
    };
    ignore?: string[];
    /**
     * Type-check TypeScript plugins after their reloads, as `serve` does unless `--no-typecheck`;
     * a module name loads the compiler from there instead of `typescript`.
     */
    typecheck?: boolean | { compiler: string };
    /** Play an editor: declare these calls in `initialize` and answer them with `onCall`. */
    editor?: { calls: string[]; onCall(params: EditorCallParams): unknown };
  } = {},
) {
  const toServer = new PassThrough();
  const toClient = new PassThrough();
  // Logs go to the ring alone (what log/subscribe serves), not to the test's output.
  const logs = new LogRing(options.logBufferSize ?? 1000);
  const logger = pino({ level: 'debug' }, logs);
  const daemon = createDaemon({
    pluginsDir,
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    debounceMs: options.debounceMs ?? 20,
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    hotReload: true,
    logger,
    version: '0.0.0-test',
    limits: { lifecycleMs: options.lifecycleMs ?? 2000, commandMs: options.commandMs ?? 10_000 },
    hostMemoryMb: options.hostMemoryMb ?? 512,
    editorCallTimeoutMs: options.editorCallTimeoutMs ?? 10_000,
    ...(options.snapshotLimits ? { snapshotLimits: options.snapshotLimits } : {}),
    ...(options.pluginPolicy ? { pluginPolicy: options.pluginPolicy } : {}),
    ...(options.ignore ? { ignore: options.ignore } : {}),
    ...(options.typecheck
      ? {
          typeCheck: {
            workerPath: pathToFileURL(
              path.join(ROOT, 'dist', 'daemon', 'typechecking', 'typeCheckWorker.js'),
            ),
            pluginTypes: pathToFileURL(path.join(ROOT, 'dist', 'plugin', 'index.d.ts')),
            ...(typeof options.typecheck === 'object' ? options.typecheck : {}),
          },
        }
      : {}),
    // Tests run from sources; plugin hosts run the built worker (npm test builds first).
    hostWorkerPath: pathToFileURL(path.join(ROOT, 'dist', 'daemon', 'worker', 'hostWorker.js')),
  });
  open.push(daemon);
  const server = createServerConnection(
    { reader: new StreamMessageReader(toServer), writer: new StreamMessageWriter(toClient) },
    logger,
  );
  const exits: number[] = [];
  let initializedCount = 0;
  let markStarted!: (start: Promise<void>) => void;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  new ClientSession(
    server,
    { daemon, logs, url: () => null },
    {
      logger,
      version: '0.0.0-test',
      transport: 'stdio',
      owner: true,
      hooks: {
        onInitialized: () => {
          initializedCount += 1;
          markStarted(daemon.start());
        },
        onExit: (code) => exits.push(code),
      },
    },
  );
  server.listen();
  const clientConnection = createMessageConnection(
    new StreamMessageReader(toClient),
    new StreamMessageWriter(toServer),
  );
  clientConnection.listen();
  const client = new ReloaddClient(clientConnection, { processId: process.pid });
  const reloads = NotificationLog.of(client, DidReload);
  const diagnostics = NotificationLog.of(client, PublishDiagnostics);
  const statuses = NotificationLog.of(client, DidChangeStatus);
  if (options.editor) client.onEditorCall(options.editor.onCall);
  if (options.initialize !== false) {
    await client.initialize(
      'in-memory-test',
      options.editor ? { editor: { calls: options.editor.calls } } : {},
    );
    await started;
    const expected = options.expectPlugins ?? 0;
    if (expected > 0) {
      await reloads.waitFor(
        () => reloads.all.filter((r) => r.trigger === 'startup').length >= expected,
      );
    }
  }
  return {
    client,
    daemon,
    logs,
    exits,
    reloads,
    diagnostics,
    statuses,
    /** How many times the wiring asked the core to start. */
    initializedCount: () => initializedCount,
    /** Resolves when the startup load (triggered by `initialized`) is complete. */
    started: () => started,
  };
}
