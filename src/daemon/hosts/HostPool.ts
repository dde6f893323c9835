import { hostName } from '../../protocol/index.js';
import type { HostInitiated, HostLimits, HostMemory, HostPost } from '../crossing/hostMessages.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import type { ProcessInspector, WorkerThread } from '../debugging/DevToolsTargets.js';
import type { HostInspector } from '../debugging/HostInspector.js';
import type { Logger } from '../logs/logger.js';
import { HostKind } from './hostTransports.js';
import { type HostCrash, PluginHost } from './PluginHost.js';

export interface HostPoolOptions {
  limits: HostLimits;
  /** Heap cap of each host, in MB. */
  memoryMb: number;
  logger: Logger;
  /** Sees into a host from outside (whether it is paused; where a stuck one loops). */
  inspector?: HostInspector;
  /** A notice, or a request of the host's own, which `PluginHost.answer` replies to. */
  onNotice(host: PluginHost, notice: HostInitiated): void;
  onCrash(host: PluginHost, crash: HostCrash): void;
}

/** One plugin host as daemon/status reports it. */
export type HostMemoryReport = { name: string; plugins: string[] } & Partial<HostMemory>;

const MEMORY_ANSWER_MS = 1000;

/**
 * The plugin hosts: one shared host for every plugin that does not ask otherwise (so that 100
 * plugins cost one worker), and one of its own for each plugin whose manifest says
 * `"isolation": "dedicated"`. A host that ended is replaced on next use.
 */
export class HostPool {
  private readonly hosts = new Map<string, PluginHost>();

  constructor(
    private readonly options: HostPoolOptions,
    /** The plugin host's script (installation.ts finds it). */
    private readonly workerPath: URL,
  ) {}

  hostFor(descriptor: Pick<PluginDescriptor, 'id' | 'isolation' | 'permissions'>): PluginHost {
    const name = hostName(descriptor);
    const existing = this.hosts.get(name);
    if (existing?.alive) return existing;
    const host: PluginHost = new PluginHost(name, {
      workerPath: this.workerPath,
      kind: descriptor.isolation === 'process' ? HostKind.Process : HostKind.Worker,
      ...(descriptor.permissions ? { permissions: descriptor.permissions } : {}),
      ...(descriptor.isolation === 'process' ? { plugin: descriptor.id } : {}),
      limits: this.options.limits,
      memoryMb: this.options.memoryMb,
      logger: this.options.logger,
      ...(this.options.inspector ? { inspector: this.options.inspector } : {}),
      onNotice: (notice) => this.options.onNotice(host, notice),
      onCrash: (crash) => this.options.onCrash(host, crash),
    });
    this.hosts.set(name, host);
    return host;
  }

  /**
   * Each live host's memory, with the plugins `pluginsIn` says run there. A host that does not
   * answer within a second is listed without figures: a status must not wait for a busy plugin.
   */
  memory(pluginsIn: (host: PluginHost) => string[]): Promise<HostMemoryReport[]> {
    const live = [...this.hosts.values()].filter((host) => host.alive);
    return Promise.all(
      live.map(async (host) => {
        const figures = await host.memory(MEMORY_ANSWER_MS);
        return { name: host.name, plugins: pluginsIn(host).sort(), ...figures };
      }),
    );
  }

  /** The inspectors of live process hosts (under `--inspect`), with the plugins in each. */
  processInspectors(pluginsIn: (host: PluginHost) => string[]): ProcessInspector[] {
    return [...this.hosts.values()].flatMap((host) =>
      host.alive && host.inspectorUrl
        ? [{ name: host.name, plugins: pluginsIn(host).sort(), url: host.inspectorUrl }]
        : [],
    );
  }

  /** The live worker hosts, by name, with their threads (what the DevTools endpoint serves). */
  workerThreads(pluginsIn: (host: PluginHost) => string[]): WorkerThread[] {
    return [...this.hosts.values()].flatMap((host) =>
      host.alive && host.threadId !== undefined
        ? [{ name: host.name, threadId: host.threadId, plugins: pluginsIn(host).sort() }]
        : [],
    );
  }

  /** Sends to every live host but `except`. */
  broadcast(message: HostPost, except?: PluginHost): void {
    for (const host of this.hosts.values()) if (host !== except && host.alive) host.post(message);
  }

  /** Every command name, to every host, once the turn is over (PluginHost.shareCommandNames). */
  shareCommandNames(names: () => string[]): void {
    let listed: string[] | undefined;
    // Listed once for all the hosts, when the first of them sends.
    const once = () => {
      listed ??= names();
      return listed;
    };
    for (const host of this.hosts.values()) if (host.alive) host.shareCommandNames(once);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((host) => host.close()));
    this.hosts.clear();
  }
}
