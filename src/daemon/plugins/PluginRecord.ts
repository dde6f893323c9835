import { performance } from 'node:perf_hooks';
import {
  type ActivationTimings,
  DidChangeStatus,
  DidReload,
  type DidReloadParams,
  PluginStatus,
  ReloaddErrorCodes,
  type ReloadError,
  type ReloadResult,
  ReloadTrigger,
} from '../../protocol/index.js';
import type { PluginBundle } from '../crossing/PluginBundle.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { CallGate } from '../hosts/CallGate.js';
import { LoadedGenerations } from '../hosts/LoadedGenerations.js';
import { PluginCommands } from '../hosts/PluginCommands.js';
import type { RemoteGeneration } from '../hosts/RemoteGeneration.js';
import { UnloadChecks } from '../hosts/UnloadChecks.js';
import type { ClientNotifier } from '../toClients/Broadcaster.js';
import { OperationQueue } from './OperationQueue.js';
import type { InvalidPlugin } from './pluginFolder.js';

/** What the running generation was built from, to bring it back if its successor fails. */
export interface LastGood {
  descriptor: PluginDescriptor;
  bundle: PluginBundle;
}

export interface LastReload {
  at: Date;
  ok: boolean;
  durationMs: number;
  trigger: ReloadTrigger;
  /** Why it failed, when it did: the generation before it runs on (or came back: `rolledBack`). */
  error?: ReloadError;
  rolledBack?: boolean;
}

/** What a reload says of itself; the record adds the plugin and what it is now. */
export type ReloadReport = Omit<DidReloadParams, 'id' | 'status' | 'timestamps'> & {
  /** When the first file event behind it came, in the epoch's milliseconds (a file change's). */
  detected?: number;
};

/**
 * One plugin, alive or not, and the one owner of everything live about it: its status and
 * generation, which change only through the transitions below and of which this class alone
 * tells clients (`plugin/didReload`, `plugin/didChangeStatus`); its queue of operations (a reload
 * and a stop each wait their turn there); its gate, where calls wait out its swaps; and what its
 * hosts reported of its unloaded generations. Everyone else reads.
 */
export class PluginRecord {
  private currentDescriptor: PluginDescriptor;
  private currentStatus: PluginStatus = PluginStatus.Loading;
  private running: RemoteGeneration | undefined;
  private number: number;
  private good: LastGood | undefined;
  private buildInputs: Set<string>;
  private buildFailed = false;
  private invalidReason: InvalidPlugin | undefined;
  private last: LastReload | undefined;
  private firstActivation: ActivationTimings | undefined;
  private lastActivation: ActivationTimings | undefined;
  /** Reloads after the first load, and how many of them failed. */
  private reloadCount = 0;
  private failedReloads = 0;
  /** Its reloads, stops and lifecycle calls, one at a time. */
  readonly queue = new OperationQueue<ReloadResult>();
  /** Its generations in the plugin hosts, loaded and not yet unloaded. */
  readonly generations = new LoadedGenerations();
  /** The commands its generations registered. */
  readonly commands = new PluginCommands();
  /** Its calls from outside, held while it is swapped; its waits for the editor. */
  readonly gate: CallGate;
  /** What its hosts reported of its unloaded generations. */
  readonly unloadChecks = new UnloadChecks();

  constructor(
    descriptor: PluginDescriptor,
    /** The last generation number its saved state or an earlier life carries (0: none). */
    generationNumber: number,
    private readonly clients: ClientNotifier,
  ) {
    this.currentDescriptor = descriptor;
    this.number = generationNumber;
    this.buildInputs = new Set([descriptor.entry]);
    this.gate = new CallGate(descriptor.id);
  }

  get id(): string {
    return this.currentDescriptor.id;
  }

  get descriptor(): PluginDescriptor {
    return this.currentDescriptor;
  }

  get status(): PluginStatus {
    return this.currentStatus;
  }

  /** The generation running now, if any. Never two at once. */
  get generation(): RemoteGeneration | undefined {
    return this.running;
  }

  /** Number of the running generation, or of the last one that ran (0: none ever ran). */
  get generationNumber(): number {
    return this.number;
  }

  get lastGood(): LastGood | undefined {
    return this.good;
  }

  /** Files the last build read (or tried to), absolute. */
  get inputs(): ReadonlySet<string> {
    return this.buildInputs;
  }

  get lastBuildFailed(): boolean {
    return this.buildFailed;
  }

  /** Set when the folder could not be read as a plugin (bad manifest). */
  get invalid(): InvalidPlugin | undefined {
    return this.invalidReason;
  }

  /** Its first successful load's timings and its latest one's (plugin/list). */
  get activation(): { first?: ActivationTimings; last?: ActivationTimings } {
    return {
      ...(this.firstActivation ? { first: this.firstActivation } : {}),
      ...(this.lastActivation ? { last: this.lastActivation } : {}),
    };
  }

  get lastReload(): LastReload | undefined {
    return this.last;
  }

  get reloads(): { count: number; failed: number; successRate: number | null } {
    const count = this.reloadCount;
    const failed = this.failedReloads;
    return { count, failed, successRate: count === 0 ? null : (count - failed) / count };
  }

  // Transitions of the plugin's files and manifest.

  /** Its manifest was read again and changed; it reads as a plugin (again). */
  redescribe(descriptor: PluginDescriptor): void {
    this.currentDescriptor = descriptor;
    this.invalidReason = undefined;
  }

  /** Its folder no longer reads as a plugin: it is failed until its manifest reads again. */
  invalidate(invalid: InvalidPlugin): void {
    this.invalidReason = invalid;
    this.currentStatus = PluginStatus.Failed;
  }

  /** A build succeeded: the watcher maps changes through exactly what it read. */
  recordBuild(inputs: Iterable<string>): void {
    this.buildFailed = false;
    this.buildInputs = new Set(inputs);
  }

  /** A build failed: any of these files (and anything under the folder) retries it. */
  recordBrokenBuild(files: Iterable<string>): void {
    this.buildFailed = true;
    this.buildInputs = new Set([...this.buildInputs, ...files]);
  }

  // Transitions of its generations.

  /** A disabled plugin is being loaded again. */
  beginEnable(): void {
    if (this.currentStatus === PluginStatus.Disabled) this.currentStatus = PluginStatus.Loading;
  }

  /** A new generation is active: it is the one running now. */
  activate(generation: RemoteGeneration, builtFrom: LastGood): void {
    this.running = generation;
    this.number = generation.number;
    this.good = builtFrom;
    this.currentStatus = PluginStatus.Active;
  }

  /** Mid-reload: the old generation is unloaded, its successor not yet active. */
  retireGeneration(): void {
    this.running = undefined;
  }

  /** The last good code is running again (same number) after its successor failed. */
  restoreGeneration(generation: RemoteGeneration): void {
    this.running = generation;
    this.currentStatus = PluginStatus.Active;
  }

  /** A load or reload failed; with no generation left running, the plugin is failed. */
  failLoad(): void {
    if (!this.running) this.currentStatus = PluginStatus.Failed;
  }

  /** A stop (disable, removal, shutdown) began: the status it ends in holds from now on. */
  beginStop(status: PluginStatus): void {
    this.currentStatus = status;
  }

  /** The stop is done; a deactivate that hung leaves the plugin failed, whatever the stop was for. */
  finishStop(hung: boolean): void {
    this.running = undefined;
    if (hung) this.currentStatus = PluginStatus.Failed;
  }

  /** The watchdog stopped it (a call ran past its limit, or its host died while it ran). */
  failFromWatchdog(): void {
    this.running = undefined;
    this.currentStatus = PluginStatus.Failed;
    this.announceStatus();
  }

  /** Its host died under it, because of another plugin: it is loaded again with its state. */
  loseHost(): void {
    this.running = undefined;
  }

  // What clients are told.

  /** `plugin/didChangeStatus` with the status it has now (after a disable, a bad manifest...). */
  announceStatus(): void {
    this.clients.notify(DidChangeStatus, {
      id: this.id,
      status: this.currentStatus,
      generation: this.number,
    });
  }

  /** Its folder is gone: `plugin/didChangeStatus` `removed`. */
  announceRemoval(): void {
    this.clients.notify(DidChangeStatus, {
      id: this.id,
      status: 'removed',
      generation: this.number,
    });
  }

  /** A reload (or first load) finished, well or not. */
  reportReload(report: ReloadReport): void {
    if (report.trigger !== ReloadTrigger.Startup) {
      this.reloadCount += 1;
      if (!report.ok) this.failedReloads += 1;
    }
    this.last = {
      at: new Date(),
      ok: report.ok,
      durationMs: report.durationMs,
      trigger: report.trigger,
      ...(report.error ? { error: report.error } : {}),
      ...(report.rolledBack ? { rolledBack: true } : {}),
    };
    if (report.ok && report.phases) {
      const { evaluate, activate, restoreState } = report.phases;
      this.lastActivation = {
        generation: report.generation,
        at: this.last.at.toISOString(),
        trigger: report.trigger,
        moduleLoadMs: evaluate,
        activateMs: activate,
        activateCallMs: report.phases.activateCall ?? activate,
        restoreStateMs: restoreState,
        totalMs: Math.round((evaluate + activate + restoreState) * 100) / 100,
      };
      this.firstActivation ??= this.lastActivation;
    }
    // The moment it leaves, in the epoch's milliseconds: a client reads its own share from it.
    const { detected, ...reload } = report;
    const timestamps = {
      ...(detected !== undefined ? { detected } : {}),
      sent: performance.timeOrigin + performance.now(),
    };
    this.clients.notify(DidReload, { id: this.id, ...reload, status: this.status, timestamps });
  }

  /** Its files changed, but it cannot be hot-reloaded: the failed didReload that says so. */
  reportRestartRequired(trigger: ReloadTrigger, changedFiles: string[], message: string): void {
    this.clients.notify(DidReload, {
      id: this.id,
      ok: false,
      generation: this.number,
      status: this.status,
      durationMs: 0,
      trigger,
      ...(changedFiles.length > 0 ? { changedFiles } : {}),
      error: { code: ReloaddErrorCodes.RestartRequired, message },
    });
  }
}
