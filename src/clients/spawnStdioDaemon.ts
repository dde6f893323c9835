import { type ChildProcess, spawn } from 'node:child_process';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { ReloaddClient } from './ReloaddClient.js';

/** Starts `reloadd serve --stdio ...` as a child process and connects to it, as an editor does. */
export function spawnStdioDaemon(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { client: ReloaddClient; child: ChildProcess } {
  const child = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
  if (!child.stdout || !child.stdin) throw new Error('the daemon process has no stdio pipes');
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  connection.listen();
  return { client: new ReloaddClient(connection, { processId: process.pid }), child };
}
