import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromHost, HostLimits, ToHost } from '../crossing/hostMessages.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';

/** What a plugin host runs in. */
export const HostKind = { Worker: 'worker', Process: 'process' } as const;
export type HostKind = (typeof HostKind)[keyof typeof HostKind];

/** How the daemon reaches one plugin host, whatever it runs in. */
export interface HostTransport {
  readonly kind: HostKind;
  send(message: ToHost): void;
  onMessage(listener: (message: FromHost) => void): void;
  /** `outOfMemory`: the host's own cap ended it (a worker's heap limit, a process's abort). */
  onExit(
    listener: (end: { code: number | null; signal: string | null; outOfMemory: boolean }) => void,
  ): void;
  /** The slot of the generation running plugin code now, where the host can say (0: none known). */
  runningSlot(): number;
  terminate(): Promise<void>;
}

export type HostPermissions = NonNullable<PluginDescriptor['permissions']>;

export interface TransportOptions {
  name: string;
  limits: HostLimits;
  memoryMb: number;
  /** Run the process under Node's permission model with these grants (a process host only). */
  permissions?: HostPermissions;
}

/** A worker thread of the daemon's process, its JS heap capped. */
export class WorkerTransport implements HostTransport {
  readonly kind = HostKind.Worker;
  private readonly worker: Worker;
  private readonly running = new Int32Array(new SharedArrayBuffer(4));
  private outOfMemory = false;

  constructor(script: URL, options: TransportOptions) {
    this.worker = new Worker(script, {
      workerData: {
        limits: options.limits,
        running: this.running.buffer,
        memoryMb: options.memoryMb,
      },
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb },
      stdout: false,
      stderr: false,
      name: `reloadd plugin host ${options.name}`,
    });
    this.worker.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') this.outOfMemory = true;
    });
  }

  /** What the inspector's NodeWorker domain calls the worker (its `workerId`). */
  get threadId(): number {
    return this.worker.threadId;
  }

  send(message: ToHost): void {
    this.worker.postMessage(message);
  }

  onMessage(listener: (message: FromHost) => void): void {
    this.worker.on('message', listener);
  }

  onExit(listener: Parameters<HostTransport['onExit']>[0]): void {
    this.worker.on('exit', (code) =>
      listener({ code, signal: null, outOfMemory: this.outOfMemory }),
    );
  }

  runningSlot(): number {
    return Atomics.load(this.running, 0);
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * A child process of its own (`"isolation": "process"`): whatever ends it (an exit, a signal, a
 * native crash), the daemon's process lives on. Its heap is capped by V8 (`--max-old-space-size`),
 * its whole footprint by the daemon, which samples its RSS (PluginHost).
 */
export class ProcessTransport implements HostTransport {
  readonly kind = HostKind.Process;
  private readonly child: ChildProcess;
  private exited = false;

  constructor(script: URL, options: TransportOptions) {
    this.child = fork(script, [], {
      execArgv: [
        `--max-old-space-size=${options.memoryMb}`,
        ...(options.permissions ? permissionFlags(script, options.permissions) : []),
      ],
      // Structured clone over IPC, as between threads: Date, Map, Set cross as they are.
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: {
        ...process.env,
        RELOADD_HOST: JSON.stringify({ limits: options.limits, memoryMb: options.memoryMb }),
      },
    });
    // A message to a host that has just died must not throw in the daemon.
    this.child.on('error', () => undefined);
    this.child.on('exit', () => {
      this.exited = true;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  send(message: ToHost): void {
    if (!this.exited && this.child.connected) this.child.send(message);
  }

  onMessage(listener: (message: FromHost) => void): void {
    this.child.on('message', (message) => listener(message as FromHost));
  }

  onExit(listener: Parameters<HostTransport['onExit']>[0]): void {
    this.child.on('exit', (code, signal) =>
      // V8 aborts a process whose heap is full (SIGABRT, or exit code 134 through a shell).
      listener({ code, signal, outOfMemory: signal === 'SIGABRT' || code === 134 }),
    );
  }

  runningSlot(): number {
    return 0;
  }

  async terminate(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await gone;
  }
}

/**
 * Node's permission model (Node 20: `--experimental-permission`): the plugin's grants, and
 * reading reloadd's own installation, which the host's code loads from. Node 20 has no flag for
 * the network: `net: false` cannot be enforced (the README says so).
 */
export function permissionFlags(script: URL, granted: HostPermissions): string[] {
  const installation = fileURLToPath(new URL('../../../', script));
  // One flag per path: Node 20 reads a comma-separated list as one path (found by trying).
  return [
    '--experimental-permission',
    ...[installation, ...granted.fsRead].map((p) => `--allow-fs-read=${p}`),
    ...granted.fsWrite.map((p) => `--allow-fs-write=${p}`),
    ...(granted.childProcess ? ['--allow-child-process'] : []),
    ...(granted.worker ? ['--allow-worker'] : []),
  ];
}
