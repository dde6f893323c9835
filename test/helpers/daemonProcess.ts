import type { ChildProcess } from 'node:child_process';
import { afterAll } from 'vitest';
import type { CancellationToken } from 'vscode-jsonrpc';
import { type ReloaddClient, spawnStdioDaemon } from '../../src/clients/index.js';
import {
  DidReload,
  type DidReloadParams,
  type EditorCallParams,
  PublishDiagnostics,
  type PublishDiagnosticsParams,
} from '../../src/protocol/index.js';
import { collectOutput } from './childOutput.js';
import { NotificationLog } from './NotificationLog.js';
import { CLI_PATH } from './paths.js';

const running = new Set<ChildProcess>();
afterAll(() => {
  // Whatever a failed test left running is killed here, so no test run leaves processes behind.
  for (const child of running) child.kill('SIGKILL');
});

export interface DaemonUnderTest {
  client: ReloaddClient;
  child: ChildProcess;
  reloads: NotificationLog<DidReloadParams>;
  diagnostics: NotificationLog<PublishDiagnosticsParams>;
  stderr: () => string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** shutdown + exit; resolves with the process's exit code. */
  stop(): Promise<number | null>;
}

/** Spawns the built daemon over stdio, as an editor would. `initialize: false` skips the handshake. */
export async function startDaemon(
  pluginsDir: string,
  options: {
    args?: string[];
    initialize?: boolean;
    expectPlugins?: number;
    /** Also listen on a free loopback port, with the discovery file in this folder. */
    workspace?: string;
    /** Play an editor: declare these calls in `initialize` and answer them with `onCall`. */
    editor?: {
      calls: string[];
      onCall(params: EditorCallParams, token: CancellationToken): unknown;
    };
  } = {},
): Promise<DaemonUnderTest> {
  const args = [
    CLI_PATH,
    'serve',
    '--stdio',
    '--plugins',
    pluginsDir,
    '--log-level',
    'debug',
    ...(options.workspace ? ['--port', '0', '--workspace', options.workspace] : []),
    ...(options.args ?? []),
  ];
  // Never the repository: a test daemon's discovery file must not land where a real one lives.
  const { client, child } = spawnStdioDaemon(process.execPath, args, {
    cwd: options.workspace ?? pluginsDir,
  });
  running.add(child);
  const output = collectOutput(child);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
  });
  const reloads = NotificationLog.of(client, DidReload);
  const diagnostics = NotificationLog.of(client, PublishDiagnostics);
  const daemon: DaemonUnderTest = {
    client,
    child,
    reloads,
    diagnostics,
    stderr: output.stderr,
    exited,
    async stop() {
      if (child.exitCode === null) {
        await client.shutdown().catch(() => undefined);
      }
      const code = await exited;
      client.dispose();
      return code;
    },
  };
  if (options.editor) {
    client.onEditorCall(options.editor.onCall);
  }
  if (options.initialize !== false) {
    await client.initialize(
      'reloadd-tests',
      options.editor ? { editor: { calls: options.editor.calls } } : {},
    );
    if (options.expectPlugins !== undefined) {
      // Startup is over when every plugin has reported its first load.
      const ids = new Set<string>();
      await reloads.waitFor(
        (r) => {
          if (r.trigger === 'startup') ids.add(r.id);
          return ids.size >= (options.expectPlugins ?? 0);
        },
        { what: `${options.expectPlugins} startup loads` },
      );
    }
  }
  return daemon;
}
