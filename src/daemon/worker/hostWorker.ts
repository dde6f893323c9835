/**
 * Entry point of a plugin host worker thread: wires HostRuntime to the port the daemon talks on.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import {
  type FromHost,
  type HostLimits,
  isHostPost,
  type ToHost,
} from '../crossing/hostMessages.js';
import { HostRuntime } from './HostRuntime.js';
import { OffHeapWatch } from './OffHeapWatch.js';

const { limits, running, memoryMb } = workerData as {
  limits: HostLimits;
  running: SharedArrayBuffer;
  memoryMb: number;
};
const port = parentPort;
if (!port) throw new Error('hostWorker.js runs in a worker thread');

const send = (message: FromHost) => port.postMessage(message);
const runtime = new HostRuntime(limits, new Int32Array(running), send, exposeGc(v8));
new OffHeapWatch(memoryMb * 1024 * 1024, () => runtime.lastRan, send);

port.on('message', (message: ToHost) => {
  if (isHostPost(message)) {
    runtime.post(message);
    return;
  }
  const { id, ...request } = message;
  runtime.handle(request).then(
    (value) => send({ op: 'reply', id, ok: true, value }),
    (error) => send({ op: 'reply', id, ok: false, error }),
  );
});

// A plugin's stray rejection must not end the host (and every plugin in it): it is reported on
// the plugin whose code it came from.
process.on('unhandledRejection', (reason) => runtime.unhandledRejection(reason));

/** `gc`, when this thread may call it (the worker asks V8 for it at start). */
function exposeGc(v8: { setFlagsFromString(flags: string): void }): (() => void) | undefined {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}
