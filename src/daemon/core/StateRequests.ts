import {
  type PluginGetState,
  type ReloadResult,
  ReloadTrigger,
  type RequestedBy,
  type ResultOf,
  type SnapshotInfo,
} from '../../protocol/index.js';
import { toJsonValue } from '../crossing/stateTransfer.js';
import type { PluginCatalog } from '../plugins/PluginCatalog.js';
import type { PluginRunner } from '../reloading/PluginRunner.js';
import type { PluginStorage } from '../state/PluginStorage.js';
import type { Snapshot, SnapshotStore } from '../state/SnapshotStore.js';
import { RequestFailure } from '../toClients/RequestFailure.js';

/** What the state requests need of the core (createDaemon.ts builds them). */
export interface StateParts {
  catalog: PluginCatalog;
  snapshots: SnapshotStore;
  storage: PluginStorage;
  runner: PluginRunner;
}

/**
 * The requests about a plugin's state: a fresh snapshot, its history, a past one, and reloads
 * that start from a state of the client's choosing. ReloadDaemon answers them through this.
 */
export class StateRequests {
  constructor(private readonly parts: StateParts) {}

  /**
   * `plugin/getState`: takes a fresh snapshot from the running generation first, if it can; or,
   * given a generation, shows the newest snapshot of the history that generation took.
   */
  async getState(
    id: string,
    options: { history?: boolean; generation?: number } = {},
  ): Promise<ResultOf<typeof PluginGetState>> {
    const { catalog, snapshots, storage, runner } = this.parts;
    const record = catalog.get(id);
    if (!record && !snapshots.get(id) && !storage.has(id)) throw RequestFailure.unknownPlugin(id);
    if (options.generation !== undefined) {
      const past = this.snapshotOf(id, options.generation);
      return { id, generation: past.generation, ...stateView(past) };
    }
    if (record) await runner.refreshSnapshot(record);
    const snapshot = snapshots.get(id);
    return {
      id,
      generation: record?.generationNumber ?? snapshot?.generation ?? 0,
      ...stateView(snapshot),
      // What the plugin keeps for itself (ctx.storage) has no history: only the current view shows it.
      storage: storage.entries(id),
      ...(options.history ? { history: snapshots.history(id).map(snapshotInfo) } : {}),
    };
  }

  /** `plugin/restoreSnapshot`: a reload whose new generation starts with that snapshot. */
  async restoreSnapshot(
    id: string,
    generation: number,
    requestedBy?: RequestedBy,
  ): Promise<ReloadResult> {
    this.parts.catalog.require(id);
    const { value, stateVersion } = this.snapshotOf(id, generation);
    return this.reloadWithState(id, { value, stateVersion }, requestedBy);
  }

  /**
   * A reload whose new generation starts with `state` (of the daemon's realm, with the
   * `stateVersion` it was saved under) instead of the one the running generation hands over.
   */
  async reloadWithState(
    id: string,
    state: { value: unknown; stateVersion: number | undefined },
    requestedBy?: RequestedBy,
  ): Promise<ReloadResult> {
    const results = await this.parts.runner.reload([id], ReloadTrigger.Request, {
      ...(requestedBy ? { requestedBy } : {}),
      restore: state,
    });
    return results.find((r) => r.id === id) as ReloadResult;
  }

  /**
   * `reloadd verify`'s migration check: a reload that gives the new generation its current state
   * as if saved under the `stateVersion` before its own, which its `migrateState` must take.
   * Undefined for a plugin that declares no version (or version 0), or keeps no state.
   */
  async reloadAsPreviousVersion(id: string): Promise<ReloadResult | undefined> {
    const { catalog, runner, snapshots } = this.parts;
    const record = catalog.require(id);
    const version = record.descriptor.stateVersion;
    if (version === undefined || version < 1) return undefined;
    await runner.refreshSnapshot(record);
    const snapshot = snapshots.get(id);
    if (!snapshot) return undefined;
    return this.reloadWithState(id, { value: snapshot.value, stateVersion: version - 1 });
  }

  private snapshotOf(id: string, generation: number): Snapshot {
    const found = this.parts.snapshots.ofGeneration(id, generation);
    if (found) return found;
    const kept = [...new Set(this.parts.snapshots.history(id).map((s) => s.generation))];
    throw RequestFailure.unknownSnapshot(id, generation, kept);
  }
}

/** A snapshot as clients see it: JSON, what JSON flattened, and when. */
function stateView(snapshot: Snapshot | undefined) {
  const flattened: Record<string, string> = {};
  const state = snapshot ? (toJsonValue(snapshot.value, flattened) ?? null) : null;
  return {
    state,
    savedAt: snapshot ? snapshot.savedAt.toISOString() : null,
    ...(Object.keys(flattened).length > 0 ? { types: flattened } : {}),
  };
}

function snapshotInfo(snapshot: Snapshot): SnapshotInfo {
  return {
    generation: snapshot.generation,
    savedAt: snapshot.savedAt.toISOString(),
    sizeBytes: snapshot.sizeBytes ?? null,
    takenBy: snapshot.takenBy ?? null,
    stateVersion: snapshot.stateVersion ?? null,
  };
}
