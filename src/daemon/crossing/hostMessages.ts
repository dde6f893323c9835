import type { Leftover } from './leftovers.js';
import type { PluginBundle } from './PluginBundle.js';
import type { PluginDescriptor } from './PluginDescriptor.js';
import type { SourceLocation } from './sourceLocation.js';
import type { StateProblem } from './stateTransfer.js';

/**
 * What the daemon and a plugin host (a worker thread) say to each other. Everything here crosses
 * the thread by structured clone: plain data only. State travels as plain data of no realm; the
 * host copies it into and out of each generation's realm.
 *
 * Every message is tagged by `op`. Requests carry an `id` and get exactly one `reply`; posts and
 * notices get none.
 */

/** Time limits a host applies to plugin code it calls. */
export interface HostLimits {
  lifecycleMs: number;
  commandMs: number;
}

/** State a generation handed over, already copied out of its realm, with what could not cross. */
export interface ExtractedState {
  value: unknown;
  problems: StateProblem[];
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
      state: unknown;
    };
    result: { hasSaveState: boolean; hasMigrateState: boolean };
  };
  activate: { params: { key: string }; result: undefined };
  saveState: { params: { key: string }; result: ExtractedState };
  migrateState: {
    params: { key: string; state: unknown; fromVersion: number | undefined };
    result: ExtractedState;
  };
  restoreState: {
    params: { key: string; state: unknown; afterReload: boolean };
    result: undefined;
  };
  deactivate: { params: { key: string }; result: undefined };
  /** Releases everything the generation holds; says what it still held. */
  unload: { params: { key: string }; result: { leftovers: Leftover[] } };
  command: { params: { key: string; name: string; args: unknown[] }; result: unknown };
  /**
   * A reload's swap begins: hold every new call into the plugin (events, its timers, commands
   * from other plugins of the host) until `resume`; answered once the calls already running
   * have ended, or after the lifecycle limit, with how many had not.
   */
  suspend: { params: { pluginId: string }; result: { stillRunning: number } };
  ping: { params: Record<never, never>; result: 'pong' };
}
export type HostOp = keyof HostOperations;
export type HostRequest<K extends HostOp = HostOp> = {
  [O in K]: { op: O } & HostOperations[O]['params'];
}[K];
export type HostResult<K extends HostOp> = HostOperations[K]['result'];

/** Daemon → host, unanswered. */
export type HostPost =
  /** An editor event (no `fromPluginId`), or a plugin's event from another host. */
  | { op: 'event'; event: string; data: unknown; fromPluginId?: string }
  /** The plugin's swap is over: deliver what was held for it, in arrival order. */
  | { op: 'resume'; pluginId: string }
  /** Every command registered in any host, as the daemon routes them. */
  | { op: 'commandNames'; names: string[] }
  /** The answer to a `callCommand` or `callEditor` notice. */
  | { op: 'callResult'; requestId: number; ok: true; value: unknown }
  | { op: 'callResult'; requestId: number; ok: false; message: string };

/** Why plugin code failed, as the daemon reports it. */
export interface HostCallError {
  reason: 'lifecycle' | 'evaluate' | 'noActivate' | 'timeout' | 'gone' | 'internal';
  /** The call that failed: "activate", "command \"x\"", ... */
  call?: string;
  message: string;
  location?: SourceLocation;
  /** The host stopped answering and was replaced: blame goes to whoever was running in it. */
  hostStopped?: boolean;
}

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
  | { op: 'commandRegistered'; key: string; pluginId: string; name: string }
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
    }
  /** Plugin code runs a command registered in another host; answered by a `callResult` post. */
  | { op: 'callCommand'; requestId: number; fromPluginId: string; name: string; args: unknown[] }
  /** Plugin code calls the editor (`editor/call`); answered by a `callResult` post. */
  | { op: 'callEditor'; requestId: number; pluginId: string; method: string; args: unknown[] }
  | {
      op: 'unloadChecked';
      key: string;
      pluginId: string;
      generation: number;
      collected: boolean;
      holders: string[];
    };

/** The host's answer to one request. */
export type HostReply =
  | { op: 'reply'; id: number; ok: true; value: unknown }
  | { op: 'reply'; id: number; ok: false; error: HostCallError };

export type ToHost = ({ id: number } & HostRequest) | HostPost;
export type FromHost = HostReply | HostNotice;

const POSTS: ReadonlySet<string> = new Set<HostPost['op']>([
  'event',
  'resume',
  'commandNames',
  'callResult',
]);

/** Tells a request (answered) from a post, on the host's side. */
export function isHostPost(message: ToHost): message is HostPost {
  return POSTS.has(message.op);
}
