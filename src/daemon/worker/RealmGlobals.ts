import { createRequire } from 'node:module';
import { format } from 'node:util';
import { ResourceKind } from '../crossing/leftovers.js';
import type { Disposable, ResourceTracker } from './ResourceTracker.js';
import { type RealmOwner, watchedTimers } from './UntrackedCallbacks.js';

/** The log methods plugin code reaches (console.*, ctx.log): one formatted message each. */
export interface PluginLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** One level of a plugin's log as plugin code calls it: any arguments, formatted as console does. */
export function logWriter(
  logger: PluginLogger,
  level: keyof PluginLogger,
): (...args: unknown[]) => void {
  return (...args) => logger[level](format(...args));
}

/** Calls plugin code from a callback the daemon owns (timer, listener): it must never throw. */
export type GuardedInvoke = (
  where: string,
  fn: (...args: unknown[]) => unknown,
  args: unknown[],
) => void;

/**
 * The host's `process`, except that a plugin may not end the host every other plugin runs in:
 * exit, abort, reallyExit, and kill of the host's own pid throw instead (also through require).
 */
const hostProcess: NodeJS.Process = new Proxy(process, {
  get(target, key, receiver) {
    if (key === 'exit' || key === 'abort' || key === 'reallyExit') {
      return () => {
        throw new Error(
          `plugins may not call process.${String(key)}(): it would end the host that other plugins run in`,
        );
      };
    }
    if (key === 'kill') {
      return (pid: number, signal?: string | number) => {
        if (pid === target.pid || pid === 0)
          throw new Error('plugins may not signal their own host process');
        return target.kill(pid, signal);
      };
    }
    const value = Reflect.get(target, key, receiver);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});

/**
 * `require`, except that `process` (by any name) is the guarded one, and `node:timers` tells the
 * generation when its callbacks run (they are not the realm's tracked timers).
 */
function guardedRequire(inner: NodeJS.Require, owner: RealmOwner): (id: string) => unknown {
  let timers: unknown;
  return (id: string) => {
    if (id === 'process' || id === 'node:process') return hostProcess;
    if (id === 'timers' || id === 'node:timers') {
      timers ??= watchedTimers(owner);
      return timers;
    }
    return inner(id);
  };
}

/**
 * The globals of a generation's realm beyond the language's own: a console that logs with the
 * plugin's tag, timers that are tracked (and so cleared at unload), `require` for Node's built-in
 * modules (esbuild bundles everything else), and the usual web-platform helpers.
 */
export function createRealmGlobals(options: {
  entry: string;
  tracker: ResourceTracker;
  logger: PluginLogger;
  invoke: GuardedInvoke;
  /** Runs a timer's callback now, or once the plugin's swap is over (see PluginSuspensions). */
  whenAwake(run: () => void): void;
  /** The generation, told when code of its realm runs that the host did not call. */
  owner: RealmOwner;
}): Record<string, unknown> {
  const { tracker, logger, invoke, whenAwake } = options;
  const handles = new Map<unknown, Disposable>();

  const startTimer = (kind: 'timeout' | 'interval', fn: unknown, ms: unknown, args: unknown[]) => {
    if (typeof fn !== 'function')
      throw new TypeError(
        `set${kind === 'timeout' ? 'Timeout' : 'Interval'}: callback must be a function`,
      );
    tracker.assertOpen();
    const callback = fn as (...a: unknown[]) => unknown;
    const delay = Number(ms) || 0;
    const label = callback.name || `${Math.round(delay)}ms`;
    let handle: NodeJS.Timeout;
    // A callback held during the plugin's swap still counts as the plugin's (an unload reports
    // it), and one cleared while it waited does not run.
    if (kind === 'timeout') {
      handle = setTimeout(() => {
        whenAwake(() => {
          if (!handles.has(handle)) return;
          release();
          invoke('setTimeout callback', callback, args);
        });
      }, delay);
    } else {
      // Ticks that come while one is held are one tick: a swap does not end in a burst.
      let waiting = false;
      handle = setInterval(() => {
        if (waiting) return;
        waiting = true;
        whenAwake(() => {
          waiting = false;
          if (handles.has(handle)) invoke('setInterval callback', callback, args);
        });
      }, delay);
    }
    const tracked = tracker.track(
      kind === 'timeout' ? ResourceKind.Timeout : ResourceKind.Interval,
      label,
      () => clearTimeout(handle),
    );
    const release = () => {
      handles.delete(handle);
      handles.delete(Number(handle));
      tracked.dispose();
    };
    handles.set(handle, { dispose: release });
    handles.set(Number(handle), { dispose: release });
    return handle;
  };
  const clearTimer = (handle: unknown) => {
    const entry = handles.get(handle) ?? handles.get(Number(handle));
    entry?.dispose();
  };

  const log = (level: keyof PluginLogger) => logWriter(logger, level);
  const console = {
    log: log('info'),
    info: log('info'),
    debug: log('debug'),
    trace: log('debug'),
    warn: log('warn'),
    error: log('error'),
  };

  return {
    console,
    // The Red editor's globals: `log(...)` and `print(...)` inside a plugin write to its log.
    log: log('info'),
    print: log('info'),
    setTimeout: (fn: unknown, ms?: unknown, ...args: unknown[]) =>
      startTimer('timeout', fn, ms, args),
    setInterval: (fn: unknown, ms?: unknown, ...args: unknown[]) =>
      startTimer('interval', fn, ms, args),
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    queueMicrotask,
    structuredClone,
    require: guardedRequire(createRequire(options.entry), options.owner),
    process: hostProcess,
    Buffer,
    URL,
    URLSearchParams,
    TextEncoder,
    TextDecoder,
    AbortController,
    AbortSignal,
    performance,
  };
}
