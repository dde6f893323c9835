import type { Leftover, UntrackedRun } from './leftovers.js';
import type { Numbered, OpOf, Reply, RequestOf, ResultOf } from './PendingRequests.js';
import type { PluginBundle } from './PluginBundle.js';
import type { PluginDescriptor } from './PluginDescriptor.js';
import type { SourceLocation } from './sourceLocation.js';
import type { StateProblem } from './stateTransfer.js';

/**
 * What the daemon and a plugin host (a worker thread) say to each other. Everything here crosses
 * the thread by structured clone: plain data only. State travels as plain data of no realm; the
 * host copies it into and out of each generation's realm.
 *
 * Every message is tagged by `op`. Requests go either way (`HostOperations` to the host,
 * `DaemonOperations` to the daemon), each numbered by its sender and answered by exactly one
 * `reply` (PendingRequests.ts); posts and notices get none.
 */

/** Time limits a host applies to plugin code it calls. */
export interface HostLimits {
  lifecycleMs: number;
  commandMs: number;
  /**
   * A debugger may hold plugin code at a breakpoint (`--inspect`). The host's own interrupt
   * would end a paused call, so the host applies no limits; the daemon's watchdog, which tells
   * a paused host from a stuck one, applies them instead.
   */
  debugging?: boolean;
}

/**
 * What a process host is held to by the operating system, so that it can say why a call failed:
 * with `memoryMb` (an OS limit a little above that cap), an allocation past it fails at once; with
 * `ownProcesses` (a PID namespace), a signal to any other process finds none; without `network`
 * (an empty network namespace), a socket reaches nothing.
 */
export interface HostBounds {
  memoryMb?: number;
  ownProcesses: boolean;
  /** Its permissions hold beyond the file system: a signal outside is a denial, not a miss. */
  jailed: boolean;
  network: boolean;
}

/** Longer than any debugging session: setTimeout's own maximum (about 24 days). */
const NEVER_MS = 2 ** 31 - 1;

/** The limits a host applies itself: none while a debugger may pause it. */
export function limitsInHost(limits: HostLimits): HostLimits {
  return limits.debugging ? { lifecycleMs: NEVER_MS, commandMs: NEVER_MS } : limits;
}

/** A plugin's call on its own storage: `get` a key's value, `set` it (JSON), or `delete` it. */
export type StorageCall =
  | { action: 'get'; key: string }
  | { action: 'set'; key: string; value: unknown }
  | { action: 'delete'; key: string };

/** State a generation handed over, already copied out of its realm, with what could not cross. */
export interface ExtractedState {
  value: unknown;
  problems: StateProblem[];
}

/** The plugin's snapshot as the daemon keeps it, for a generation that starts without a predecessor. */
export interface StoredState {
  value: unknown;
  stateVersion: number | undefined;
}

export interface SwapParams {
  pluginId: string;
  /** The generation that leaves (absent on a first load). */
  retire?: string;
  /**
   * The plugin stops (disable, removal, shutdown): `retire` goes even if its saveState fails.
   * Otherwise a retire whose state cannot be taken stays active.
   */
  stop?: boolean;
  /** The generation that takes over, loaded and not yet active (absent when a plugin stops). */
  start?: {
    key: string;
    /**
     * The daemon's snapshot, sent only when nothing of the plugin lives in this host. Otherwise
     * the host has the state itself: what `retire` saves, or the latest it saw of the plugin.
     */
    stored: StoredState | undefined;
    afterReload: boolean;
    /** Start with `stored` even though `retire` hands its state over (`plugin/restoreSnapshot`). */
    override?: boolean;
  };
}

/** What a swap did, step by step; a failed step says why, as plain data. */
export interface SwapReport {
  /** Calls still running when the wait for them ended: what they do next is not kept. */
  stillRunning: number;
  /** Milliseconds of each step: waiting for running calls counts as saving state. */
  timings: {
    saveState: number;
    deactivate: number;
    activate: number;
    /** Of `activate`, the call itself (its synchronous part); the rest waited for its promise. */
    activateCall?: number;
    restoreState: number;
  };
  /**
   * The state `retire` handed over. Its value is here unless `start` took over: then it follows
   * in a `stateTaken` notice, after this answer, so that clients hear of the reload first.
   */
  saved?: { value?: unknown; problems: StateProblem[]; stateVersion: number | undefined };
  /** `retire`'s saveState failed: unless stopping, it is still active and `start` was unloaded. */
  saveFailed?: HostCallError;
  deactivateFailed?: HostCallError;
  /** What `retire` still held when it was unloaded. */
  leftovers: Leftover[];
  /** The state `start` was given came through its migrateState (the value follows in `stateTaken`). */
  migrated?: { problems: StateProblem[] };
  /** The snapshot's stateVersion differs and `start` has no migrateState: it started without it. */
  stateDropped?: { from: number | undefined; to: number | undefined };
  /** `start` threw or hung in activate, migrateState or restoreState; it was unloaded. */
  startFailed?: HostCallError;
}

/** A plugin host's memory, in bytes, as its thread sees it (process.memoryUsage in a worker). */
export interface HostMemory {
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Memory outside the JS heap (Buffers, ArrayBuffers): not capped by --host-memory. */
  externalBytes: number;
  /** A process host's whole footprint (absent for a worker, which shares the daemon's). */
  rssBytes?: number;
}

/** Daemon → host, answered: each operation's params and its result. */
export interface HostOperations {
  /** Evaluates a bundle in a fresh realm: a generation, not yet active. */
  load: {
    params: {
      key: string;
      /** Written in the host's "running" slot while this generation's code runs. */
      slot: number;
      descriptor: PluginDescriptor;
      bundle: PluginBundle;
      generation: number;
      /** The daemon's snapshot, for a host that has no generation of the plugin yet. */
      state: unknown;
      /** The stateVersion `state` was saved with. */
      stateVersion: number | undefined;
    };
    /**
     * Whether it has a saveState (snapshots between reloads are asked of it only then), and a
     * beforeExit (the editor's state is asked for only when some generation has one).
     */
    result: {
      hasSaveState: boolean;
      hasBeforeExit: boolean;
      /** Milliseconds the host took to make the realm and evaluate the bundle in it. */
      evaluateMs: number;
    };
  };
  saveState: { params: { key: string }; result: ExtractedState };
  /**
   * A swap, whole, in one message: the host holds every new call into the plugin and waits for
   * those running; `retire`'s state is taken, it is deactivated and unloaded; `start` is
   * activated and given that state (migrated when its stateVersion moved). The host lets the
   * held calls go itself, unless `start` failed: then the daemon rolls back and says `resume`.
   */
  swap: { params: SwapParams; result: SwapReport };
  /**
   * The generation's `beforeExit(ctx, editorState)`: the editor is exiting, or the daemon stops.
   * `editorState` is the editor's snapshot, or null when no editor gave one.
   */
  beforeExit: { params: { key: string; editorState: unknown }; result: null };
  /** Releases everything the generation holds; says what it still held. */
  unload: { params: { key: string }; result: { leftovers: Leftover[] } };
  /** A command; with `api`, `name` is a method of the API the generation's `activate` returned. */
  command: { params: { key: string; name: string; args: unknown[]; api?: true }; result: unknown };
  ping: { params: Record<never, never>; result: 'pong' };
  /** The events the generation's plugin listens to now (`red.on`, `ctx.events.on`), by name. */
  listening: { params: { key: string }; result: string[] };
  /** A CPU profile of the whole host, for that long (a `.cpuprofile` object). */
  profile: { params: { durationMs: number }; result: unknown };
  /** The host's own memory: its JS heap (capped by --host-memory) and what lies outside it. */
  memory: { params: Record<never, never>; result: HostMemory };
}
export type HostOp = OpOf<HostOperations>;
export type HostRequest<K extends HostOp = HostOp> = RequestOf<HostOperations, K>;
export type HostResult<K extends HostOp> = ResultOf<HostOperations, K>;

/** Host → daemon, answered: what plugin code asks of the daemon, each op's params and result. */
export interface DaemonOperations {
  /** Plugin code runs a command registered in another host; its JSON result. */
  callCommand: { params: { fromPluginId: string; name: string; args: unknown[] }; result: unknown };
  /** Plugin code calls a method of a dependency's API (`ctx.plugins.get`); its JSON result. */
  callApi: {
    params: { fromPluginId: string; target: string; method: string; args: unknown[] };
    result: unknown;
  };
  /** Plugin code calls the editor (`editor/call`); the editor's answer. */
  callEditor: { params: { pluginId: string; method: string; args: unknown[] }; result: unknown };
  /**
   * Plugin code uses its own storage (`ctx.storage`, the Red editor's `red.storage`): `get`'s
   * value (null when unset), or nothing once `set` or `delete` is on disk. `value` is JSON
   * already. (The call is nested: its `key` is not a generation's.)
   */
  callStorage: { params: { pluginId: string; call: StorageCall }; result: unknown };
}
export type DaemonOp = OpOf<DaemonOperations>;
export type DaemonRequest<K extends DaemonOp = DaemonOp> = RequestOf<DaemonOperations, K>;
export type DaemonResult<K extends DaemonOp> = ResultOf<DaemonOperations, K>;

/**
 * Why the daemon failed a host's request. `code`: the stable `RELOADD_...` code of a refusal
 * (the plugin's error gets it as `code`).
 */
export interface DaemonCallError {
  message: string;
  code?: string;
}

/** Daemon → host, unanswered. */
export type HostPost =
  /**
   * An editor event (no `fromPluginId`), or a plugin's event from another host; with
   * `toPluginId`, for that plugin only (an event of one of its handles).
   */
  | { op: 'event'; event: string; data: unknown; fromPluginId?: string; toPluginId?: string }
  /** What the editor pushed (`editor/state`), whole: Red's synchronous members answer from it. */
  | { op: 'editorState'; state: Record<string, unknown> }
  /** A swap whose `start` failed is over: deliver what was held for the plugin, in order. */
  | { op: 'resume'; pluginId: string }
  /** Every command registered in any host, as the daemon routes them. */
  | { op: 'commandNames'; names: string[] };

/** Why plugin code failed, as the daemon reports it. */
export interface HostCallError {
  reason: 'lifecycle' | 'evaluate' | 'noActivate' | 'timeout' | 'gone' | 'internal';
  /** The call that failed: "activate", "command \"x\"", ... */
  call?: string;
  message: string;
  location?: SourceLocation;
  /** The host stopped answering and was replaced: blame goes to whoever was running in it. */
  hostStopped?: boolean;
  /** Node's permission model refused it (a process host with `permissions`). */
  denied?: { permission: string; resource?: string };
  /**
   * An allocation failed at the operating system's limit (a process host's `prlimit`): the host
   * ends as out of memory, as it would had its heap filled.
   */
  outOfMemory?: boolean;
}

/** How a process host ends when it runs out of memory: V8's own abort, as a shell reports it. */
export const OUT_OF_MEMORY_EXIT_CODE = 134;

/** Host → daemon, unanswered. */
export type HostNotice =
  | {
      op: 'log';
      pluginId: string;
      generation: number;
      level: 'debug' | 'info' | 'warn' | 'error';
      message: string;
    }
  | {
      op: 'callbackError';
      key: string;
      pluginId: string;
      generation: number;
      message: string;
      timedOut: boolean;
      location?: SourceLocation;
    }
  /** `arity`: the handler's declared parameters (`length`): 0 for a command that needs none. */
  | { op: 'commandRegistered'; key: string; pluginId: string; name: string; arity: number }
  | { op: 'commandDisposed'; key: string; name: string }
  | { op: 'emit'; fromPluginId: string; event: string; data: unknown }
  | {
      op: 'stateWritten';
      key: string;
      pluginId: string;
      generation: number;
      /** The manifest's `stateVersion` of the generation that wrote it. */
      stateVersion: number | undefined;
      state: ExtractedState;
      /** What made the host take it: a command, a timer or listener, the plugin itself. */
      cause: 'command' | 'activity' | 'plugin';
    }
  /** A swap's snapshot, sent just after the swap's answer (SwapReport.saved, .migrated). */
  | {
      op: 'stateTaken';
      pluginId: string;
      generation: number;
      stateVersion: number | undefined;
      value: unknown;
    }
  /** The host holds more outside its JS heap than its cap allows the heap (OffHeapWatch). */
  | { op: 'offHeap'; pluginId?: string; externalBytes: number; limitBytes: number }
  | {
      op: 'unloadChecked';
      key: string;
      pluginId: string;
      generation: number;
      collected: boolean;
      holders: string[];
    }
  /**
   * Code of a generation whose state was taken ran, called by what the host neither holds in a
   * swap nor clears at unload (UntrackedCallbacks): once per generation and kind of callback.
   */
  | {
      op: 'untrackedRun';
      key: string;
      pluginId: string;
      generation: number;
      run: UntrackedRun;
    };

/** The host's answer to one of the daemon's requests. */
export type HostReply = Reply<HostCallError>;
/** The daemon's answer to one of a host's requests. */
export type DaemonReply = Reply<DaemonCallError>;

/** What a host sends of its own accord: notices, and requests for the daemon to answer. */
export type HostInitiated = HostNotice | Numbered<DaemonRequest>;

export type ToHost = Numbered<HostRequest> | HostPost | DaemonReply;
/** A process host under `--inspect` opened an inspector of its own (a worker shares the daemon's). */
export interface HostInspectorOpened {
  op: 'inspector';
  url: string;
}

/**
 * A process host is about to end itself (exit code OUT_OF_MEMORY_EXIT_CODE): plugin code ran
 * into its memory limit. Sent after that call's reply, before the exit.
 */
export interface HostOutOfMemory {
  op: 'outOfMemory';
}

export type FromHost = HostReply | HostInitiated | HostInspectorOpened | HostOutOfMemory;

const POSTS: ReadonlySet<string> = new Set<HostPost['op']>([
  'event',
  'resume',
  'commandNames',
  'editorState',
]);

/** Tells a post from a request (answered), on the host's side. */
export function isHostPost(message: Exclude<ToHost, DaemonReply>): message is HostPost {
  return POSTS.has(message.op);
}
