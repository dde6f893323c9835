import v8 from 'node:v8';
import vm from 'node:vm';
import {
  type FromHost,
  type HostBounds,
  type HostCallError,
  type HostLimits,
  isHostPost,
  limitsInHost,
  type ToHost,
} from '../crossing/hostMessages.js';
import { HostRuntime } from './HostRuntime.js';
import { OffHeapWatch } from './OffHeapWatch.js';
import { watchEmitters } from './UntrackedCallbacks.js';

/** What a plugin host needs to start, wherever it runs (a worker thread, a child process). */
export interface HostStart {
  limits: HostLimits;
  /** Where the host says which generation runs plugin code (shared with the daemon in a worker). */
  running: Int32Array;
  memoryMb: number;
  send(message: FromHost): void;
  onMessage(listener: (message: ToHost) => void): void;
  /** A worker's heap cap leaves memory outside the heap unbounded: it is watched and reported. */
  watchOffHeap: boolean;
  /** A process host's: what the operating system holds it to. */
  bounds?: HostBounds;
  /** A process host's end when plugin code ran into its memory cap (its reply sent first). */
  outOfMemory?(): void;
}

/** Wires a HostRuntime to the channel the daemon talks on; the entries differ only in that channel. */
export function startHost(start: HostStart): HostRuntime {
  const { send } = start;
  const runtime = new HostRuntime(
    limitsInHost(start.limits),
    start.running,
    send,
    exposeGc(v8),
    start.bounds,
  );
  // Listeners on Node's emitters are plugin code the host does not call: it watches them run.
  watchEmitters();
  if (start.watchOffHeap)
    new OffHeapWatch(start.memoryMb * 1024 * 1024, () => runtime.lastRan, send);
  start.onMessage((message) => {
    if (message.op === 'reply') {
      runtime.daemon.settle(message);
      return;
    }
    if (isHostPost(message)) {
      runtime.post(message);
      return;
    }
    const { id, ...request } = message;
    runtime.handle(request).then(
      (value) => send({ op: 'reply', id, ok: true, value }),
      (error: HostCallError) => {
        send({ op: 'reply', id, ok: false, error });
        if (error.outOfMemory) start.outOfMemory?.();
      },
    );
  });
  // A plugin's stray rejection must not end the host (and every plugin in it): it is reported on
  // the plugin whose code it came from.
  process.on('unhandledRejection', (reason) => runtime.unhandledRejection(reason));
  return runtime;
}

/** `gc`, when this host may call it (it asks V8 for it at start). */
function exposeGc(v8: { setFlagsFromString(flags: string): void }): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
