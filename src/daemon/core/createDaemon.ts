import type { Diagnostic } from '../../protocol/index.js';
import { PluginBuilder } from '../building/PluginBuilder.js';
import type { HostLimits } from '../crossing/hostMessages.js';
import { HostInspector } from '../debugging/HostInspector.js';
import { DiagnosticsStore } from '../diagnostics/DiagnosticsStore.js';
import { CommandRoutes } from '../hosts/CommandRoutes.js';
import { HostSupervisor } from '../hosts/HostSupervisor.js';
import { PluginCalls } from '../hosts/PluginCalls.js';
import { SwapRequests } from '../hosts/SwapRequests.js';
import type { Logger } from '../logs/logger.js';
import { PluginCatalog, type PluginPolicy } from '../plugins/PluginCatalog.js';
import { PluginReloader } from '../reloading/PluginReloader.js';
import { PluginRunner } from '../reloading/PluginRunner.js';
import { patterns } from '../reloading/planReload.js';
import { ReloadStats } from '../reloading/ReloadStats.js';
import { PluginStorage } from '../state/PluginStorage.js';
import { SnapshotStore } from '../state/SnapshotStore.js';
import { Broadcaster } from '../toClients/Broadcaster.js';
import { EditorBridge } from '../toClients/EditorBridge.js';
import { WorkProgress } from '../toClients/WorkProgress.js';
import { projectCompiler, TypeChecks } from '../typechecking/TypeChecks.js';
import { FileChangePipeline } from '../watching/FileChangePipeline.js';
import { PluginWatcher } from '../watching/PluginWatcher.js';
import { ReloadDaemon } from './ReloadDaemon.js';

export interface DaemonOptions {
  pluginsDir: string;
  stateDir?: string;
  debounceMs: number;
  /** Poll instead of inotify (`--poll`). */
  pollMs?: number;
  hotReload: boolean;
  /**
   * Watch the plugins folder (default). Without a watcher the core still loads, reloads and
   * serves every request: a conformance run or a test drives it by hand.
   */
  watch?: boolean;
  logger: Logger;
  version: string;
  /** Time limits of plugin code (the watchdog). */
  limits: HostLimits;
  /** Heap cap of each plugin host, in MB. */
  hostMemoryMb: number;
  /** Longest a plugin's editor call waits (for an editor to connect, and for its answer). */
  editorCallTimeoutMs: number;
  /** The plugin host's script: the built one, also for tests that run from the sources. */
  hostWorkerPath: URL;
  /** States over `largeStateBytes` are written at most every `largeStateIntervalMs`. */
  largeState?: { largeStateBytes?: number; largeStateIntervalMs?: number };
  /** `--isolation`, `--require-permissions`, and the config's `watch`. */
  pluginPolicy?: PluginPolicy;
  /** The config's `ignore`: globs, relative to the plugins folder, never watched. */
  ignore?: string[];
  /** The daemon's inspector session into its hosts (DaemonDebugging's): stuck and paused hosts. */
  inspector?: HostInspector;
  /**
   * Type-check TypeScript plugins after their reloads, in a thread of their own (absent: never):
   * its script, and `reloadd/plugin`'s declaration for plugins that do not install reloadd.
   */
  typeCheck?: { workerPath: URL; pluginTypes: URL; compiler?: string };
  /** How many snapshots each plugin's history keeps, and the largest one accepted. */
  snapshotLimits?: { history?: number | undefined; maxSnapshotBytes?: number | undefined };
}

/**
 * The composition root: every part of the daemon core is built here, once, and handed what it
 * drives. Events between parts are wired here too, so no part knows who listens to it.
 */
export function createDaemon(options: DaemonOptions): ReloadDaemon {
  const { logger, pluginsDir } = options;
  const ignore = patterns(options.ignore ?? []);
  const clients = new Broadcaster(logger);
  const work = new WorkProgress(clients);
  const diagnostics = new DiagnosticsStore(clients);
  const editors = new EditorBridge(options.editorCallTimeoutMs, logger, diagnostics);
  const snapshots = new SnapshotStore({
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    logger,
    diagnostics,
    ...options.largeState,
    ...(options.snapshotLimits?.history !== undefined
      ? { history: options.snapshotLimits.history }
      : {}),
    ...(options.snapshotLimits?.maxSnapshotBytes !== undefined
      ? { maxSnapshotBytes: options.snapshotLimits.maxSnapshotBytes }
      : {}),
  });
  const storage = new PluginStorage({
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
    logger,
    diagnostics,
  });
  const catalog = new PluginCatalog(
    pluginsDir,
    diagnostics,
    snapshots,
    clients,
    options.pluginPolicy,
  );
  const stats = new ReloadStats();
  const routes = new CommandRoutes(catalog);
  const calls = new PluginCalls({
    routes,
    plugins: catalog,
    snapshots,
    diagnostics,
    editors,
    limits: options.limits,
    pluginsDir,
  });
  const swaps = new SwapRequests(options.limits.lifecycleMs);
  const hosts = new HostSupervisor({
    plugins: catalog,
    routes,
    calls,
    diagnostics,
    snapshots,
    storage,
    logger,
    pluginsDir,
    limits: options.limits,
    memoryMb: options.hostMemoryMb,
    workerPath: options.hostWorkerPath,
    // Without --inspect it still profiles a stuck host before ending it.
    inspector:
      options.inspector ??
      new HostInspector(false, (error) =>
        logger.warn({ err: error }, 'the inspector session into a plugin host failed'),
      ),
  });
  const watcher =
    options.watch === false
      ? undefined
      : new PluginWatcher({
          pluginsDir,
          debounceMs: options.debounceMs,
          ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
          ignore,
          logger,
        });
  const builder = new PluginBuilder();
  const reloader = new PluginReloader({
    catalog,
    diagnostics,
    hosts,
    stats,
    logger,
    pluginsDir,
    transactionDeps: {
      builder,
      snapshots,
      settled: () => watcher?.settled(),
      load: (descriptor, bundle, number) => hosts.load(descriptor, bundle, number),
      swaps,
    },
    fileSettleMs: watcher?.settleMs ?? 0,
  });
  const runner = new PluginRunner({
    catalog,
    builder,
    swaps,
    hosts,
    diagnostics,
    snapshots,
    reloader,
    work,
    logger,
  });
  const changes = new FileChangePipeline(
    {
      pluginsDir,
      ignore,
      catalog,
      runner,
      diagnostics,
      logger,
      settled: () => watcher?.settled(),
      settleMs: watcher?.settleMs ?? 0,
    },
    options.hotReload,
  );

  const typeChecks = options.typeCheck
    ? new TypeChecks({
        ...options.typeCheck,
        compiler: options.typeCheck.compiler ?? projectCompiler(pluginsDir),
        diagnostics,
        logger,
        isCurrent: (id, root) => catalog.get(id)?.descriptor.root === root,
      })
    : undefined;
  if (typeChecks) {
    reloader.on('reported', (id) => {
      const record = catalog.get(id);
      if (record) typeChecks.request({ ...record.descriptor, inputs: record.inputs });
    });
  }

  const failPlugin = (pluginId: string, diagnostic: Diagnostic) => {
    runner
      .fail(pluginId, diagnostic)
      .catch((error: unknown) => logger.error({ err: error }, 'failing a plugin failed'));
  };
  hosts.on('watchdogStopped', failPlugin);
  calls.on('watchdogStopped', failPlugin);
  hosts.on('hostCrashed', (host, crash, culpritId) => {
    runner
      .hostCrashed(host, crash, culpritId)
      .catch((error: unknown) => logger.error({ err: error }, 'recovery failed'));
  });
  if (watcher) {
    watcher.on('changes', (batch, detectedAt) => changes.onFileChanges(batch, detectedAt));
    // Files outside the plugins folder that a bundle imports: the watcher follows them.
    reloader.on('inputsChanged', () => watcher.watchExternal(catalog.externalInputs()));
  }

  return new ReloadDaemon({
    pluginsDir,
    version: options.version,
    logger,
    clients,
    work,
    editors,
    snapshots,
    storage,
    diagnostics,
    catalog,
    hosts,
    calls,
    runner,
    builder,
    stats,
    changes,
    ...(watcher ? { watcher } : {}),
    ...(typeChecks ? { typeChecks } : {}),
  });
}
