// Not the protocol's index: that would load zod into every plugin host.
import { EditorCallMethods, EditorCallsWithoutAnswer } from '../../protocol/editorCalls.js';
import type { Disposable } from './ResourceTracker.js';

type Fn = (...args: unknown[]) => unknown;

/** The realm's tracked timers (RealmGlobals): cleared at unload, and reported if left running. */
export interface RealmTimers {
  setTimeout(fn: unknown, ms?: unknown): unknown;
  setInterval(fn: unknown, ms?: unknown): unknown;
  clearTimeout(handle: unknown): void;
  clearInterval(handle: unknown): void;
}

/** The parts of reloadd's own context that the Red editor's plugin API is built on. */
interface Base {
  subscriptions: Disposable[];
  commands: { register(name: string, fn: Fn): Disposable; list(): string[] };
  events: {
    on(event: string, fn: (data: unknown) => unknown): Disposable;
    emit(event: string, data?: unknown): void;
  };
  log: Fn & { debug: Fn; info: Fn; warn: Fn; error: Fn };
}

/**
 * The Red editor's plugin API (the `red` that `activate(red)` receives there), so its plugins
 * run here unchanged. Editor methods become `editor/call`s with the same name and arguments.
 * Commands and listeners it adds belong to the generation and go with it, as that editor's
 * runtime promises; timers are the realm's tracked ones, so one left running is cleared at
 * unload and reported.
 */
export function redEditorApi(
  base: Base,
  callEditor: (method: string, args: unknown[]) => Promise<unknown>,
  timers: RealmTimers,
): Record<string, unknown> {
  /** By event, by the function the plugin passed (for `once`, its own, not the wrapper). */
  const listeners = new Map<string, Map<Fn, Disposable[]>>();
  const listen = (event: string, key: Fn, fn: Fn) => {
    const disposable = base.events.on(event, fn);
    base.subscriptions.push(disposable);
    let byFn = listeners.get(event);
    if (!byFn) {
      byFn = new Map();
      listeners.set(event, byFn);
    }
    byFn.set(key, [...(byFn.get(key) ?? []), disposable]);
  };
  const off = (event: string, fn: Fn) => {
    for (const disposable of listeners.get(event)?.get(fn) ?? []) {
      disposable.dispose();
      // Gone from the generation's list too, or on/off in a loop would grow it without end.
      const at = base.subscriptions.indexOf(disposable);
      if (at >= 0) base.subscriptions.splice(at, 1);
    }
    listeners.get(event)?.delete(fn);
  };
  const editorCalls = Object.fromEntries(
    EditorCallMethods.map((method) => [
      method,
      (...args: unknown[]) => {
        const answer = callEditor(method, args);
        // In that editor these calls return nothing, so its plugins never await them: a failure
        // (no editor, say) must not become an unhandled rejection a frame. A caller that does
        // await still gets the error.
        if (EditorCallsWithoutAnswer.has(method)) answer.catch(() => undefined);
        return answer;
      },
    ]),
  );
  return {
    ...editorCalls,
    addCommand(name: string, fn: Fn) {
      base.subscriptions.push(base.commands.register(name, fn));
    },
    getCommands: () => base.commands.list(),
    getCommandList: () => base.commands.list(),
    on: (event: string, fn: Fn) => listen(event, fn, fn),
    off,
    once(event: string, fn: Fn) {
      // Filed under `fn`, so `off(event, fn)` removes it before it fires.
      listen(event, fn, (data) => {
        off(event, fn);
        return fn(data);
      });
    },
    /** To every plugin listening (red's `notify` runs the subscribers of an event). */
    notify(event: string, args: unknown) {
      base.events.emit(event, args);
    },
    logDebug: base.log.debug,
    logInfo: base.log.info,
    logWarn: base.log.warn,
    logError: base.log.error,
    // Async and resolving to a numeric id, as that editor's timers are.
    setTimeout: async (fn: unknown, ms?: unknown) => Number(timers.setTimeout(fn, ms)),
    setInterval: async (fn: unknown, ms?: unknown) => Number(timers.setInterval(fn, ms)),
    clearTimeout: async (id: unknown) => timers.clearTimeout(id),
    clearInterval: async (id: unknown) => timers.clearInterval(id),
  };
}
