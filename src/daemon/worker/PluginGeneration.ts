import path from 'node:path';
import vm from 'node:vm';
import type { StorageCall } from '../crossing/hostMessages.js';
import type { Leftover, UntrackedRun } from '../crossing/leftovers.js';
import type { PluginBundle } from '../crossing/PluginBundle.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { intoRealm, type RealmIntrinsics } from '../crossing/stateTransfer.js';
import type { PluginCommands } from './CommandRegistry.js';
import type { PluginEvents } from './EventBus.js';
import { createPluginContext, type PluginContext } from './PluginContext.js';
import { EvaluationError, isThenable, LifecycleError } from './pluginFailures.js';
import { createRealmGlobals, type GuardedInvoke, type PluginLogger } from './RealmGlobals.js';
import type { RealmTimers } from './RedEditorApi.js';
import { ResourceTracker } from './ResourceTracker.js';
import { adoptRealm, type RealmOwner } from './UntrackedCallbacks.js';

type Hook = (...args: unknown[]) => unknown;

/**
 * The lifecycle a plugin module exports: activate (or the .NET editor guide's initialize),
 * deactivate (or shutdown), saveState, restoreState and migrateState, or the Red editor's
 * onBeforeReload, onAfterReload and beforeExit.
 */
interface PluginHooks {
  activate: Hook;
  deactivate?: Hook;
  saveState?: Hook;
  onBeforeReload?: Hook;
  restoreState?: Hook;
  onAfterReload?: Hook;
  migrateState?: Hook;
  beforeExit?: Hook;
}

/** What a generation's host gives it; the same for every generation of every plugin. */
export interface GenerationServices {
  commands: PluginCommands;
  events: PluginEvents;
  logger: PluginLogger;
  /** Longest a call into plugin code may run synchronously before it is interrupted. */
  limits: { lifecycleMs: number; commandMs: number };
  /** Plugin code of this generation is about to run (the host notes who is running, for the watchdog). */
  onEnter?(generation: PluginGeneration): void;
  /** A timer or listener of this generation ran: its state may have changed. */
  onActivity?(generation: PluginGeneration): void;
  /**
   * Runs one of the generation's timer callbacks now, or, while its plugin is being swapped and
   * no lifecycle call of this generation is waiting on it, holds it until the swap is over (and
   * drops it if the generation is unloaded by then).
   */
  whenAwake(generation: PluginGeneration, run: () => void): void;
  /** A callback returned a promise: until it settles, a call of the plugin is running. */
  settling(promise: PromiseLike<unknown>): void;
  /** `editor/call` through the daemon: the connected editor's answer (plain data). */
  callEditor(method: string, args: unknown[]): Promise<unknown>;
  /** What the editor last pushed for `name` (`editor/state`), as plain data. */
  editorState(name: string): unknown;
  /** An id for a Red API handle (a picker, a process, a watch), unique in the host. */
  nextHandleId(): number;
  /** A method of a dependency's API, through the daemon (plain data both ways). */
  callApi(target: string, method: string, args: unknown[]): Promise<unknown>;
  /** The plugin's own storage, kept by the daemon (plain data both ways). */
  callStorage(call: StorageCall): Promise<unknown>;
  /** The plugin's saved state, read and written as plain data of the daemon's realm. */
  readState(): unknown;
  writeState(state: unknown): void;
  /** A plugin callback (timer, listener) threw or rejected outside any lifecycle call. */
  onCallbackError(generation: PluginGeneration, where: string, thrown: unknown): void;
  /**
   * Code of this generation ran, once its state was taken, called by what the host does not
   * track (UntrackedCallbacks): told once per kind of callback.
   */
  onUntrackedRun(generation: PluginGeneration, run: UntrackedRun): void;
}

const ENTER = Symbol.for('reloadd.enter');
/** Compiled once: calls whatever function `run` put on the realm's global, inside the realm. */
const TRAMPOLINE = new vm.Script('globalThis[Symbol.for("reloadd.enter")]()', {
  filename: 'reloadd:trampoline',
});

/**
 * Compiled once, run in each new realm (our code, not the plugin's: no watchdog): the realm's own
 * constructors, for copying state into it, and the `module` its bundle fills in.
 */
const REALM_SETUP = new vm.Script(
  `({ intrinsics: { Object, Array, Date, Map, Set, RegExp, Error, ArrayBuffer, Int8Array,
  Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array,
  Float64Array, BigInt64Array, BigUint64Array }, module: { exports: {} },
  functionPrototype: Function.prototype })`,
  { filename: 'reloadd:realm' },
);

/**
 * One generation of one plugin: its bundle evaluated in a realm of its own (a fresh vm context,
 * never a re-import, so nothing is cached between generations), its context, and everything it
 * registered. Unloading it releases all of that, and the realm becomes garbage.
 */
export class PluginGeneration implements RealmOwner {
  /** What it was evaluated from (`evaluate`). */
  bundle!: PluginBundle;
  ctx!: PluginContext;
  private readonly tracker = new ResourceTracker();
  private readonly realm: RealmIntrinsics;
  private hooks!: PluginHooks;
  /** The realm's globals, and the `module` its bundle fills in. */
  private readonly globals: ReturnType<typeof createRealmGlobals>;
  private readonly module: { exports: Record<string, unknown> };
  private readonly invoke: GuardedInvoke;
  /** `activate` may return a cleanup function instead of exporting `deactivate`. */
  private cleanup: Hook | undefined;
  /** What `activate` returned (an object), or the module's `api` export. */
  private api: object | undefined;
  private lifecycleCalls = 0;
  /** How long the last lifecycle call took before it returned (a promise, maybe): its own part. */
  lastCallMs = 0;
  private readonly context: vm.Context;
  private readonly services: GenerationServices;
  /**
   * From the moment a swap or a stop takes its state (and for good once it is unloaded): code of
   * the generation that runs from then on does what no state will hold.
   */
  private stateTaken = false;
  /** The untracked callbacks already reported, by kind and label: each is told once. */
  private readonly reportedRuns = new Set<string>();

  /**
   * A realm made for the plugin's generation `number`: its globals and its context, and nothing
   * of the plugin's code yet (`evaluate` brings it). A host can make one before the save that
   * needs it: making a realm is most of what a new generation costs.
   */
  constructor(
    readonly descriptor: PluginDescriptor,
    readonly number: number,
    services: GenerationServices,
  ) {
    this.services = services;
    const logger = services.logger;
    const invoke: GuardedInvoke = (where, fn, args) => {
      try {
        const result = this.run(() => fn(...args), services.limits.lifecycleMs);
        services.onActivity?.(this);
        if (isThenable(result)) {
          services.settling(result);
          result.then(undefined, (thrown: unknown) =>
            services.onCallbackError(this, where, thrown),
          );
        }
      } catch (thrown) {
        services.onCallbackError(this, where, thrown);
      }
    };
    const globals = createRealmGlobals({
      entry: descriptor.entry,
      tracker: this.tracker,
      logger,
      invoke,
      whenAwake: (run) => services.whenAwake(this, run),
      owner: this,
    });
    const context = vm.createContext(globals, { name: `${descriptor.id} generation ${number}` });
    this.context = context;
    const setup = REALM_SETUP.runInContext(context) as {
      intrinsics: RealmIntrinsics;
      module: { exports: Record<string, unknown> };
      functionPrototype: object;
    };
    this.realm = setup.intrinsics;
    adoptRealm(setup.functionPrototype, this);
    this.globals = globals;
    this.module = setup.module;
    this.invoke = invoke;
  }

  /**
   * Evaluates `bundle` in this realm, once: its module-level code under the lifecycle limit, then
   * its hooks and its context. Throws EvaluationError when it is no plugin.
   */
  evaluate(bundle: PluginBundle): void {
    const { descriptor, number, services, globals, module, invoke, context } = this;
    this.bundle = bundle;
    const logger = services.logger;
    let run: Hook;
    try {
      run = vm.compileFunction(
        bundle.code,
        ['exports', 'require', 'module', '__filename', '__dirname'],
        {
          parsingContext: context,
          filename: bundle.filename,
        },
      ) as Hook;
      const entry = descriptor.entry;
      this.run(
        () => run(module.exports, globals.require, module, entry, path.dirname(entry)),
        services.limits.lifecycleMs,
      );
    } catch (thrown) {
      this.tracker.close('the module failed to evaluate');
      throw new EvaluationError('the module threw while it was evaluated', thrown);
    }
    const hooks = findHooks(module.exports);
    if (!hooks) {
      this.tracker.close('the module has no activate');
      throw new EvaluationError(
        'the module exports no activate function (export `activate(ctx)`, or `initialize(ctx)`)',
      );
    }
    this.hooks = hooks;
    this.ctx = createPluginContext({
      id: descriptor.id,
      generation: number,
      path: descriptor.root,
      tracker: this.tracker,
      commands: services.commands,
      events: services.events,
      logger,
      state: {
        read: () => this.toRealm(services.readState()),
        write: (state) => services.writeState(state),
      },
      invoke,
      toRealm: (value) => this.toRealm(value),
      callEditor: (method, args) => services.callEditor(method, args),
      editorState: (name) => services.editorState(name),
      nextHandleId: () => services.nextHandleId(),
      callApi: (target, method, args) => services.callApi(target, method, args),
      callStorage: (call) => services.callStorage(call),
      dependencies: Object.keys(descriptor.dependencies),
      timers: globals as unknown as RealmTimers,
    });
    const exported = module.exports.api ?? (module.exports.default as { api?: unknown })?.api;
    if (exported !== null && typeof exported === 'object') this.api = exported as object;
  }

  /**
   * Runs plugin code of this generation under the watchdog: a synchronous part that runs longer
   * than `timeoutMs` is interrupted (vm's timeout, through a script in the plugin's own realm) and
   * throws ERR_SCRIPT_EXECUTION_TIMEOUT. Every entry into plugin code goes through here.
   */
  run<T>(fn: () => T, timeoutMs: number): T {
    const global = this.context as Record<symbol, unknown>;
    const previous = global[ENTER];
    global[ENTER] = fn;
    this.services.onEnter?.(this);
    try {
      return TRAMPOLINE.runInContext(this.context, { timeout: timeoutMs }) as T;
    } finally {
      global[ENTER] = previous;
    }
  }

  /** Runs one of this generation's commands under the command time limit. */
  runCommand(handler: (...args: unknown[]) => unknown, args: unknown[]): unknown {
    return this.run(
      () => handler(...(this.toRealm(args) as unknown[])),
      this.services.limits.commandMs,
    );
  }

  /** Copies plain data of the daemon's realm into this generation's realm. */
  toRealm(value: unknown): unknown {
    return intoRealm(value, this.realm);
  }

  async activate(): Promise<void> {
    const returned = await this.call('activate', this.hooks.activate, this.ctx);
    if (typeof returned === 'function') this.cleanup = returned as Hook;
    // An object returned is the plugin's API, for the plugins that depend on it.
    else if (returned !== null && typeof returned === 'object') this.api = returned;
  }

  /** A method of this generation's API (what `activate` returned, or its `api` export). */
  apiMethod(name: string): ((...args: unknown[]) => unknown) | undefined {
    const api = this.api as Record<string, unknown> | undefined;
    const method = api && Object.hasOwn(api, name) ? api[name] : undefined;
    return typeof method === 'function' ? (...args) => method.apply(api, args) : undefined;
  }

  get hasSaveState(): boolean {
    return this.hooks.saveState !== undefined || this.hooks.onBeforeReload !== undefined;
  }

  /** The state the plugin hands over, as a value of its own realm (undefined: it has none). */
  async saveState(): Promise<unknown> {
    if (this.hooks.saveState) return this.call('saveState', this.hooks.saveState);
    if (this.hooks.onBeforeReload)
      return this.call('onBeforeReload', this.hooks.onBeforeReload, this.ctx);
    return undefined;
  }

  /** A `saveState` that may be called at any time (not the Red editor's `onBeforeReload`). */
  get savesStateAnytime(): boolean {
    return this.hooks.saveState !== undefined;
  }

  get hasBeforeExit(): boolean {
    return this.hooks.beforeExit !== undefined;
  }

  /**
   * The Red editor's `beforeExit(red, editorState)`: the editor is exiting, or the daemon stops.
   * The daemon asks it of a generation once.
   */
  async beforeExit(editorState: unknown): Promise<void> {
    if (this.hooks.beforeExit)
      await this.call('beforeExit', this.hooks.beforeExit, this.ctx, this.toRealm(editorState));
  }

  get hasMigrateState(): boolean {
    return this.hooks.migrateState !== undefined;
  }

  async migrateState(state: unknown, fromVersion: number | undefined): Promise<unknown> {
    return this.call(
      'migrateState',
      this.hooks.migrateState as Hook,
      this.toRealm(state),
      fromVersion,
    );
  }

  /** Gives state back: `restoreState(state)`; after a reload also `onAfterReload(ctx, state)`. */
  async restoreState(state: unknown, afterReload: boolean): Promise<void> {
    if (state !== undefined && this.hooks.restoreState) {
      await this.call('restoreState', this.hooks.restoreState, this.toRealm(state));
    }
    if (afterReload && this.hooks.onAfterReload) {
      await this.call('onAfterReload', this.hooks.onAfterReload, this.ctx, this.toRealm(state));
    }
  }

  /** Calls `deactivate` (or the cleanup `activate` returned), then disposes `ctx.subscriptions`. */
  async deactivate(): Promise<void> {
    try {
      if (this.hooks.deactivate) await this.call('deactivate', this.hooks.deactivate, this.ctx);
      if (this.cleanup) await this.call('the cleanup function returned by activate', this.cleanup);
    } finally {
      for (const subscription of this.ctx.subscriptions.splice(0)) {
        try {
          subscription?.dispose?.();
        } catch {
          // One failing disposable must not keep the rest alive; what stays is reported below.
        }
      }
    }
  }

  /**
   * Releases everything the generation still holds and reports what that was: after a correct
   * deactivate, nothing. Later calls to the context throw instead of registering anything.
   */
  unload(): Leftover[] {
    this.stateTaken = true;
    const leftovers = this.tracker.leftovers();
    this.tracker.close(
      `generation ${this.number} of plugin "${this.descriptor.id}" has been unloaded`,
    );
    return leftovers;
  }

  /** A swap or a stop is taking the generation's state: it is to run nothing more of its own. */
  retiring(): void {
    this.stateTaken = true;
  }

  /** Its state could not be taken, and the reload was given up: the generation runs on. */
  keptRunning(): void {
    this.stateTaken = false;
  }

  /**
   * Its code was called by what the host does not track (UntrackedCallbacks). Before its state is
   * taken that is the plugin's business; after, it is told once per callback. A lifecycle call
   * still running (`deactivate` awaiting a timer) is the swap's own, and excused.
   */
  ranUntracked(describe: () => UntrackedRun): void {
    if (!this.stateTaken || this.inLifecycleCall) return;
    const run = describe();
    const key = `${run.kind}:${run.label}`;
    if (this.reportedRuns.has(key)) return;
    this.reportedRuns.add(key);
    this.services.onUntrackedRun(this, run);
  }

  /**
   * True while one of this generation's lifecycle calls (activate, saveState, deactivate…) has
   * not settled: what it waits for (its own timers) runs even during a swap.
   */
  get inLifecycleCall(): boolean {
    return this.lifecycleCalls > 0;
  }

  private async call(name: string, hook: Hook, ...args: unknown[]): Promise<unknown> {
    this.lifecycleCalls += 1;
    const start = performance.now();
    try {
      const returned = this.run(() => hook(...args), this.services.limits.lifecycleMs);
      this.lastCallMs = performance.now() - start;
      return await returned;
    } catch (thrown) {
      throw new LifecycleError(name, thrown);
    } finally {
      this.lifecycleCalls -= 1;
    }
  }
}

function findHooks(exports: Record<string, unknown>): PluginHooks | undefined {
  const fromDefault =
    exports.default !== null && typeof exports.default === 'object'
      ? (exports.default as Record<string, unknown>)
      : {};
  const pick = (...names: string[]): Hook | undefined => {
    for (const name of names) {
      const value = exports[name] ?? fromDefault[name];
      if (typeof value === 'function') return value as Hook;
    }
    return undefined;
  };
  const activate = pick('activate', 'initialize');
  if (!activate) return undefined;
  const hooks: PluginHooks = { activate };
  const optional = {
    deactivate: pick('deactivate', 'shutdown'),
    saveState: pick('saveState'),
    onBeforeReload: pick('onBeforeReload'),
    restoreState: pick('restoreState'),
    onAfterReload: pick('onAfterReload'),
    migrateState: pick('migrateState'),
    beforeExit: pick('beforeExit'),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value) hooks[key as keyof PluginHooks] = value;
  }
  return hooks;
}
