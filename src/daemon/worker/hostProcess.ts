/**
 * Entry point of a plugin host that is a process of its own (`"isolation": "process"`):
 * HostRuntime on the IPC channel of its parent, the daemon. Whatever ends this process (an exit,
 * a signal, a native crash, its memory cap), the daemon lives on and replaces it.
 */
import inspector from 'node:inspector';
import {
  type FromHost,
  type HostBounds,
  type HostLimits,
  OUT_OF_MEMORY_EXIT_CODE,
  type ToHost,
} from '../crossing/hostMessages.js';
import { startHost } from './hostEntry.js';

const send = process.send?.bind(process);
if (!send) throw new Error('hostProcess.js runs as a child process with an IPC channel');
const { limits, memoryMb, bounds } = JSON.parse(process.env.RELOADD_HOST ?? '{}') as {
  limits: HostLimits;
  memoryMb: number;
  bounds?: HostBounds;
};

startHost({
  limits,
  // No memory to share with the daemon across processes: a process host holds one plugin, which
  // is the one to blame for whatever ends it.
  running: new Int32Array(1),
  memoryMb,
  send: (message: FromHost) => send(message),
  onMessage: (listener) => process.on('message', (message) => listener(message as ToHost)),
  // Its memory cap is the process's (the daemon samples its RSS): nothing escapes it.
  watchOffHeap: false,
  ...(bounds ? { bounds } : {}),
  // The reply went first over the same channel: once this is written, so is it.
  outOfMemory: () =>
    process.send?.({ op: 'outOfMemory' } satisfies FromHost, undefined, {}, () =>
      process.exit(OUT_OF_MEMORY_EXIT_CODE),
    ),
});
// Under --inspect a debugger reaches a worker host through the daemon's inspector; a process
// has its own, on a free loopback port, which the daemon lists in daemon/status.
if (limits.debugging) {
  inspector.open(0, '127.0.0.1', false);
  const url = inspector.url();
  if (url) send({ op: 'inspector', url } satisfies FromHost);
}
// The daemon is gone (killed, say): a host without it has nothing left to do.
process.on('disconnect', () => process.exit(0));
