import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Diagnostic, DiagnosticCodes } from '../../protocol/index.js';
import { DiagnosticSource, type DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import { diagnosticAt } from '../diagnostics/pluginDiagnostics.js';
import type { Logger } from '../logs/logger.js';
import {
  type CheckQueue,
  checkAnswered,
  checkForgotten,
  checkRequested,
  isTypeScriptPlugin,
  NO_CHECKS,
  nextCheck,
} from './checkQueue.js';
import type {
  TypeCheckReply,
  TypeCheckRequest,
  TypeCheckWorkerData,
  TypeProblem,
} from './typeCheckMessages.js';

export interface TypeCheckOptions {
  /** The type-check thread's script (built: dist/daemon/typechecking/typeCheckWorker.js). */
  workerPath: URL;
  /** `reloadd/plugin`'s declaration (dist/plugin/index.d.ts). */
  pluginTypes: URL;
  /** The module the compiler is loaded from (`projectCompiler`); else `typescript` beside reloadd. */
  compiler?: string;
  diagnostics: DiagnosticsStore;
  logger: Logger;
  /** Whether the plugin is still the one that was checked: gone or moved, its answer is dropped. */
  isCurrent(pluginId: string, root: string): boolean;
}

/**
 * The TypeScript of the project the plugins live in (found from the plugins folder up, as its own
 * editor and `tsc` find it), so that a plugin is checked by the compiler its author uses; undefined
 * when there is none, and the one installed beside reloadd is used.
 */
export function projectCompiler(pluginsDir: string): string | undefined {
  try {
    const found = createRequire(path.join(path.resolve(pluginsDir), 'index.js')).resolve(
      'typescript',
    );
    return pathToFileURL(found).href;
  } catch {
    return undefined;
  }
}

/** A plugin as it is when its check is asked for. */
export interface CheckedPlugin {
  id: string;
  root: string;
  entry: string;
  inputs: Iterable<string>;
}

/**
 * The type checks of TypeScript plugins, in a thread of their own, after each reload is reported:
 * a reload never waits for one. Each check's type errors replace the plugin's last ones, as
 * `RELOADD_TYPE_ERROR` warnings. The thread starts with the first check; when TypeScript cannot
 * be loaded, the log says so once and no check runs again.
 */
export class TypeChecks {
  private queue: CheckQueue = NO_CHECKS;
  private numbered = 0;
  private worker: Worker | undefined;
  /** Off for good: closed, or the compiler cannot run here. */
  private off = false;
  private closed = false;
  private readonly dropped = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  /** What each waiting or running check is of, as it was asked for. */
  private readonly plugins = new Map<string, TypeCheckRequest>();

  constructor(private readonly options: TypeCheckOptions) {}

  /** Whether checks run: `unavailable` once the compiler could not be loaded, or its thread failed. */
  get state(): 'on' | 'unavailable' {
    return this.off && !this.closed ? 'unavailable' : 'on';
  }

  /** A reload of the plugin was reported: check it (it waits for any check under way). */
  request(plugin: CheckedPlugin): void {
    if (this.off || !isTypeScriptPlugin(plugin.entry, plugin.inputs)) return;
    this.plugins.set(plugin.id, {
      check: 0,
      pluginId: plugin.id,
      root: plugin.root,
      entry: plugin.entry,
    });
    this.update(checkRequested(this.queue, plugin.id));
    this.startNext();
  }

  /** The plugin is gone, or moved: no check of it is published, and the thread lets it go. */
  private forget(pluginId: string): void {
    this.plugins.delete(pluginId);
    this.update(checkForgotten(this.queue, pluginId));
    this.worker?.postMessage({ forget: pluginId });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.off = true;
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  /** Takes the queue's new state; a check it drops is told to the thread at once. */
  private update(queue: CheckQueue): void {
    this.queue = queue;
    if (queue.running?.dropped) Atomics.store(new Int32Array(this.dropped), 0, queue.running.check);
  }

  private startNext(): void {
    if (this.off) return;
    const { queue, started } = nextCheck(this.queue, this.numbered + 1);
    this.queue = queue;
    if (!started) return;
    this.numbered = started.check;
    const plugin = this.plugins.get(started.pluginId);
    if (!plugin) return;
    this.thread().postMessage({ ...plugin, check: started.check } satisfies TypeCheckRequest);
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const workerData: TypeCheckWorkerData = {
      dropped: this.dropped,
      pluginTypes: fileURLToPath(this.options.pluginTypes),
      compiler: this.options.compiler ?? 'typescript',
    };
    const worker = new Worker(this.options.workerPath, { workerData, name: 'reloadd type check' });
    // Checks are never a reason to keep the daemon running.
    worker.unref();
    worker.on('message', (reply: TypeCheckReply) => this.answered(reply));
    worker.on('error', (error) => this.stop('the type-check thread failed', error));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.stop(`the type-check thread exited with code ${code}`);
    });
    this.worker = worker;
    return worker;
  }

  private answered(reply: TypeCheckReply): void {
    if (reply.kind === 'unavailable') {
      this.stop(
        `type checks are off: the TypeScript compiler cannot be loaded (${reply.message}); install typescript in the plugins' project, or where reloadd is installed, to have them`,
      );
      return;
    }
    const pluginId = this.queue.running?.pluginId;
    const { queue, publish } = checkAnswered(this.queue, reply.check);
    this.queue = queue;
    const plugin = pluginId === undefined ? undefined : this.plugins.get(pluginId);
    if (plugin && !this.options.isCurrent(plugin.pluginId, plugin.root))
      this.forget(plugin.pluginId);
    else if (publish && plugin) this.publish(plugin, reply);
    this.startNext();
  }

  /** No check runs again: the reason goes to the log, once. */
  private stop(reason: string, error?: unknown): void {
    if (this.off) return;
    this.off = true;
    this.queue = NO_CHECKS;
    this.options.logger.warn(error ? { err: error } : {}, reason);
    const worker = this.worker;
    this.worker = undefined;
    worker
      ?.terminate()
      .catch((failure: unknown) =>
        this.options.logger.error({ err: failure }, 'stopping the type-check thread failed'),
      );
  }

  private publish(plugin: TypeCheckRequest, reply: TypeCheckReply): void {
    const { diagnostics, logger } = this.options;
    if (reply.kind === 'failed') {
      logger.warn({ plugin: plugin.pluginId, err: reply.message }, 'a type check failed');
      return;
    }
    if (reply.kind !== 'checked') return;
    const found = reply.problems.map((problem) => typeErrorDiagnostic(plugin.pluginId, problem));
    if (reply.unsent > 0)
      found.push(
        typeErrorDiagnostic(plugin.pluginId, {
          message: `and ${count(reply.unsent, 'more type error')}`,
        }),
      );
    diagnostics.set(plugin.pluginId, DiagnosticSource.TypeCheck, found);
    logger.debug(
      { plugin: plugin.pluginId, config: reply.config, files: reply.files, ms: reply.ms },
      `type check of ${plugin.pluginId}: ${count(reply.problems.length + reply.unsent, 'type error')} in ${reply.files} files, ${reply.ms} ms`,
    );
  }
}

/** A type error as the plugin's diagnostic: a warning, since the plugin runs all the same. */
function typeErrorDiagnostic(pluginId: string, problem: TypeProblem): Diagnostic {
  return diagnosticAt(pluginId, 'warning', DiagnosticCodes.TypeError, problem.message, problem);
}

/** "1 type error", "2 type errors". */
function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
