import { z } from 'zod';
import { InspectorInfo } from './debugging.js';
import { Direction, NoParams, request } from './define.js';

export const ReloadStatistics = z.object({
  /** Reloads after startup (file, request and dependency triggers). */
  count: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  /** succeeded / count, between 0 and 1; null before the first reload. */
  successRate: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
});
export type ReloadStatistics = z.infer<typeof ReloadStatistics>;

/** Memory, in bytes: the daemon's process, and each plugin host (a worker thread in it). */
export const DaemonMemory = z.object({
  /** The whole process (the daemon's thread and every plugin host's). */
  rssBytes: z.number().int(),
  /** The daemon's own thread's JS heap. */
  heapUsedBytes: z.number().int(),
  hosts: z.array(
    z.object({
      /** "shared", "plugin:ID" or "process:ID" (`hostName`). */
      name: z.string(),
      plugins: z.array(z.string()),
      /** The host's JS heap (capped by --host-memory); absent when it did not answer in 1 s. */
      heapUsedBytes: z.number().int().optional(),
      heapTotalBytes: z.number().int().optional(),
      /** Outside the JS heap (Buffers, ArrayBuffers): not capped by --host-memory in a worker. */
      externalBytes: z.number().int().optional(),
      /** A process host's whole footprint, which its cap bounds (absent for worker hosts). */
      rssBytes: z.number().int().optional(),
    }),
  ),
});
export type DaemonMemory = z.infer<typeof DaemonMemory>;

export const ConnectedClient = z.object({
  /** Numbered from 1, in the order clients were answered `initialize`, for this daemon's lifetime. */
  id: z.number().int(),
  transport: z.enum(['stdio', 'websocket']),
  /** `clientInfo.name` from its `initialize`. */
  name: z.string().optional(),
  /** ISO 8601. */
  connectedAt: z.string(),
});
export type ConnectedClient = z.infer<typeof ConnectedClient>;

export const DaemonStatus = request(
  'daemon/status',
  Direction.ClientToDaemon,
  NoParams,
  z.object({
    version: z.string(),
    pid: z.number().int(),
    /** ISO 8601. With `pid`, it tells one daemon run from another (log `seq`s restart with it). */
    startedAt: z.string(),
    uptimeMs: z.number(),
    pluginsDir: z.string(),
    /** The WebSocket endpoint (`ws://127.0.0.1:PORT/rpc`), or null when the daemon does not listen. */
    url: z.string().nullable(),
    /** Clients that have been answered `initialize` (they get every notification), the one asking included. */
    clients: z.array(ConnectedClient),
    hotReload: z.boolean(),
    /** Files changed while hot reload was off; they reload when it is switched back on. */
    heldChanges: z.number().int(),
    /** The quiet window that ends a burst of saves (`--debounce`; a lone save waits 3 ms). */
    debounceMs: z.number().int(),
    /** The polling interval with `--poll`; null when inotify (or the platform's events) tells. */
    pollMs: z.number().int().nullable(),
    /**
     * The type checks of TypeScript plugins after their reloads: `on`, `off` (`--no-typecheck`),
     * or `unavailable` (the TypeScript compiler cannot be loaded where reloadd is installed).
     */
    typecheck: z.enum(['on', 'off', 'unavailable']),
    plugins: z.object({
      total: z.number().int(),
      loading: z.number().int(),
      active: z.number().int(),
      failed: z.number().int(),
      disabled: z.number().int(),
    }),
    reloads: ReloadStatistics,
    memory: DaemonMemory,
    /** The plugins whose latest load took longest in their own code (plugin/list's `activation`). */
    slowestActivations: z.array(z.object({ id: z.string(), totalMs: z.number() })),
    /** The inspector a debugger attaches to; null unless the daemon runs with `--inspect`. */
    inspector: InspectorInfo.nullable(),
  }),
);

export const DaemonSetHotReload = request(
  'daemon/setHotReload',
  Direction.ClientToDaemon,
  z.object({ enabled: z.boolean() }),
  z.object({ enabled: z.boolean() }),
);
