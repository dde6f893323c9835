// biome-ignore-all lint/suspicious/noExplicitAny: Node's own objects, without Node's types, are known no finer.
/**
 * The globals a plugin's realm has (src/daemon/worker/RealmGlobals.ts), for the type check of a
 * plugin whose project has no Node types (`@types/node`): its `setInterval` and `console` are
 * reloadd's, and must not read as errors. Where Node's types are found, they are used instead,
 * and this file is not: the two would declare the same globals twice. (Not compiled with the
 * rest of src/plugin for that reason; the build copies it beside reloadd/plugin's declaration.)
 */

/** A timer of the realm: `clearTimeout` / `clearInterval` take it, or the number it converts to. */
interface RealmTimer {
  [Symbol.toPrimitive](): number;
}

/** What the realm's `console` writes to: the plugin's log. */
interface RealmConsole {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  debug(...data: unknown[]): void;
  trace(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
}

type RealmTimerCallback = (...args: never[]) => unknown;

declare var console: RealmConsole;
/** The Red editor's globals: both write to the plugin's log. */
declare function log(...data: unknown[]): void;
declare function print(...data: unknown[]): void;
declare function setTimeout(
  callback: RealmTimerCallback,
  ms?: number,
  ...args: unknown[]
): RealmTimer;
declare function setInterval(
  callback: RealmTimerCallback,
  ms?: number,
  ...args: unknown[]
): RealmTimer;
declare function clearTimeout(timer: RealmTimer | number | undefined): void;
declare function clearInterval(timer: RealmTimer | number | undefined): void;
declare function queueMicrotask(callback: () => void): void;
declare function structuredClone<T>(value: T): T;
declare var performance: { now(): number };
// Node's own objects: without Node's types, nothing finer is known of them.
declare var process: any;
declare var require: any;
declare var Buffer: any;
declare var URL: any;
declare var URLSearchParams: any;
declare var TextEncoder: any;
declare var TextDecoder: any;
declare var AbortController: any;
declare var AbortSignal: any;
