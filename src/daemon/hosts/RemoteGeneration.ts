import type {
  ExtractedState,
  HostLimits,
  HostOp,
  HostPost,
  HostRequest,
  HostResult,
  StoredState,
} from '../crossing/hostMessages.js';
import type { Leftover } from '../crossing/leftovers.js';
import { forGeneration, type PluginBundle } from '../crossing/PluginBundle.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';

/** One generation to load into a host. */
export interface LoadOrder {
  /** Unique to this generation: what the host writes in its "running" slot. */
  slot: number;
  descriptor: PluginDescriptor;
  bundle: PluginBundle;
  number: number;
  /** The daemon's snapshot, for a host with no generation of the plugin yet. */
  state: StoredState | undefined;
  limits: HostLimits;
  /** Told when the generation is unloaded (by the daemon, or by its host in a swap). */
  onUnload?: (generation: RemoteGeneration) => void;
  /** True while the plugin waits for the editor: its time limits stand still meanwhile. */
  awaitsEditor?: () => boolean;
}

/** What a generation needs of the host it lives in: PluginHost, or a test's fake. */
export interface GenerationHost {
  readonly alive: boolean;
  post(message: HostPost): void;
  request<K extends HostOp>(
    request: HostRequest<K>,
    limitMs?: number,
    call?: string,
    waiting?: () => boolean,
  ): Promise<HostResult<K>>;
}

/**
 * The daemon's handle on one generation that lives in a plugin host. Every method is one request
 * to the host; failures arrive as HostRequestError, with the call, the message and the location.
 * Its lifecycle (activate, state, deactivate) runs in the host's swaps (SwapRequests).
 */
export class RemoteGeneration {
  /** Its beforeExit was asked for: a generation gets one call, whatever asks again. */
  private exitHookCalled = false;

  private constructor(
    readonly host: GenerationHost,
    readonly key: string,
    /** Identifies this generation in the host's "who is running" slot. */
    readonly slot: number,
    readonly descriptor: PluginDescriptor,
    readonly bundle: PluginBundle,
    readonly number: number,
    readonly hasSaveState: boolean,
    readonly hasBeforeExit: boolean,
    /** Milliseconds its host took to make its realm and evaluate its bundle. */
    readonly evaluateMs: number,
    private readonly limits: HostLimits,
    private readonly onUnload: (generation: RemoteGeneration) => void,
    /** True while this plugin waits for the editor: its time limits stand still meanwhile. */
    private readonly waiting: () => boolean,
  ) {}

  /** Evaluates the bundle in a fresh realm in `host`; throws HostRequestError if it cannot be a plugin. */
  static async load(host: GenerationHost, order: LoadOrder): Promise<RemoteGeneration> {
    const { slot, descriptor, bundle, number, state, limits } = order;
    const key = `${descriptor.id}#${number}.${slot}`;
    const named = forGeneration(bundle, number);
    const info = await host.request(
      {
        op: 'load',
        key,
        slot,
        descriptor,
        bundle: named,
        generation: number,
        state: state?.value,
        stateVersion: state?.stateVersion,
      },
      limits.lifecycleMs,
      'module evaluation',
    );
    return new RemoteGeneration(
      host,
      key,
      slot,
      descriptor,
      named,
      number,
      info.hasSaveState,
      info.hasBeforeExit === true,
      info.evaluateMs ?? 0,
      limits,
      order.onUnload ?? (() => undefined),
      order.awaitsEditor ?? (() => false),
    );
  }

  saveState(): Promise<ExtractedState> {
    return this.host.request(
      { op: 'saveState', key: this.key },
      this.limits.lifecycleMs,
      'saveState',
      this.waiting,
    );
  }

  /** It exports beforeExit and has not been asked to run it. */
  get owesBeforeExit(): boolean {
    return this.hasBeforeExit && !this.exitHookCalled;
  }

  /**
   * Its `beforeExit(ctx, editorState)`, once: a later call does nothing. Under the lifecycle
   * limit (which stands still while the plugin waits for the editor).
   */
  async beforeExit(editorState: unknown): Promise<void> {
    if (!this.owesBeforeExit) return;
    this.exitHookCalled = true;
    await this.host.request(
      { op: 'beforeExit', key: this.key, editorState },
      this.limits.lifecycleMs,
      'beforeExit',
      this.waiting,
    );
  }

  /** The host unloaded it itself, in a swap: what the daemon knew of it goes. */
  unloadedInHost(): void {
    this.onUnload(this);
  }

  /** Releases everything the generation holds; what it still held is returned. Never throws. */
  async unload(): Promise<Leftover[]> {
    this.onUnload(this);
    if (!this.host.alive) return [];
    try {
      const { leftovers } = await this.host.request(
        { op: 'unload', key: this.key },
        this.limits.lifecycleMs,
      );
      return leftovers;
    } catch {
      return [];
    }
  }

  /** The events its plugin listens to now, by name. */
  listening(): Promise<string[]> {
    return this.host.request({ op: 'listening', key: this.key }, this.limits.lifecycleMs);
  }

  /** Runs a command; `limitMs` is what is left of its time limit (less after a wait in a swap). */
  command(name: string, args: unknown[], limitMs = this.limits.commandMs): Promise<unknown> {
    return this.host.request(
      { op: 'command', key: this.key, name, args },
      limitMs,
      `command "${name}"`,
      this.waiting,
    );
  }

  /** A method of the API its `activate` returned, run as a command is (same limits, same wait). */
  callApi(method: string, args: unknown[], limitMs = this.limits.commandMs): Promise<unknown> {
    return this.host.request(
      { op: 'command', key: this.key, name: method, args, api: true },
      limitMs,
      `API method "${method}"`,
      this.waiting,
    );
  }
}
