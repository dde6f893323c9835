import { EventEmitter } from 'node:events';
import timers from 'node:timers';
import type { UntrackedRun } from '../crossing/leftovers.js';

/**
 * Plugin code that Node calls without the host: a timer of `node:timers` (the realm's own
 * `setTimeout` and `setInterval` are the host's tracked ones), a listener on `process` or on any
 * other of Node's emitters (an `EventEmitter` the plugin made, an `fs.watch`, a socket). The host
 * can neither hold these during a swap nor clear them at unload, so they are the plugin code that
 * can run once its generation's state was taken. What the host can do is tell when one runs: a
 * generation hears of each, and reports those that come too late.
 */

/**
 * A generation, as it hears of its code being called from outside the host (what was called,
 * described only when the generation has something to say of it).
 */
export interface RealmOwner {
  ranUntracked(describe: () => UntrackedRun): void;
}

/** Each realm by its own `Function.prototype`, which every function made in it inherits. */
const owners = new WeakMap<object, RealmOwner>();

/** Functions made in the realm of `functionPrototype` belong to `owner`. */
export function adoptRealm(functionPrototype: object, owner: RealmOwner): void {
  owners.set(functionPrototype, owner);
}

/** The generation whose realm made `fn`, or undefined for the host's own (and Node's) functions. */
function ownerOf(fn: unknown): RealmOwner | undefined {
  if (typeof fn !== 'function') return undefined;
  try {
    // Arrows and plain functions are one step from their realm's Function.prototype; async and
    // generator functions, bound functions and classes a few more.
    let proto: object | null = Object.getPrototypeOf(fn);
    for (let depth = 0; proto !== null && depth < 8; depth++) {
      if (proto === Function.prototype) return undefined;
      const owner = owners.get(proto);
      if (owner) return owner;
      proto = Object.getPrototypeOf(proto);
    }
  } catch {
    // A Proxy that refuses to say: nothing to tell.
  }
  return undefined;
}

let watchingEmitters = false;

/**
 * Once per host thread: every emit looks at its listeners first, and each made in a realm tells
 * its generation. For the host's own listeners that is one prototype read each.
 */
export function watchEmitters(): void {
  if (watchingEmitters) return;
  watchingEmitters = true;
  const emit = EventEmitter.prototype.emit;
  EventEmitter.prototype.emit = function watchedEmit(
    this: EventEmitter,
    type: string | symbol,
    ...args: unknown[]
  ): boolean {
    if (this.listenerCount(type) > 0) {
      try {
        for (const listener of this.rawListeners(type)) {
          // `once` registers a wrapper of Node's, which keeps the plugin's function as `listener`.
          const owner = ownerOf(listener) ?? ownerOf((listener as { listener?: unknown }).listener);
          owner?.ranUntracked(() => ({
            kind: 'listener',
            label: `${eventName(type)} on ${this === process ? 'process' : emitterName(this)}`,
          }));
        }
      } catch {
        // Telling must never keep an event from its listeners.
      }
    }
    return emit.call(this, type, ...args);
  };
}

/**
 * `node:timers` as a realm's `require` gives it: the same timers, each callback telling `owner`
 * when it runs.
 */
export function watchedTimers(owner: RealmOwner): Record<string, unknown> {
  const watch = (
    kind: UntrackedRun['kind'],
    start: (callback: unknown, ...rest: unknown[]) => unknown,
  ) => {
    const watched = (callback: unknown, ...rest: unknown[]) => {
      if (typeof callback !== 'function') return start(callback, ...rest);
      const delay = kind === 'immediate' ? '' : `${Math.round(Number(rest[0]) || 0)}ms`;
      const run: UntrackedRun = { kind, label: callback.name || delay };
      const describe = () => run;
      return start(
        function watchedCallback(this: unknown, ...args: unknown[]) {
          owner.ranUntracked(describe);
          return callback.apply(this, args);
        },
        ...rest,
      );
    };
    // util.promisify(setTimeout) finds Node's own promise version here.
    for (const key of Object.getOwnPropertySymbols(start))
      Object.defineProperty(watched, key, Object.getOwnPropertyDescriptor(start, key) ?? {});
    return watched;
  };
  return {
    ...timers,
    setTimeout: watch('timeout', timers.setTimeout as never) as typeof timers.setTimeout,
    setInterval: watch('interval', timers.setInterval as never) as typeof timers.setInterval,
    setImmediate: watch('immediate', timers.setImmediate as never) as typeof timers.setImmediate,
  };
}

function eventName(type: string | symbol): string {
  return typeof type === 'symbol' ? String(type) : JSON.stringify(type);
}

/** "an EventEmitter", "a Socket": the emitter by its class. */
function emitterName(emitter: EventEmitter): string {
  const name = (emitter.constructor as { name?: unknown } | undefined)?.name;
  if (typeof name !== 'string' || name === '') return 'an emitter';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}
