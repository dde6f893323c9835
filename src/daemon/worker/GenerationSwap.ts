import { performance } from 'node:perf_hooks';
import { HostRequestError } from '../crossing/HostRequestError.js';
import type {
  ExtractedState,
  HostCallError,
  StoredState,
  SwapParams,
  SwapReport,
} from '../crossing/hostMessages.js';
import type { Leftover } from '../crossing/leftovers.js';
import { describeThrown } from '../crossing/sourceLocation.js';
import type { PluginGeneration } from './PluginGeneration.js';
import type { StateSnapshots } from './StateSnapshots.js';

/** What a swap needs of the host it runs in (HostRuntime). */
export interface SwapServices {
  loaded(key: string): PluginGeneration;
  /** Holds new calls into the plugin; resolves with how many running calls were not waited for. */
  suspend(pluginId: string): Promise<number>;
  /** Lets the held calls go, to whichever generation is active. */
  resume(pluginId: string): void;
  unload(key: string, generation: PluginGeneration): Leftover[];
  /** Runs one lifecycle call under the watchdog; a failure is thrown as HostRequestError. */
  lifecycle<T>(generation: PluginGeneration, call: string, work: () => Promise<T>): Promise<T>;
  snapshots: StateSnapshots;
  lifecycleMs: number;
  /** True while the plugin waits for the editor: its limits stand still meanwhile. */
  waitsForEditor(pluginId: string): boolean;
}

type Timings = SwapReport['timings'];

/**
 * A reload's swap inside the host, as one step for the daemon: both generations live here, so
 * the state goes from one realm to the other without crossing the thread, and the daemon hears
 * once, when it is over. The snapshot it keeps follows the answer (`stateTaken`).
 */
export async function swapGenerations(
  params: SwapParams,
  services: SwapServices,
): Promise<SwapReport> {
  const { pluginId } = params;
  const timings: Timings = { saveState: 0, deactivate: 0, activate: 0, restoreState: 0 };
  const timed = async <T>(phase: keyof Timings, work: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await work();
    } finally {
      timings[phase] += performance.now() - start;
    }
  };
  const leaving = params.retire !== undefined ? services.loaded(params.retire) : undefined;
  const coming = params.start !== undefined ? services.loaded(params.start.key) : undefined;
  // Waiting for running calls is part of taking the state; a first load takes none.
  const stillRunning = leaving
    ? await timed('saveState', () => services.suspend(pluginId))
    : await services.suspend(pluginId);
  const report: SwapReport = { stillRunning, timings, leftovers: [] };

  let taken: ExtractedState | undefined;
  if (leaving && params.retire !== undefined) {
    // From here on, what the old generation's own code does is in no state (its calls are held).
    leaving.retiring();
    try {
      taken = await timed('saveState', () => saveState(leaving, services));
    } catch (error) {
      report.saveFailed = failure(error);
      if (!params.stop) {
        leaving.keptRunning();
        if (coming && params.start) services.unload(params.start.key, coming);
        services.resume(pluginId);
        return report;
      }
    }
    if (taken) {
      report.saved = {
        value: taken.value,
        problems: taken.problems,
        stateVersion: leaving.descriptor.stateVersion,
      };
    }
    try {
      await timed('deactivate', () =>
        step(services, leaving, 'deactivate', () => leaving.deactivate()),
      );
    } catch (error) {
      report.deactivateFailed = failure(error);
    }
    report.leftovers = services.unload(params.retire, leaving);
  }
  if (!coming || !params.start) {
    services.resume(pluginId);
    return report;
  }

  // What the old generation handed over; else the daemon's snapshot, when it sent one (a first
  // load here); else the latest state this host saw of the plugin, which is that snapshot too.
  const given: StoredState | undefined =
    params.start.override && params.start.stored
      ? params.start.stored
      : taken && taken.value !== undefined && leaving
        ? { value: taken.value, stateVersion: leaving.descriptor.stateVersion }
        : (params.start.stored ?? services.snapshots.latestOf(pluginId));
  let migrated: ExtractedState | undefined;
  try {
    await timed('activate', () => step(services, coming, 'activate', () => coming.activate()));
    timings.activateCall = coming.lastCallMs;
    let state = given?.value;
    const wanted = coming.descriptor.stateVersion;
    if (given && given.stateVersion !== wanted) {
      if (coming.hasMigrateState) {
        const raw = await step(services, coming, 'migrateState', () =>
          coming.migrateState(given.value, given.stateVersion),
        );
        migrated = services.snapshots.extract(raw);
        report.migrated = { problems: migrated.problems };
        state = migrated.value;
      } else {
        report.stateDropped = { from: given.stateVersion, to: wanted };
        state = undefined;
      }
    }
    await timed('restoreState', () =>
      step(services, coming, 'restoreState', () =>
        coming.restoreState(state, params.start?.afterReload ?? false),
      ),
    );
  } catch (error) {
    report.startFailed = failure(error);
    services.unload(params.start.key, coming);
    // The daemon rolls back, then lets the held calls go.
    return report;
  }
  services.resume(pluginId);
  // Clients hear of the reload first; the daemon's snapshot follows, before anything the new
  // generation saves (StateSnapshots sends in order).
  if (report.saved && leaving) {
    delete report.saved.value;
    services.snapshots.handOver(pluginId, {
      op: 'stateTaken',
      pluginId,
      generation: leaving.number,
      stateVersion: leaving.descriptor.stateVersion,
      value: taken?.value,
    });
  }
  if (migrated && migrated.value !== undefined) {
    services.snapshots.handOver(pluginId, {
      op: 'stateTaken',
      pluginId,
      generation: coming.number,
      stateVersion: coming.descriptor.stateVersion,
      value: migrated.value,
    });
  }
  return report;
}

async function saveState(
  generation: PluginGeneration,
  services: SwapServices,
): Promise<ExtractedState | undefined> {
  if (!generation.hasSaveState) return undefined;
  const raw = await step(services, generation, 'saveState', () => generation.saveState());
  const saved = services.snapshots.extract(raw);
  // The next generation reads it in activate with getPluginState.
  services.snapshots.remember(
    generation.descriptor.id,
    saved.value,
    generation.descriptor.stateVersion,
  );
  return saved;
}

/**
 * One lifecycle call of the swap: a synchronous part is bounded by vm's timeout, and a promise
 * that never settles by the same limit here, so one hung call cannot hold the whole swap.
 */
async function step<T>(
  services: SwapServices,
  generation: PluginGeneration,
  call: string,
  work: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    const arm = () => {
      timer = setTimeout(() => {
        if (services.waitsForEditor(generation.descriptor.id)) return arm();
        reject(
          new HostRequestError({
            reason: 'timeout',
            call,
            message: `${call} did not finish within ${services.lifecycleMs} ms`,
          }),
        );
      }, services.lifecycleMs);
    };
    arm();
  });
  try {
    return await Promise.race([services.lifecycle(generation, call, work), hung]);
  } finally {
    clearTimeout(timer);
  }
}

function failure(error: unknown): HostCallError {
  if (error instanceof HostRequestError) return error.error;
  return { reason: 'internal', message: describeThrown(error) };
}
