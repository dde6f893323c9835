import { isMainThread } from 'node:worker_threads';
import type { HostMemory, HostNotice } from '../crossing/hostMessages.js';

/** How often the host looks at what it holds outside the JS heap. */
const WATCH_EVERY_MS = 1000;
/** Back under this share of the limit, a new crossing is reported again. */
const RESET_RATIO = 0.8;

/**
 * A worker host's cap (`--host-memory`) bounds its JS heap only: Buffers and ArrayBuffers live
 * outside it, and a plugin can fill the daemon's process with them. The host cannot stop that, so
 * it says so: once a second it compares its external memory with the cap, and when it crosses it
 * the daemon is told, naming the plugin whose code ran last in this host.
 */
export class OffHeapWatch {
  private reported = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly limitBytes: number,
    private readonly lastPluginRan: () => string | undefined,
    private readonly notify: (notice: Extract<HostNotice, { op: 'offHeap' }>) => void,
    private readonly externalBytes: () => number = () => process.memoryUsage().external,
  ) {
    this.timer = setInterval(() => this.look(), WATCH_EVERY_MS);
    this.timer.unref();
  }

  look(): void {
    const external = this.externalBytes();
    if (this.reported) {
      if (external < this.limitBytes * RESET_RATIO) this.reported = false;
      return;
    }
    if (external <= this.limitBytes) return;
    this.reported = true;
    const pluginId = this.lastPluginRan();
    this.notify({
      op: 'offHeap',
      ...(pluginId ? { pluginId } : {}),
      externalBytes: external,
      limitBytes: this.limitBytes,
    });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/**
 * The host's memory, as the `memory` op answers: in a worker, the heap figures are this thread's
 * isolate alone and RSS is the whole daemon's (so it is left out); a process host has its own.
 */
export function hostMemory(): HostMemory {
  const { heapUsed, heapTotal, external, rss } = process.memoryUsage();
  return {
    heapUsedBytes: heapUsed,
    heapTotalBytes: heapTotal,
    externalBytes: external,
    ...(isMainThread ? { rssBytes: rss } : {}),
  };
}
