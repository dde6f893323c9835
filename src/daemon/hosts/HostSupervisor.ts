import path from 'node:path';
import {
  type Diagnostic,
  DiagnosticCodes,
  ErrorCodes,
  PluginStatus,
  ReloaddErrorCodes,
} from '../../protocol/index.js';
import type { PluginBundle } from '../building/PluginBuilder.js';
import type { EditorBridge } from '../clientChannels/EditorBridge.js';
import { ReloaddError } from '../clientChannels/ReloaddError.js';
import { type HostLimits, type HostNotice, HostRequestError } from '../crossing/hostMessages.js';
import type { DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import { DiagnosticSource } from '../diagnostics/DiagnosticsStore.js';
import { diagnosticAt, stateProblemDiagnostic } from '../diagnostics/pluginDiagnostics.js';
import type { Logger } from '../logs/logger.js';
import type { PluginCatalog } from '../plugins/PluginCatalog.js';
import type { PluginRecord } from '../plugins/PluginRecord.js';
import type { PluginDescriptor } from '../plugins/pluginFolder.js';
import type { SnapshotStore } from '../state/SnapshotStore.js';
import { HostPool } from './HostPool.js';
import type { HostCrash, PluginHost } from './PluginHost.js';
import { RemoteGeneration } from './RemoteGeneration.js';

export interface SupervisorOptions {
  catalog: PluginCatalog;
  diagnostics: DiagnosticsStore;
  snapshots: SnapshotStore;
  logger: Logger;
  pluginsDir: string;
  limits: HostLimits;
  memoryMb: number;
  workerPath?: URL;
  /** Where plugins' editor calls go. */
  editors: EditorBridge;
  /** The watchdog stopped this plugin: unload what is left of it and mark it failed. */
  failPlugin(record: PluginRecord, diagnostic: Diagnostic): void;
  /** These plugins lost their host to another plugin: load them again with their state. */
  recover(ids: string[]): void;
}

/** Runtime errors listed per generation; later distinct ones are logged only. */
const MAX_RUNTIME_DIAGNOSTICS = 20;

/**
 * The daemon's side of the plugin hosts: it loads generations into them, routes commands and
 * events, turns what hosts report into logs, snapshots and diagnostics, and when a host dies
 * (memory cap, a loop that could not be interrupted) fails the plugin that was running and brings
 * its neighbours back with their last snapshots.
 */
export class HostSupervisor {
  private readonly pool: HostPool;
  /** Which plugin generation answers each command name. */
  private readonly routes = new Map<string, { pluginId: string; key: string }>();
  /**
   * What each loaded generation reported while running, by generation key. Kept apart from the
   * reload's own list, so a timer that throws during activate is not wiped by the reload's result;
   * it goes when its generation is unloaded.
   */
  /** Which plugin each generation slot belongs to (see PluginHost's "running" slot). */
  private readonly slots = new Map<number, string>();
  private nextSlot = 1;
  private readonly pluginLoggers = new Map<string, Logger>();
  /** Editor calls under way, by plugin: while there are some, its time limits stand still. */
  private readonly editorWaits = new Map<string, number>();
  private readonly runtime = new Map<
    string,
    { pluginId: string; diagnostics: Diagnostic[]; stateProblems: Diagnostic[] }
  >();

  constructor(private readonly options: SupervisorOptions) {
    this.pool = new HostPool(
      {
        limits: options.limits,
        memoryMb: options.memoryMb,
        logger: options.logger,
        onNotice: (host, notice) => this.onNotice(host, notice),
        onCrash: (host, crash) => this.onCrash(host, crash),
      },
      options.workerPath,
    );
  }

  async load(
    descriptor: PluginDescriptor,
    bundle: PluginBundle,
    number: number,
  ): Promise<RemoteGeneration> {
    const state = this.options.snapshots.get(descriptor.id)?.value;
    const slot = this.nextSlot++;
    // Known before the load starts, so that a plugin stuck while loading can be named.
    this.slots.set(slot, descriptor.id);
    const loaded = await RemoteGeneration.load(
      this.pool.hostFor(descriptor),
      slot,
      descriptor,
      bundle,
      number,
      state,
      this.options.limits,
      (gone) => {
        this.slots.delete(gone.slot);
        if (this.runtime.delete(gone.key)) this.publishRuntime(descriptor.id);
      },
      () => (this.editorWaits.get(descriptor.id) ?? 0) > 0,
    );
    this.runtime.set(loaded.key, { pluginId: descriptor.id, diagnostics: [], stateProblems: [] });
    return loaded;
  }

  commandNames(): string[] {
    return [...this.routes.keys()].sort();
  }

  /** Runs a command in its plugin's host; its JSON result, or an error naming the line or the hang. */
  async executeCommand(name: string, args: unknown[]): Promise<unknown> {
    const route = this.routes.get(name);
    const record = route ? this.options.catalog.get(route.pluginId) : undefined;
    const generation = record?.generation;
    if (!route || !record || generation?.key !== route.key) {
      throw new ReloaddError(
        ErrorCodes.UnknownCommand,
        ReloaddErrorCodes.UnknownCommand,
        `unknown command "${name}"`,
      );
    }
    try {
      return await generation.command(name, args);
    } catch (error) {
      if (!(error instanceof HostRequestError)) throw error;
      const { kind, message, location, hostStopped } = error.error;
      const text =
        kind === 'gone'
          ? `command "${name}" of plugin "${route.pluginId}" could not finish: ${message}`
          : `command "${name}" of plugin "${route.pluginId}" ${message}`;
      // A stuck or dead host is blamed on whoever was running in it (onCrash), not on this call.
      if (kind === 'timeout' && !hostStopped) {
        this.options.failPlugin(
          record,
          diagnosticAt(route.pluginId, 'error', DiagnosticCodes.Timeout, text, location),
        );
      }
      const at = location
        ? ` (${path.relative(this.options.pluginsDir, location.file)}:${location.range.start.line + 1}:${location.range.start.character + 1})`
        : '';
      throw new ReloaddError(
        ErrorCodes.CommandFailed,
        ReloaddErrorCodes.CommandFailed,
        `${text}${at}`,
      );
    }
  }

  /** An editor event, to every host (each delivers it to its plugins' listeners). */
  emit(event: string, data: unknown, except?: PluginHost): void {
    this.pool.broadcast({ op: 'event', event, data }, except);
  }

  async close(): Promise<void> {
    await this.pool.closeAll();
  }

  private onNotice(host: PluginHost, notice: HostNotice): void {
    const { catalog, diagnostics, snapshots, logger } = this.options;
    switch (notice.kind) {
      case 'log':
        this.pluginLogger(notice.pluginId)[notice.level](
          { generation: notice.generation },
          notice.message,
        );
        return;
      case 'commandRegistered': {
        const owner = this.routes.get(notice.name);
        if (
          owner &&
          owner.pluginId !== notice.pluginId &&
          catalog.get(owner.pluginId)?.generation?.key === owner.key
        ) {
          this.addRuntime(notice.key, {
            pluginId: notice.pluginId,
            severity: 'warning',
            code: DiagnosticCodes.RuntimeError,
            message: `command "${notice.name}" is already registered by plugin "${owner.pluginId}" (in another host); calls go there`,
          });
          return;
        }
        this.routes.set(notice.name, { pluginId: notice.pluginId, key: notice.key });
        this.shareCommandNames();
        return;
      }
      case 'commandDisposed':
        if (this.routes.get(notice.name)?.key === notice.key) {
          this.routes.delete(notice.name);
          this.shareCommandNames();
        }
        return;
      case 'emit':
        this.emit(notice.event, notice.data, host);
        return;
      case 'stateWritten': {
        const record = catalog.get(notice.pluginId);
        snapshots.keep(notice.pluginId, notice.state, {
          generation: notice.generation,
          stateVersion: record?.descriptor.stateVersion,
        });
        // Each snapshot's problems replace the last one's: the same bad field is reported once.
        const entry = this.runtime.get(notice.key);
        if (entry) {
          entry.stateProblems = notice.state.problems.map((p) =>
            stateProblemDiagnostic(notice.pluginId, p),
          );
          this.publishRuntime(notice.pluginId);
        }
        return;
      }
      case 'callbackError': {
        logger.warn({ plugin: notice.pluginId, generation: notice.generation }, notice.message);
        if (!this.runtime.has(notice.key)) return; // from a generation already unloaded
        const code = notice.timedOut ? DiagnosticCodes.Timeout : DiagnosticCodes.RuntimeError;
        const diagnostic = diagnosticAt(
          notice.pluginId,
          'error',
          code,
          notice.message,
          notice.location,
        );
        const record = catalog.get(notice.pluginId);
        if (notice.timedOut && record) this.options.failPlugin(record, diagnostic);
        else this.addRuntime(notice.key, diagnostic);
        return;
      }
      case 'daemonCall': {
        const { call, requestId } = notice;
        const answer =
          call.type === 'command'
            ? this.executeCommand(call.name, call.args)
            : this.waitForEditor(call.pluginId, () =>
                this.options.editors.call(call.pluginId, call.method, call.args),
              );
        answer.then(
          (value) => host.post({ op: 'callResult', requestId, ok: true, value }),
          (error: Error) =>
            host.post({ op: 'callResult', requestId, ok: false, message: error.message }),
        );
        return;
      }
      case 'unloadChecked':
        // Nothing to say about a plugin that is gone (its folder was removed meanwhile).
        if (notice.collected || !catalog.get(notice.pluginId)) return;
        diagnostics.add(
          DiagnosticSource.Reload,
          diagnosticAt(
            notice.pluginId,
            'warning',
            DiagnosticCodes.UnloadIncomplete,
            `generation ${notice.generation} did not unload: its realm is still reachable after 4 garbage collections${notice.holders.length > 0 ? ` (held by ${notice.holders.join(', ')})` : ''}; something outside the plugin keeps a reference to its code`,
          ),
        );
        return;
    }
  }

  /** Every host learns every command name, so `ctx.commands.list()` stays synchronous and whole. */
  private shareCommandNames(): void {
    this.pool.broadcast({ op: 'commandNames', names: [...this.routes.keys()] });
  }

  private async waitForEditor<T>(pluginId: string, call: () => Promise<T>): Promise<T> {
    this.editorWaits.set(pluginId, (this.editorWaits.get(pluginId) ?? 0) + 1);
    try {
      return await call();
    } finally {
      const left = (this.editorWaits.get(pluginId) ?? 1) - 1;
      if (left > 0) this.editorWaits.set(pluginId, left);
      else this.editorWaits.delete(pluginId);
    }
  }

  /** One child logger per plugin, made once: plugin logs can be frequent. */
  private pluginLogger(pluginId: string): Logger {
    let child = this.pluginLoggers.get(pluginId);
    if (!child) {
      child = this.options.logger.child({ plugin: pluginId });
      this.pluginLoggers.set(pluginId, child);
    }
    return child;
  }

  /**
   * A timer that throws every few milliseconds must not grow the list (and each publication of
   * it) without end: the same error at the same place is listed once, and a generation keeps at
   * most MAX_RUNTIME_DIAGNOSTICS of them.
   */
  private addRuntime(key: string, diagnostic: Diagnostic): void {
    const entry = this.runtime.get(key);
    if (!entry) return;
    const same = (d: Diagnostic) =>
      d.message === diagnostic.message &&
      d.file === diagnostic.file &&
      d.range?.start.line === diagnostic.range?.start.line &&
      d.range?.start.character === diagnostic.range?.start.character;
    if (entry.diagnostics.some(same)) return;
    if (entry.diagnostics.length >= MAX_RUNTIME_DIAGNOSTICS) return;
    entry.diagnostics.push(diagnostic);
    this.publishRuntime(entry.pluginId);
  }

  private publishRuntime(pluginId: string): void {
    const reported = [...this.runtime.values()]
      .filter((e) => e.pluginId === pluginId)
      .flatMap((e) => [...e.diagnostics, ...e.stateProblems]);
    this.options.diagnostics.set(pluginId, DiagnosticSource.Runtime, reported);
  }

  /** A host died: the plugin that was running is failed, the others come back in a new host. */
  private onCrash(host: PluginHost, crash: HostCrash): void {
    const { catalog, logger } = this.options;
    // The plugins that lived in the host, and those whose first load was under way in it.
    const victims = catalog
      .all()
      .filter(
        (r) =>
          r.generation?.host === host ||
          (!r.generation &&
            r.status === PluginStatus.Loading &&
            HostPool.nameFor(r.descriptor) === host.name),
      );
    const culpritId = this.slots.get(crash.runningSlot);
    // The culprit may already have failed on its own (its load timed out): blame it all the same.
    const culprit = culpritId !== undefined ? catalog.get(culpritId) : undefined;
    logger.error(
      { host: host.name, culprit: culprit?.descriptor.id, reason: crash.reason },
      `plugin host ${crash.message}`,
    );
    for (const [name, route] of this.routes) {
      if (victims.some((r) => r.descriptor.id === route.pluginId)) this.routes.delete(name);
    }
    const others = victims.filter((r) => r !== culprit);
    // What the dead generations reported while running goes with them.
    for (const record of victims) {
      if (record.generation && this.runtime.delete(record.generation.key))
        this.publishRuntime(record.descriptor.id);
    }
    if (culprit) {
      const neighbours =
        others.length > 0
          ? '; the other plugins of that host were restarted with their last state'
          : '';
      const message = `plugin '${culprit.descriptor.id}' was stopped: its host ${crash.message} while it was running${neighbours}`;
      this.options.failPlugin(
        culprit,
        diagnosticAt(culprit.descriptor.id, 'error', DiagnosticCodes.HostCrashed, message),
      );
    }
    for (const record of others) record.generation = undefined;
    if (others.length > 0) this.options.recover(others.map((r) => r.descriptor.id));
  }
}
