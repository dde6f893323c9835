/**
 * Entry point of a plugin host worker thread: HostRuntime on the port the daemon talks on.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromHost, HostLimits, ToHost } from '../crossing/hostMessages.js';
import { startHost } from './hostEntry.js';

const { limits, running, memoryMb } = workerData as {
  limits: HostLimits;
  running: SharedArrayBuffer;
  memoryMb: number;
};
const port = parentPort;
if (!port) throw new Error('hostWorker.js runs in a worker thread');

startHost({
  limits,
  running: new Int32Array(running),
  memoryMb,
  send: (message: FromHost) => port.postMessage(message),
  onMessage: (listener) => port.on('message', (message: ToHost) => listener(message)),
  watchOffHeap: true,
});
