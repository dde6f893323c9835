import { LogEntry, type LogLevelName, LogLevels } from '../../protocol/index.js';

/** pino's numeric levels. */
const LEVEL_NAMES = new Map<number, LogLevelName>([
  [10, 'trace'],
  [20, 'debug'],
  [30, 'info'],
  [40, 'warn'],
  [50, 'error'],
  [60, 'fatal'],
]);

/** A plugin that logs a megabyte a line must not fill the daemon's memory or its clients'. */
const MAX_MESSAGE_CHARS = 16_384;
const MAX_DATA_CHARS = 16_384;

const ReloadTrace = LogEntry.shape.reload.unwrap();

export interface LogFilter {
  level?: LogLevelName;
  pluginId?: string;
  since?: number;
  /** Replay only the most recent this many matching entries. */
  last?: number;
}

export interface LogSubscription {
  replayed: number;
  complete: boolean;
  dispose(): void;
}

interface Subscriber {
  minRank: number;
  pluginId: string | undefined;
  send(entry: LogEntry): void;
}

/**
 * The daemon's last `capacity` log entries, and the clients following them. It is a pino
 * destination: every line the daemon logs (plugins' `ctx.log` lines included) passes through
 * `write`, whatever the console's level.
 */
export class LogRing {
  private readonly entries: LogEntry[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private nextSeq = 1;

  constructor(private readonly capacity: number) {}

  /** pino calls this with one serialized JSON line per entry. */
  write(line: string): void {
    const entry = this.toEntry(line);
    if (!entry) return;
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    for (const subscriber of this.subscribers) {
      if (matches(subscriber, entry)) subscriber.send(entry);
    }
  }

  /**
   * Replays the buffered entries that match (those after `since`, if given), then sends each new
   * one as it is logged. Nothing is missed or sent twice between the replay and the live entries:
   * both happen on this thread, one after the other.
   */
  subscribe(filter: LogFilter, send: (entry: LogEntry) => void): LogSubscription {
    const subscriber: Subscriber = {
      minRank: LogLevels.indexOf(filter.level ?? 'info'),
      pluginId: filter.pluginId,
      send,
    };
    const since = filter.since ?? 0;
    const oldest = this.entries[0]?.seq ?? this.nextSeq;
    const wanted = this.entries.filter((e) => e.seq > since && matches(subscriber, e));
    const replay = filter.last === undefined ? wanted : wanted.slice(wanted.length - filter.last);
    for (const entry of filter.last === 0 ? [] : replay) send(entry);
    const replayed = filter.last === 0 ? 0 : replay.length;
    this.subscribers.add(subscriber);
    return {
      replayed,
      // Incomplete: entries after `since` have left the buffer, or `since` is from another
      // daemon's numbering (it is past anything this one has logged).
      complete: filter.since === undefined || (since + 1 >= oldest && since < this.nextSeq),
      dispose: () => this.subscribers.delete(subscriber),
    };
  }

  /**
   * As `subscribe`, to a connection: the first entry that cannot be sent ends the stream. Going
   * on would feed back: the failure is itself logged (by vscode-jsonrpc), that line is an entry
   * for this same stream, its send fails too, and so on, in microtasks that never let the
   * socket's close event run.
   */
  stream(filter: LogFilter, send: (entry: LogEntry) => Promise<unknown>): LogSubscription {
    let stopped = false;
    let subscription: LogSubscription | undefined;
    const stop = () => {
      stopped = true;
      subscription?.dispose();
    };
    subscription = this.subscribe(filter, (entry) => {
      if (stopped) return;
      try {
        send(entry).catch(stop);
      } catch {
        stop(); // The connection is already closed or disposed.
      }
    });
    if (stopped) subscription.dispose();
    return subscription;
  }

  /** The entries kept now, oldest first. */
  snapshot(): readonly LogEntry[] {
    return this.entries;
  }

  private toEntry(line: string): LogEntry | undefined {
    let raw: Record<string, unknown>;
    try {
      raw = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    const { level, time, msg, plugin, reload, pid: _pid, hostname: _hostname, ...rest } = raw;
    const entry: LogEntry = {
      seq: this.nextSeq++,
      time: new Date(typeof time === 'number' ? time : Date.now()).toISOString(),
      level: LEVEL_NAMES.get(level as number) ?? 'info',
      message: truncate(typeof msg === 'string' ? msg : '', MAX_MESSAGE_CHARS),
    };
    if (typeof plugin === 'string') entry.pluginId = plugin;
    // Checked against the protocol's own shape of a reload trace.
    const trace = ReloadTrace.safeParse(reload);
    if (trace.success) entry.reload = trace.data;
    if (Object.keys(rest).length > 0) {
      const size = JSON.stringify(rest).length;
      entry.data =
        size <= MAX_DATA_CHARS ? rest : { truncated: `${size} characters of fields left out` };
    }
    return entry;
  }
}

function matches(subscriber: Subscriber, entry: LogEntry): boolean {
  if (LogLevels.indexOf(entry.level) < subscriber.minRank) return false;
  return subscriber.pluginId === undefined || entry.pluginId === subscriber.pluginId;
}

function truncate(text: string, max: number): string {
  return text.length <= max
    ? text
    : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
