/**
 * The type-check thread: TypeScript's compiler runs here, never on the daemon's event loop. It
 * answers one check at a time, in the order the daemon sends them.
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PluginPrograms, type TypeScript } from './PluginPrograms.js';
import type { TypeCheckReply, TypeCheckRequest, TypeCheckWorkerData } from './typeCheckMessages.js';

const port = parentPort;
if (!port) throw new Error('typeCheckWorker.js runs as a worker thread of the daemon');
const data = workerData as TypeCheckWorkerData;
const dropped = new Int32Array(data.dropped);

// Reloads and plugins come first: on Linux a thread's nice value is its own, so this thread
// takes a core only when nothing else wants it. (Elsewhere the call would renice the process.)
if (process.platform === 'linux') {
  try {
    os.setPriority(19);
  } catch {
    // Left at the daemon's priority: checks still run off its event loop.
  }
}

let running = 0;
const programs: Promise<PluginPrograms | Error> = import(data.compiler).then(
  (loaded) =>
    new PluginPrograms(
      // A CommonJS package: its exports are the namespace's default.
      (loaded as unknown as { default: TypeScript }).default,
      data.pluginTypes,
      () => Atomics.load(dropped, 0) === running,
    ),
  (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
);

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: TypeCheckRequest | { forget: string }) => {
  queue = queue
    .then(async () => {
      const loaded = await programs;
      if ('forget' in request) {
        if (!(loaded instanceof Error)) loaded.forget(request.forget);
        return;
      }
      let reply: TypeCheckReply;
      if (loaded instanceof Error) reply = { kind: 'unavailable', message: loaded.message };
      else {
        running = request.check;
        reply = loaded.check(request);
        running = 0;
      }
      port.postMessage(reply);
    })
    .catch((error: unknown) => {
      // The daemon hears of it as the check's failure, and the next check runs.
      if ('forget' in request) return;
      port.postMessage({
        kind: 'failed',
        check: request.check,
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      } satisfies TypeCheckReply);
    });
});
