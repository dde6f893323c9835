import { HostRequestError } from '../crossing/HostRequestError.js';
import type {
  HostCallError,
  StoredState,
  SwapParams,
  SwapReport,
} from '../crossing/hostMessages.js';
import type { CallGate } from './CallGate.js';
import type { GenerationHost, RemoteGeneration } from './RemoteGeneration.js';

/** One swap of a plugin's generations, as the reload side orders it. */
export interface SwapOrder {
  /** The plugin's gate: shut from the swap's start until the caller opens it again. */
  gate: CallGate;
  /** The generation that leaves (absent on a first load). */
  retire?: RemoteGeneration;
  /** The generation that takes over (absent when the plugin stops). */
  start?: RemoteGeneration;
  /**
   * The daemon's snapshot, for a `start` with no predecessor in its host; or, with `restore`,
   * the state it starts with even where `retire` hands its own over (`plugin/restoreSnapshot`).
   */
  stored?: StoredState;
  restore?: boolean;
  /** `start` follows a running generation (its restoreState is told it is a reload). */
  afterReload: boolean;
}

/**
 * The daemon's side of swaps: each is one request to the plugin's host (worker/GenerationSwap.ts),
 * while the plugin's gate holds the calls routed to it.
 */
export class SwapRequests {
  constructor(private readonly lifecycleMs: number) {}

  /**
   * A swap of the plugin (a reload, a first load, a stop): from now until its gate opens, calls
   * routed to it wait, and its host does the rest in one step (SwapParams). Two generations in
   * different hosts (the manifest moved the plugin) take a step in each. A host that keeps
   * holding the plugin's own calls for a rollback is told to let them go when the gate opens.
   */
  async swap(order: SwapOrder): Promise<SwapReport> {
    const { gate, retire, start, stored, afterReload, restore } = order;
    const id = gate.pluginId;
    gate.shut();
    const stop = start === undefined ? { stop: true } : {};
    const starting = (given: StoredState | undefined) =>
      start
        ? {
            start: {
              key: start.key,
              stored: given,
              afterReload,
              ...(restore ? { override: true } : {}),
            },
          }
        : {};
    let report: SwapReport;
    if (!retire || !start || retire.host === start.host) {
      const host = (retire ?? start)?.host;
      if (!host) return { stillRunning: 0, timings: NO_TIMINGS, leftovers: [] };
      report = await this.swapIn(gate, host, {
        pluginId: id,
        ...(retire ? { retire: retire.key } : {}),
        ...stop,
        ...starting(stored),
      });
    } else {
      const retired = await this.swapIn(gate, retire.host, { pluginId: id, retire: retire.key });
      if (retired.saveFailed) {
        await start.unload();
        return retired;
      }
      const saved = retired.saved;
      const handed =
        saved?.value !== undefined && !restore
          ? { value: saved.value, stateVersion: saved.stateVersion }
          : stored;
      const started = await this.swapIn(gate, start.host, { pluginId: id, ...starting(handed) });
      report = { ...started, ...retired, ...pickStart(started) };
    }
    if (retire && !(report.saveFailed && start)) retire.unloadedInHost();
    if (start && (report.saveFailed || report.startFailed)) {
      start.unloadedInHost();
      // The host keeps holding the plugin's calls for the rollback, until the gate opens.
      if (report.startFailed) gate.holdIn(start.host);
    }
    return report;
  }

  /** One swap request; a host that fails under it fails the step it was at. */
  private async swapIn(
    gate: CallGate,
    host: GenerationHost,
    params: SwapParams,
  ): Promise<SwapReport> {
    try {
      return await host.request(
        { op: 'swap', ...params },
        // Each of its steps has the lifecycle limit in the host; this only catches a lost host.
        this.lifecycleMs * SWAP_STEPS,
        'swap',
        () => gate.awaitsEditor,
      );
    } catch (error) {
      const failed: HostCallError =
        error instanceof HostRequestError
          ? error.error
          : { reason: 'internal', message: String(error) };
      return {
        stillRunning: 0,
        timings: NO_TIMINGS,
        leftovers: [],
        ...(params.retire ? { saveFailed: failed } : { startFailed: failed }),
      };
    }
  }
}

/** Wait for running calls, saveState, deactivate, activate, migrateState, restoreState. */
const SWAP_STEPS = 6;
const NO_TIMINGS: SwapReport['timings'] = {
  saveState: 0,
  deactivate: 0,
  activate: 0,
  restoreState: 0,
};

/** What the starting half of a swap across two hosts reported. */
function pickStart(started: SwapReport): Partial<SwapReport> {
  const { migrated, stateDropped, startFailed } = started;
  return {
    ...(migrated ? { migrated } : {}),
    ...(stateDropped ? { stateDropped } : {}),
    ...(startFailed ? { startFailed } : {}),
    stillRunning: started.stillRunning,
  };
}
