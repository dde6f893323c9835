import { z } from 'zod';
import { Direction, NoParams, notification, request } from './define.js';
import { RequestedBySchema } from './status.js';

/** pino's level names, lowest first; a subscription gets its level and every higher one. */
export const LogLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export const LogLevelSchema = z.enum(LogLevels);
export type LogLevelName = z.infer<typeof LogLevelSchema>;

/** How long each phase of one reload took, in milliseconds. */
export const ReloadPhases = z.object({
  /** First file event → the reload starts (any wait for a reload of the plugin under way). */
  detect: z.number().optional(),
  /** esbuild bundling the plugin's files. */
  build: z.number(),
  /**
   * Built and evaluated, waiting for the writes to be over before the swap (the quiet window of
   * a lone save, or `--debounce` in a burst); 0 when they already were.
   */
  settle: z.number().optional(),
  /** The plugin host making a fresh realm and evaluating the bundle in it: a new generation. */
  evaluate: z.number(),
  /**
   * Reading the fingerprints of the plugin's files, before the build and again before the swap
   * (a file that moved under the build makes it stale).
   */
  check: z.number().optional(),
  /** The load's and the swap's messages to the plugin host and back, beyond the host's own work. */
  hostTrips: z.number().optional(),
  saveState: z.number(),
  deactivate: z.number(),
  /** `activate`, with the promise it returned. */
  activate: z.number(),
  /** Of `activate`, the call itself (until it returned); the rest waited for its promise. */
  activateCall: z.number().optional(),
  restoreState: z.number(),
  /**
   * After the swap, until `plugin/didReload` is sent: the plugin's record, its diagnostics, the
   * statistics. Outside `durationMs`, as `detect` is.
   */
  commit: z.number().optional(),
});
export type ReloadPhases = z.infer<typeof ReloadPhases>;

/**
 * How a reload's phases read on one line: "detect 21.3, build 2.1, …, restore 0.1 ms + check 0.1,
 * host trips 0.7, commit 0.04 ms".
 */
export function describePhases(p: ReloadPhases, separator = ', '): string {
  const parts = [
    ...(p.detect !== undefined ? [`detect ${p.detect}`] : []),
    `build ${p.build}`,
    ...(p.settle ? [`settle ${p.settle}`] : []),
    `evaluate ${p.evaluate}`,
    `save ${p.saveState}`,
    `deactivate ${p.deactivate}`,
    p.activateCall !== undefined && p.activate - p.activateCall >= 0.01
      ? `activate ${p.activate} (its promise ${round(p.activate - p.activateCall)})`
      : `activate ${p.activate}`,
    `restore ${p.restoreState}`,
  ];
  // What lies around the plugin's own steps: the daemon's looks at the files, its messages to
  // the host, and its bookkeeping before clients are told.
  const around = [
    ...(p.check !== undefined ? [`check ${p.check}`] : []),
    ...(p.hostTrips !== undefined ? [`host trips ${p.hostTrips}`] : []),
    ...(p.commit !== undefined ? [`commit ${p.commit}`] : []),
  ];
  const aside = around.length > 0 ? ` + ${around.join(separator)} ms` : '';
  return `${parts.join(separator)} ms${aside}`;
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** One entry of the daemon's log: its own lines, and plugins' `ctx.log` lines (with `pluginId`). */
export const LogEntry = z.object({
  /** Increases by one per entry for the daemon's lifetime: a reconnecting client resumes after it. */
  seq: z.number().int(),
  /** ISO 8601. */
  time: z.string(),
  level: LogLevelSchema,
  message: z.string(),
  pluginId: z.string().optional(),
  /**
   * Present on the one trace line each reload logs: why it ran, how it ended and each phase's
   * duration.
   */
  reload: z
    .object({
      trigger: z.string(),
      ok: z.boolean(),
      generation: z.number().int(),
      durationMs: z.number(),
      phases: ReloadPhases,
      /** The cause, as `plugin/didReload` gives it (a client rebuilds the chain from the log). */
      changedFiles: z.array(z.string()).optional(),
      causedBy: z.array(z.string()).optional(),
      requestedBy: RequestedBySchema.optional(),
      rolledBack: z.boolean().optional(),
    })
    .optional(),
  /** The entry's other structured fields (an error's message and stack, a file, a method...). */
  data: z.record(z.string(), z.unknown()).optional(),
});
export type LogEntry = z.infer<typeof LogEntry>;

export const LogSubscribe = request(
  'log/subscribe',
  Direction.ClientToDaemon,
  z
    .object({
      /** The lowest level sent (default: info). */
      level: LogLevelSchema.optional(),
      /** Only this plugin's entries (its `ctx.log` lines and the daemon's lines about it). */
      pluginId: z.string().min(1).optional(),
      /**
       * Replay only entries with a larger `seq` (a client that reconnects passes the last one it
       * saw). Without it, the whole buffer that matches is replayed.
       */
      since: z.number().int().optional(),
      /** Replay at most this many of them: the most recent (as `tail -n`). 0 replays none. */
      last: z.number().int().min(0).optional(),
    })
    .nullish(),
  z.object({
    /** How many buffered entries were sent (as `log/entry`, before this answer). */
    replayed: z.number().int(),
    /** False when entries after `since` have already left the buffer: some were lost. */
    complete: z.boolean(),
  }),
);

export const LogUnsubscribe = request(
  'log/unsubscribe',
  Direction.ClientToDaemon,
  NoParams,
  z.null(),
);

/** One log entry, for a client that sent `log/subscribe`. */
export const LogEntryNotification = notification('log/entry', Direction.DaemonToClient, LogEntry);
