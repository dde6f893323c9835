import { z } from 'zod';

/** Zero-based, as in LSP: `line` counts lines, `character` counts UTF-16 code units. */
export const Position = z.object({
  line: z.number().int().min(0),
  character: z.number().int().min(0),
});
export type Position = z.infer<typeof Position>;

export const Range = z.object({ start: Position, end: Position });
export type Range = z.infer<typeof Range>;

export const DiagnosticSeverity = z.enum(['error', 'warning', 'info']);
export type DiagnosticSeverity = z.infer<typeof DiagnosticSeverity>;

export const Diagnostic = z.object({
  pluginId: z.string(),
  severity: DiagnosticSeverity,
  /** A stable `RELOADD_...` code from `DiagnosticCodes`. */
  code: z.string(),
  message: z.string(),
  /** Absolute path of the file the diagnostic is about. */
  file: z.string().optional(),
  range: Range.optional(),
  /** A few lines of source around `range`, with the offending column marked, as plain text. */
  codeFrame: z.string().optional(),
});
export type Diagnostic = z.infer<typeof Diagnostic>;

export const DiagnosticCodes = {
  ManifestInvalid: 'RELOADD_MANIFEST_INVALID',
  DuplicateId: 'RELOADD_DUPLICATE_ID',
  BuildFailed: 'RELOADD_BUILD_FAILED',
  EvaluateFailed: 'RELOADD_EVALUATE_FAILED',
  NoActivate: 'RELOADD_NO_ACTIVATE',
  ActivateFailed: 'RELOADD_ACTIVATE_FAILED',
  RestoreStateFailed: 'RELOADD_RESTORE_STATE_FAILED',
  SaveStateFailed: 'RELOADD_SAVE_STATE_FAILED',
  DeactivateFailed: 'RELOADD_DEACTIVATE_FAILED',
  StateNotCloneable: 'RELOADD_STATE_NOT_CLONEABLE',
  StateVersionChanged: 'RELOADD_STATE_VERSION_CHANGED',
  SnapshotCorrupt: 'RELOADD_SNAPSHOT_CORRUPT',
  /** A snapshot over `maxSnapshotBytes` was refused; the previous one is kept. */
  SnapshotTooLarge: 'RELOADD_SNAPSHOT_TOO_LARGE',
  RolledBack: 'RELOADD_ROLLED_BACK',
  UnloadLeak: 'RELOADD_UNLOAD_LEAK',
  RuntimeError: 'RELOADD_RUNTIME_ERROR',
  DependencyMissing: 'RELOADD_DEPENDENCY_MISSING',
  DependencyCycle: 'RELOADD_DEPENDENCY_CYCLE',
  RestartRequired: 'RELOADD_RESTART_REQUIRED',
  /** Plugin code ran past its time limit: the watchdog stopped it and the plugin failed. */
  Timeout: 'RELOADD_TIMEOUT',
  /**
   * A worker host holds more outside its JS heap (Buffers, ArrayBuffers) than `--host-memory`,
   * which caps the heap only: named on the plugin whose code ran last there.
   */
  OffHeapMemory: 'RELOADD_OFF_HEAP_MEMORY',
  /** Node's permission model refused the plugin something its manifest's `permissions` do not grant. */
  PermissionDenied: 'RELOADD_PERMISSION_DENIED',
  /** `--require-permissions`: the plugin's manifest declares no `permissions`; it is not run. */
  PermissionsRequired: 'RELOADD_PERMISSIONS_REQUIRED',
  /**
   * The plugin's `permissions` deny what only a sandbox can hold (the network), and none runs on
   * this machine (bubblewrap): it is not run, rather than run with a promise that does not hold.
   */
  SandboxUnavailable: 'RELOADD_SANDBOX_UNAVAILABLE',
  /** The plugin's host ran out of memory or stopped answering while this plugin's code ran. */
  HostCrashed: 'RELOADD_HOST_CRASHED',
  /** An unloaded generation's realm was still reachable after several garbage collections. */
  UnloadIncomplete: 'RELOADD_UNLOAD_INCOMPLETE',
  /**
   * Code of a generation ran after its state was taken (a reload, a stop), called by what reloadd
   * neither holds during a swap nor clears at unload: a timer of `node:timers`, a listener on
   * `process` or another of Node's emitters. What it did is in no state.
   */
  UnloadedCodeRan: 'RELOADD_UNLOADED_CODE_RAN',
  /** A reload took the state while calls of the plugin were still running past the wait. */
  CallsOvertaken: 'RELOADD_CALLS_OVERTAKEN',
  /** The state is over the size written before every answer: it is written at most every N ms. */
  StateWrittenLate: 'RELOADD_STATE_WRITTEN_LATE',
  /**
   * With `--state-dir`, the plugin's state could not be written (disk full, read-only, permission):
   * its commands fail with the same code until a write succeeds, which clears it.
   */
  StateNotWritten: 'RELOADD_STATE_NOT_WRITTEN',
  /**
   * The plugin called an `editor/call` method the editor it was in does not implement: the call
   * failed there. Cleared when an editor comes or goes.
   */
  EditorCallMissing: 'RELOADD_EDITOR_CALL_MISSING',
  /**
   * A Husk plugin (a `.hk` file, or a folder whose entry is one): the Red editor's own plugin
   * language since its commit 9fa163b, which reloadd does not run. Listed `failed`, never built.
   */
  HuskPlugin: 'RELOADD_HUSK_PLUGIN',
  /**
   * The plugin's `beforeExit` (the editor exiting, or the daemon stopping) threw or ran past the
   * lifecycle limit: what it meant to save may be missing. The exit went on regardless.
   */
  BeforeExitFailed: 'RELOADD_BEFORE_EXIT_FAILED',
  /**
   * A type error in a TypeScript plugin, found by the type check that runs after a reload (a
   * warning: the reload never waits for it). Replaced by each check, gone once fixed.
   */
  TypeError: 'RELOADD_TYPE_ERROR',
} as const;
