import { StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  EXIT_WITHOUT_SHUTDOWN,
  LspMessageReader,
  webSocketTransport,
} from '../../transport/index.js';
import { openDaemonSocket } from '../connectWebSocket.js';
import type { DaemonEndpoint } from '../findDaemon.js';

/**
 * `reloadd connect --stdio`: an editor spawns this as it would `reloadd serve --stdio`, and its
 * messages (LSP framing on stdin/stdout) pass unchanged to and from a running daemon's WebSocket.
 * The editor's session is then one client among others: its `shutdown` and `exit` end only it.
 * Resolves with the exit code: 0 when the session ended (exit, or stdin closed), 1 when the
 * daemon went away first.
 */
export async function bridgeStdio(endpoint: DaemonEndpoint): Promise<number> {
  const socket = await openDaemonSocket(endpoint);
  const fromDaemon = webSocketTransport(socket);
  const fromEditor = new LspMessageReader(process.stdin);
  const toEditor = new StreamMessageWriter(process.stdout);
  let editorDone = false;

  fromEditor.listen((message) => {
    fromDaemon.writer.write(message).catch((error: unknown) => {
      process.stderr.write(`reloadd connect: could not forward a message: ${String(error)}\n`);
    });
  });
  fromDaemon.reader.listen((message) => {
    toEditor.write(message).catch(() => undefined);
  });
  // A frame the daemon sent that is not JSON cannot be forwarded; the editor would choke on it.
  fromDaemon.reader.onError((error) =>
    process.stderr.write(`reloadd connect: dropped a message from the daemon: ${error.message}\n`),
  );
  const editorGone = () => {
    if (editorDone) return;
    editorDone = true;
    socket.close(1000, 'the editor closed stdin');
  };
  fromEditor.onClose(editorGone);
  fromEditor.onError((error) =>
    process.stderr.write(`reloadd connect: cannot read the editor's messages: ${error.message}\n`),
  );
  process.stdin.once('end', editorGone);

  return new Promise<number>((resolve) => {
    socket.on('close', (code, reason) => {
      const why = reason.toString();
      // After the editor's `exit` the daemon closes with 1000: reason "exit" when `shutdown` came
      // first (0, as LSP has it), "exit without shutdown" otherwise (1).
      if (code === 1000 && why === EXIT_WITHOUT_SHUTDOWN) resolve(1);
      else if (editorDone || code === 1000) resolve(0);
      else {
        process.stderr.write(
          `reloadd connect: the daemon closed the connection (${code}${why ? `: ${why}` : ''})\n`,
        );
        resolve(1);
      }
    });
  });
}
