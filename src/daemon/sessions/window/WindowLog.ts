import type { MessageConnection } from 'vscode-jsonrpc';
import { type LogEntry, LogMessage, MessageType } from '../../../protocol/index.js';
import type { LogRing, LogSubscription } from '../../logs/LogRing.js';

const TYPE_OF_LEVEL: Partial<Record<LogEntry['level'], MessageType>> = {
  fatal: MessageType.Error,
  error: MessageType.Error,
  warn: MessageType.Warning,
};

/** "[counter] reloaded generation 2 in 5 ms (…)": a log entry as an editor's output log shows it. */
export function logLine(entry: LogEntry): { type: MessageType; message: string } {
  return {
    type: TYPE_OF_LEVEL[entry.level] ?? MessageType.Log,
    message: entry.pluginId ? `[${entry.pluginId}] ${entry.message}` : entry.message,
  };
}

/**
 * The daemon's log, from info up, as `window/logMessage` to one client: each reload with its
 * phases, what plugins log, the daemon's own lines. It is what an editor shows in its output or
 * LSP log, where a language server's lines go; the console (stderr under an editor) keeps
 * warnings and errors.
 */
export class WindowLog {
  private subscription: LogSubscription | undefined;

  constructor(
    private readonly connection: MessageConnection,
    private readonly logs: LogRing,
  ) {}

  /**
   * From now on; `replay` sends what the ring holds first (the editor that started the daemon
   * was not there to see it start).
   */
  follow(replay: boolean): void {
    this.subscription ??= this.logs.stream(
      { level: 'info', ...(replay ? {} : { last: 0 }) },
      (entry) => this.connection.sendNotification(LogMessage.method, logLine(entry)),
    );
  }

  dispose(): void {
    this.subscription?.dispose();
  }
}
