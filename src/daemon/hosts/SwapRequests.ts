import { HostRequestError } from '../crossing/HostRequestError.js';
import type {
  HostCallError,
  StoredState,
  SwapParams,
  SwapReport,
} from '../crossing/hostMessages.js';
import type { CallGate } from './CallGate.js';
import type { GenerationHost, RemoteGeneration } from './RemoteGeneration.js';

/**
 * The daemon's side of swaps: each is one request to the plugin's host (worker/GenerationSwap.ts),
 * while the plugin's gate holds the calls routed to it. It alone knows which hosts still hold a
 * plugin's calls after a swap whose new generation failed (until `resume`).
 */
export class SwapRequests {
  private readonly suspendedIn = new Map<string, Set<GenerationHost>>();

  constructor(
    private readonly gate: CallGate,
    private readonly lifecycleMs: number,
    /** True while the plugin waits for the editor: its limits stand still meanwhile. */
    private readonly waitsForEditor: (pluginId: string) => boolean,
  ) {}

  /**
   * A swap of plugin `id` (a reload, a first load, a stop): from now until `resume`, calls
   * routed to it wait in the gate, and its host does the rest in one step (SwapParams). Two
   * generations in different hosts (the manifest moved the plugin) take a step in each.
   */
  async swap(
    id: string,
    retire: RemoteGeneration | undefined,
    start: RemoteGeneration | undefined,
    stored: StoredState | undefined,
    afterReload: boolean,
    /** Start with `stored` even where `retire` hands its own state over (a restore). */
    override = false,
  ): Promise<SwapReport> {
    this.gate.shutFor(id);
    const stop = start === undefined ? { stop: true } : {};
    const starting = (given: StoredState | undefined) =>
      start
        ? {
            start: {
              key: start.key,
              stored: given,
              afterReload,
              ...(override ? { override } : {}),
            },
          }
        : {};
    let report: SwapReport;
    if (!retire || !start || retire.host === start.host) {
      const host = (retire ?? start)?.host;
      if (!host) return { stillRunning: 0, timings: NO_TIMINGS, leftovers: [] };
      report = await this.swapIn(host, {
        pluginId: id,
        ...(retire ? { retire: retire.key } : {}),
        ...stop,
        ...starting(stored),
      });
    } else {
      const retired = await this.swapIn(retire.host, { pluginId: id, retire: retire.key });
      if (retired.saveFailed) {
        await start.unload();
        return retired;
      }
      const saved = retired.saved;
      const handed =
        saved?.value !== undefined && !override
          ? { value: saved.value, stateVersion: saved.stateVersion }
          : stored;
      const started = await this.swapIn(start.host, { pluginId: id, ...starting(handed) });
      report = { ...started, ...retired, ...pickStart(started) };
    }
    if (retire && !(report.saveFailed && start)) retire.unloadedInHost();
    if (start && (report.saveFailed || report.startFailed)) {
      start.unloadedInHost();
      // The host keeps holding the plugin's calls for the rollback; `resume` lets them go.
      if (report.startFailed) this.suspendedIn.set(id, new Set([start.host]));
    }
    return report;
  }

  /** One swap request; a host that fails under it fails the step it was at. */
  private async swapIn(host: GenerationHost, params: SwapParams): Promise<SwapReport> {
    try {
      return await host.request(
        { op: 'swap', ...params },
        // Each of its steps has the lifecycle limit in the host; this only catches a lost host.
        this.lifecycleMs * SWAP_STEPS,
        'swap',
        () => this.waitsForEditor(params.pluginId),
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

  /** The swap is over: what a host still held is delivered, then the calls waiting in the gate go on. */
  resume(id: string): void {
    for (const host of this.suspendedIn.get(id) ?? []) host.post({ op: 'resume', pluginId: id });
    this.suspendedIn.delete(id);
    this.gate.openFor(id);
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
