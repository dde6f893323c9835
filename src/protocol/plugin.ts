import { z } from 'zod';
import { Direction, NoParams, request } from './define.js';
import { Diagnostic } from './diagnostics.js';
import {
  PluginIsolationSchema,
  PluginStatus,
  PluginStatusSchema,
  ReloadTriggerSchema,
} from './status.js';
import { ProgressToken } from './window.js';

const PluginId = z.string().min(1);

export const ReloadError = z.object({
  /** A stable `RELOADD_...` code, usually the code of the diagnostic that explains it. */
  code: z.string(),
  message: z.string(),
  file: z.string().optional(),
  range: Diagnostic.shape.range,
});
export type ReloadError = z.infer<typeof ReloadError>;

export const ReloadResult = z.object({
  id: z.string(),
  ok: z.boolean(),
  /** The generation running after this reload (unchanged when it failed; 0: none ever ran). */
  generation: z.number().int(),
  durationMs: z.number(),
  error: ReloadError.optional(),
});
export type ReloadResult = z.infer<typeof ReloadResult>;

/**
 * The plugin's own share of one load, as VS Code's Running Extensions view shows it: its module
 * evaluated (top-level code), `activate` (the call and the promise it returned), and
 * `restoreState`. Milliseconds.
 */
export const ActivationTimings = z.object({
  generation: z.number().int(),
  /** ISO 8601. */
  at: z.string(),
  trigger: ReloadTriggerSchema,
  moduleLoadMs: z.number(),
  /** `activate`, with the promise it returned. */
  activateMs: z.number(),
  /** Of `activateMs`, the call until it returned; the rest waited for its promise. */
  activateCallMs: z.number(),
  restoreStateMs: z.number(),
  /** The three together. */
  totalMs: z.number(),
});
export type ActivationTimings = z.infer<typeof ActivationTimings>;

export const PluginInfo = z.object({
  id: z.string(),
  name: z.string(),
  version: z.string(),
  status: PluginStatusSchema,
  generation: z.number().int(),
  /** The plugin's folder, or its file for a single-file plugin. */
  path: z.string(),
  supportsHotReload: z.boolean(),
  supportsDisable: z.boolean(),
  dependencies: z.array(z.string()),
  /**
   * Where its code runs (the manifest's `isolation`): the shared plugin host, a worker thread of
   * its own, or a process of its own.
   */
  isolation: PluginIsolationSchema,
  /** Its reloads after its first load (any trigger but `startup`): how many, how many failed. */
  reloads: z.object({
    count: z.number().int(),
    failed: z.number().int(),
    /** (count − failed) / count, between 0 and 1; null before its first reload. */
    successRate: z.number().nullable(),
  }),
  lastReload: z
    .object({
      at: z.string(),
      ok: z.boolean(),
      durationMs: z.number(),
      trigger: ReloadTriggerSchema,
      /** Why it failed (when `ok` is false): the running generation, if any, is the one before. */
      error: ReloadError.optional(),
      /** It failed once the old generation had handed its state over, which came back with it. */
      rolledBack: z.boolean().optional(),
    })
    .optional(),
  /** Its first successful load since the daemon started, and its latest one. */
  activation: z.object({
    first: ActivationTimings.optional(),
    last: ActivationTimings.optional(),
  }),
});
export type PluginInfo = z.infer<typeof PluginInfo>;

export const PluginList = request(
  'plugin/list',
  Direction.ClientToDaemon,
  NoParams,
  z.object({ plugins: z.array(PluginInfo) }),
);

export const PluginReload = request(
  'plugin/reload',
  Direction.ClientToDaemon,
  z
    .object({
      id: PluginId.optional(),
      ids: z.array(PluginId).min(1).optional(),
      all: z.literal(true).optional(),
      /** LSP's WorkDoneProgressParams: `$/progress` with this token reports the reloads. */
      workDoneToken: ProgressToken.optional(),
    })
    .refine((p) => [p.id, p.ids, p.all].filter((v) => v !== undefined).length === 1, {
      message: 'give exactly one of "id", "ids" or "all": true',
    }),
  z.object({ results: z.array(ReloadResult) }),
);

/** What took a snapshot (`plugin/getState`'s history says it). */
export const SnapshotCause = {
  /** A reload, as the old generation handed its state over. */
  Reload: 'reload',
  /** After one of its commands. */
  Command: 'command',
  /** After one of its timers or event listeners ran. */
  Activity: 'activity',
  /** The plugin saved it itself (`savePluginState`). */
  Plugin: 'plugin',
  /** A client asked for its state (`plugin/getState`). */
  Request: 'request',
  Disable: 'disable',
  /** The plugin stopped otherwise: its folder went, its manifest broke, or the daemon stopped. */
  Stop: 'stop',
  /** Read back from the state folder at start. */
  Disk: 'disk',
} as const;
export type SnapshotCause = (typeof SnapshotCause)[keyof typeof SnapshotCause];

/**
 * What a generation takes while it runs (after its timers, listeners and commands, and its own
 * saves): the history keeps the newest of each generation only, in a few places of their own, so
 * that a busy plugin never pushes out the snapshots of its reloads, rollbacks and requests.
 */
export const RUNNING_SNAPSHOT_CAUSES: ReadonlySet<SnapshotCause> = new Set([
  SnapshotCause.Activity,
  SnapshotCause.Command,
  SnapshotCause.Plugin,
]);

/** One snapshot of a plugin's history (`plugin/getState` with `history: true`). */
export const SnapshotInfo = z.object({
  /** The generation that took it: `plugin/getState { id, generation }` returns it. */
  generation: z.number().int(),
  /** ISO 8601. */
  savedAt: z.string(),
  /** Serialized, as the state folder holds it. */
  sizeBytes: z.number().int().nullable(),
  /** What took it. */
  takenBy: z.enum(SnapshotCause).nullable(),
  stateVersion: z.number().int().nullable(),
});
export type SnapshotInfo = z.infer<typeof SnapshotInfo>;

export const PluginGetState = request(
  'plugin/getState',
  Direction.ClientToDaemon,
  z
    .object({
      id: PluginId,
      /** Also list the plugin's last snapshots (newest first). */
      history: z.literal(true).optional(),
      /** The newest snapshot this generation took, from the history, instead of a fresh one. */
      generation: z.number().int().min(0).optional(),
    })
    .refine((p) => !(p.history && p.generation !== undefined), {
      message: 'give "history" or "generation", not both',
    }),
  z.object({
    id: z.string(),
    generation: z.number().int(),
    /** The last snapshot, as JSON (Date → ISO string, Map → object, Set → array); null if none. */
    state: z.unknown(),
    /** When the snapshot was taken (ISO 8601); null if there is none. */
    savedAt: z.string().nullable(),
    /**
     * What JSON flattened, by JSON Pointer into `state`: `{ "/opened": "Date", "/tags": "Set" }`
     * ("Date", "Map", "Set", "bigint", "RegExp", "Error", "ArrayBuffer", or a typed array's name
     * such as "Uint8Array"). Absent when the state is plain JSON already.
     */
    types: z.record(z.string(), z.string()).optional(),
    /** With `history: true`: the last snapshots kept, newest first (the first is this one). */
    history: z.array(SnapshotInfo).optional(),
    /**
     * The plugin's storage (`ctx.storage`, the Red editor's `red.storage`), key → JSON value: `{}`
     * when it stored nothing. Absent with `generation` (storage keeps no history).
     */
    storage: z.record(z.string(), z.unknown()).optional(),
  }),
);

/**
 * A CPU profile of the plugin's host, recorded for `durationMs` while it runs: the `.cpuprofile`
 * (Chrome DevTools and VS Code open it), and the plugin's own busiest functions in it, mapped to
 * the files the author wrote.
 */
export const PluginProfile = request(
  'plugin/profile',
  Direction.ClientToDaemon,
  z.object({ id: PluginId, durationMs: z.number().int().min(10).max(60_000) }),
  z.object({
    id: z.string(),
    generation: z.number().int(),
    durationMs: z.number().int(),
    /** The whole host's profile (other plugins of a shared host included), as V8 writes it. */
    profile: z.unknown(),
    /** This plugin's functions by self time, busiest first (at most 10). */
    topFrames: z.array(
      z.object({
        functionName: z.string(),
        file: z.string(),
        /** From 1. */
        line: z.number().int(),
        selfMs: z.number(),
      }),
    ),
  }),
);

/**
 * Reloads the plugin with a snapshot of its history: a reload like any other (the running
 * generation's state is taken and kept in the history; a failure rolls back to it).
 */
export const PluginRestoreSnapshot = request(
  'plugin/restoreSnapshot',
  Direction.ClientToDaemon,
  z.object({ id: PluginId, generation: z.number().int().min(0) }),
  z.object({ result: ReloadResult }),
);

export const PluginDiagnostics = request(
  'plugin/diagnostics',
  Direction.ClientToDaemon,
  z.object({ id: PluginId.optional() }).nullish(),
  z.object({ diagnostics: z.array(Diagnostic) }),
);

export const PluginExecuteCommand = request(
  'plugin/executeCommand',
  Direction.ClientToDaemon,
  z.object({ command: z.string().min(1), args: z.array(z.unknown()).optional() }),
  z.unknown(),
);

export const PluginEnable = request(
  'plugin/enable',
  Direction.ClientToDaemon,
  z.object({ id: PluginId }),
  z.object({ result: ReloadResult }),
);

export const PluginDisable = request(
  'plugin/disable',
  Direction.ClientToDaemon,
  z.object({ id: PluginId }),
  /** `disabled`; `failed` when its deactivate did not finish within the limit. */
  z.object({ id: z.string(), status: z.enum([PluginStatus.Disabled, PluginStatus.Failed]) }),
);
