import type { PluginBundle } from '../building/PluginBuilder.js';
import type { PluginDescriptor } from '../plugins/pluginFolder.js';
import type { SourceLocation } from './sourceLocation.js';
import type { StateProblem } from './stateTransfer.js';

/**
 * What the daemon and a plugin host (a worker thread) say to each other. Everything here crosses
 * a thread by structured clone: plain data only. State travels as plain data of no realm; the
 * host copies it into and out of each generation's realm.
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

export type HostRequest =
  | {
      op: 'load';
      key: string;
      slot: number;
      descriptor: PluginDescriptor;
      bundle: PluginBundle;
      generation: number;
      state: unknown;
    }
  | { op: 'activate'; key: string }
  | { op: 'saveState'; key: string }
  | { op: 'migrateState'; key: string; state: unknown; fromVersion: number | undefined }
  | { op: 'restoreState'; key: string; state: unknown; afterReload: boolean }
  | { op: 'deactivate'; key: string }
  | { op: 'unload'; key: string }
  | { op: 'command'; key: string; name: string; args: unknown[] }
  | { op: 'ping' };

/** Sent without a reply. */
export type HostPost =
  | { op: 'event'; event: string; data: unknown }
  /** Every command registered in any host, as the daemon routes them. */
  | { op: 'commandNames'; names: string[] }
  /** The answer to a `daemonCall` notice. */
  | { op: 'callResult'; requestId: number; ok: true; value: unknown }
  | { op: 'callResult'; requestId: number; ok: false; message: string };

/** What plugin code asks of the daemon (a `daemonCall` notice; answered by `callResult`). */
export type DaemonCall =
  /** A command registered in another host. */
  | { type: 'command'; name: string; args: unknown[] }
  /** The editor bridge: `editor/call`. */
  | { type: 'editor'; pluginId: string; method: string; args: unknown[] };

/** Why plugin code failed, as the daemon reports it. */
export interface HostCallError {
  kind: 'lifecycle' | 'evaluate' | 'noActivate' | 'timeout' | 'gone' | 'internal';
  /** The call that failed: "activate", "command \"x\"", ... */
  call?: string;
  message: string;
  location?: SourceLocation;
  /** The host stopped answering and was replaced: blame goes to whoever was running in it. */
  hostStopped?: boolean;
}

/** A failed call to a plugin host, on either side of the thread boundary. */
export class HostRequestError extends Error {
  constructor(readonly error: HostCallError) {
    super(error.message);
  }
}

export type HostReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: HostCallError };

export type HostNotice =
  | {
      kind: 'log';
      pluginId: string;
      generation: number;
      level: 'debug' | 'info' | 'warn' | 'error';
      message: string;
    }
  | {
      kind: 'callbackError';
      key: string;
      pluginId: string;
      generation: number;
      message: string;
      timedOut: boolean;
      location?: SourceLocation;
    }
  | { kind: 'commandRegistered'; key: string; pluginId: string; name: string }
  | { kind: 'commandDisposed'; key: string; name: string }
  | { kind: 'emit'; fromKey: string; event: string; data: unknown }
  | {
      kind: 'stateWritten';
      key: string;
      pluginId: string;
      generation: number;
      state: ExtractedState;
    }
  | { kind: 'daemonCall'; requestId: number; call: DaemonCall }
  | {
      kind: 'unloadChecked';
      key: string;
      pluginId: string;
      generation: number;
      collected: boolean;
      holders: string[];
    };

export type FromHost = ({ type: 'reply' } & HostReply) | ({ type: 'notice' } & HostNotice);
export type ToHost =
  | ({ type: 'request'; id: number } & HostRequest)
  | ({ type: 'post' } & HostPost);
