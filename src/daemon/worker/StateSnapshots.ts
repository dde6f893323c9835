import type { ExtractedState, HostNotice, StoredState } from '../crossing/hostMessages.js';
import { extractState } from '../crossing/stateTransfer.js';
import type { PluginGeneration } from './PluginGeneration.js';

/** How often a busy plugin's state is snapshotted, at most (so a host crash loses little). */
export const SNAPSHOT_EVERY_MS = 250;

/**
 * The host's side of state snapshots: each plugin's latest state as plain data (so
 * `ctx.getPluginState` stays synchronous), and the `stateWritten` notices that carry a
 * generation's state to the daemon: after every command, and at most SNAPSHOT_EVERY_MS after one
 * of its timers or listeners ran.
 */
export class StateSnapshots {
  /** Each plugin's latest state here, with the stateVersion of the generation it came from. */
  private readonly latest = new Map<string, StoredState>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Swaps' snapshots not sent yet: they go out just after the swap's answer. */
  private readonly handedOver = new Map<string, HostNotice[]>();

  constructor(
    private readonly notify: (notice: HostNotice) => void,
    /** The key of a generation still loaded in this host; undefined once it is unloaded. */
    private readonly keyOf: (generation: PluginGeneration) => string | undefined,
  ) {}

  read(pluginId: string): unknown {
    return this.latest.get(pluginId)?.value;
  }

  /** The latest state of the plugin in this host, as a swap hands it on when it takes none. */
  latestOf(pluginId: string): StoredState | undefined {
    return this.latest.get(pluginId);
  }

  remember(pluginId: string, state: unknown, stateVersion: number | undefined): void {
    if (state !== undefined) this.latest.set(pluginId, { value: state, stateVersion });
  }

  /** State copied out of a generation's realm, with what could not cross. */
  extract(raw: unknown): ExtractedState {
    return raw === undefined ? { value: undefined, problems: [] } : extractState(raw);
  }

  /**
   * State the daemon asked for (its `saveState`), for the answer to carry. What a swap handed
   * over goes out first: the daemon keeps snapshots in the order they arrive, and this one is
   * newer (a reload's answer can reach a client, and its `plugin/getState` come here, before the
   * swap's `stateTaken` has left).
   */
  answer(pluginId: string, raw: unknown): ExtractedState {
    this.sendHandedOver(pluginId);
    return this.extract(raw);
  }

  /** The plugin handed state over itself (`savePluginState`). */
  written(key: string, generation: PluginGeneration | undefined, raw: unknown): void {
    if (generation) this.share(key, generation, raw, 'plugin');
  }

  /** Takes and sends the generation's state now (after a command: its answer waits for this). */
  async now(
    generation: PluginGeneration,
    cause: 'command' | 'activity' = 'command',
  ): Promise<void> {
    // Only `saveState` is asked between reloads. The Red editor's `onBeforeReload` means what it
    // says (a plugin may tear things down there); such plugins keep state with savePluginState.
    if (!generation.savesStateAnytime) return;
    try {
      const raw = await generation.saveState();
      const key = this.keyOf(generation);
      if (raw !== undefined && key) this.share(key, generation, raw, cause);
    } catch {
      // A failing saveState is reported when it matters: at the next reload or stop.
    }
  }

  /** One of the generation's timers or listeners ran: its state is sent within SNAPSHOT_EVERY_MS. */
  soon(generation: PluginGeneration): void {
    if (!generation.hasSaveState) return;
    const key = this.keyOf(generation);
    if (!key || this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.now(generation, 'activity').catch(() => undefined);
    }, SNAPSHOT_EVERY_MS);
    timer.unref();
    this.timers.set(key, timer);
  }

  /**
   * A swap's snapshot, sent on the next turn (after the swap's answer), and always before any
   * later snapshot of the same plugin, so the daemon never keeps an older state over a newer one.
   */
  handOver(pluginId: string, notice: HostNotice): void {
    const queued = this.handedOver.get(pluginId);
    if (queued) {
      queued.push(notice);
      return;
    }
    this.handedOver.set(pluginId, [notice]);
    setImmediate(() => this.sendHandedOver(pluginId));
  }

  /** The generation is unloaded: no snapshot of it is due any more. */
  forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  /** The generation's latest state: kept here for getPluginState, and sent to the daemon. */
  private share(
    key: string,
    generation: PluginGeneration,
    raw: unknown,
    cause: 'command' | 'activity' | 'plugin',
  ): void {
    this.sendHandedOver(generation.descriptor.id);
    const state = this.extract(raw);
    this.remember(generation.descriptor.id, state.value, generation.descriptor.stateVersion);
    this.notify({
      op: 'stateWritten',
      key,
      pluginId: generation.descriptor.id,
      generation: generation.number,
      stateVersion: generation.descriptor.stateVersion,
      state,
      cause,
    });
  }

  private sendHandedOver(pluginId: string): void {
    const queued = this.handedOver.get(pluginId);
    this.handedOver.delete(pluginId);
    for (const notice of queued ?? []) this.notify(notice);
  }
}
