import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type FromHost,
  type HostBounds,
  type HostLimits,
  OUT_OF_MEMORY_EXIT_CODE,
  type ToHost,
} from '../crossing/hostMessages.js';
import { runtimeFolder } from '../network/DaemonFileClaim.js';
import { findSandbox, type HostPermissions, hostLaunch } from './hostSandbox.js';

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
  /**
   * What the host writes to its stdout and stderr, a chunk at a time: never the daemon's own
   * (under an editor, stdout is the protocol), always the log's.
   */
  onOutput(listener: (text: string, stream: 'stdout' | 'stderr') => void): void;
  /**
   * Its memory as the operating system counts it, read from outside (a host too busy to answer
   * is measured all the same); undefined where that cannot be read.
   */
  footprintBytes(): Promise<number | undefined>;
  terminate(): Promise<void>;
}

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
      // Its stdout is the daemon's own unless taken: under an editor, the protocol's stream.
      stdout: true,
      stderr: true,
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

  onOutput(listener: Parameters<HostTransport['onOutput']>[0]): void {
    forwardOutput(this.worker.stdout, 'stdout', listener);
    forwardOutput(this.worker.stderr, 'stderr', listener);
  }

  /** A worker shares the daemon's process: its memory is its heap, which V8 caps. */
  async footprintBytes(): Promise<number | undefined> {
    return undefined;
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

function forwardOutput(
  stream: Readable | null | undefined,
  name: 'stdout' | 'stderr',
  listener: Parameters<HostTransport['onOutput']>[0],
): void {
  stream?.setEncoding('utf8');
  stream?.on('data', (text: string) => listener(text, name));
}

/**
 * A child process of its own (`"isolation": "process"`): whatever ends it (an exit, a signal, a
 * native crash), the daemon's process lives on. Its heap is capped by V8 (`--max-old-space-size`),
 * its data by the operating system where `prlimit` runs, its whole footprint by the daemon,
 * which reads its RSS (PluginHost). With `permissions` it is jailed (hostSandbox.ts).
 */
export class ProcessTransport implements HostTransport {
  readonly kind = HostKind.Process;
  private readonly child: ChildProcess;
  private exited = false;
  /** What the operating system holds this host to (it says so in its failures). */
  readonly bounds: HostBounds;
  /** Node's executable: the host among the processes its sandbox starts. */
  private readonly node: string;

  constructor(script: URL, options: TransportOptions) {
    const root = fileURLToPath(new URL('../../../', script));
    const installation = [...new Set([root, path.join(root, 'node_modules')].map(realOrSelf))];
    // Grants as the file system resolves them: a link in a plugin's folder must not bring a
    // folder into the jail under another name, past what is hidden.
    const permissions = options.permissions && {
      ...options.permissions,
      fsRead: options.permissions.fsRead.map(realOrSelf),
      fsWrite: options.permissions.fsWrite.map(realOrSelf),
    };
    this.node = realpathSync(process.execPath);
    const launch = hostLaunch({
      node: this.node,
      execArgv: [
        `--max-old-space-size=${options.memoryMb}`,
        ...(permissions ? permissionFlags(installation, permissions) : []),
      ],
      script: realpathSync(fileURLToPath(script)),
      installation,
      memoryMb: options.memoryMb,
      ...(permissions ? { permissions } : {}),
      debugging: options.limits.debugging === true,
      hidden: [runtimeFolder()].filter((folder) => existsSync(folder)).map(realOrSelf),
      // Where /etc/resolv.conf leads (/run/systemd/resolve, say): a granted network needs names.
      resolver: path.dirname(realOrSelf('/etc/resolv.conf')),
      env: process.env,
      hostEnv: {},
      sandbox: findSandbox(),
    });
    this.bounds = launch.bounds;
    this.child = spawn(launch.command, launch.args, {
      // Structured clone over IPC, as between threads: Date, Map, Set cross as they are.
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...launch.env,
        RELOADD_HOST: JSON.stringify({
          limits: options.limits,
          memoryMb: options.memoryMb,
          bounds: launch.bounds,
        }),
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
    this.child.on('exit', (code, signal) => {
      // Under bubblewrap, the host's own end by a signal comes back as 128 + its number.
      const by = signal ?? (this.bounds.ownProcesses ? signalOfExitCode(code) : null);
      // V8 aborts a process whose heap is full (SIGABRT, or exit code 134 through a shell); the
      // host exits so itself when an allocation fails at its operating system limit.
      listener({
        code,
        signal: by,
        outOfMemory: by === 'SIGABRT' || code === OUT_OF_MEMORY_EXIT_CODE,
      });
    });
  }

  runningSlot(): number {
    return 0;
  }

  onOutput(listener: Parameters<HostTransport['onOutput']>[0]): void {
    forwardOutput(this.child.stdout, 'stdout', listener);
    forwardOutput(this.child.stderr, 'stderr', listener);
  }

  async footprintBytes(): Promise<number | undefined> {
    if (this.exited || this.child.pid === undefined) return undefined;
    const host = await findProcess(this.child.pid, this.node);
    return host === undefined ? undefined : residentBytes(host);
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
 * the network: the jail holds it (hostSandbox.ts).
 */
export function permissionFlags(installation: string[], granted: HostPermissions): string[] {
  // One flag per path: Node 20 reads a comma-separated list as one path (found by trying).
  return [
    '--experimental-permission',
    ...[...installation, ...granted.fsRead].map((p) => `--allow-fs-read=${p}`),
    ...granted.fsWrite.map((p) => `--allow-fs-write=${p}`),
    ...(granted.childProcess ? ['--allow-child-process'] : []),
    ...(granted.worker ? ['--allow-worker'] : []),
  ];
}

/** "SIGKILL" for 137: how a parent that ran it reports a process a signal ended. */
function signalOfExitCode(code: number | null): NodeJS.Signals | null {
  if (code === null || code <= 128) return null;
  const found = Object.entries(os.constants.signals).find(([, n]) => n === code - 128);
  return (found?.[0] as NodeJS.Signals | undefined) ?? null;
}

function realOrSelf(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * The host's own process among those `pid` started (bubblewrap and its init come first): the
 * first running `node`, breadth first, so that what the plugin starts under it is not taken for
 * it. From /proc: undefined where there is none (not Linux) or it is gone.
 */
async function findProcess(pid: number, executable: string): Promise<number | undefined> {
  let level = [pid];
  while (level.length > 0) {
    for (const candidate of level) {
      const exe = await readlink(`/proc/${candidate}/exe`).catch(() => undefined);
      if (exe === executable) return candidate;
    }
    const next = await Promise.all(
      level.map((p) => readFile(`/proc/${p}/task/${p}/children`, 'utf8').catch(() => '')),
    );
    level = next.flatMap((text) => text.split(' ').filter(Boolean).map(Number));
  }
  return undefined;
}

/** A process's resident memory (VmRSS), from /proc. */
async function residentBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}
