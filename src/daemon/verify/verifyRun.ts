import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import {
  type Diagnostic,
  type PluginInfo,
  PluginStatus,
  PublishDiagnostics,
  redEvent,
} from '../../protocol/index.js';
import { createDaemon } from '../core/createDaemon.js';
import type { ReloadDaemon } from '../core/ReloadDaemon.js';
import type { PluginDescriptor } from '../crossing/PluginDescriptor.js';
import { HOST_WORKER_SCRIPT, VERSION } from '../installation.js';
import { discoverPlugins } from '../plugins/pluginFolder.js';
import {
  EditorStandIn,
  type RecordedCall,
  type StandInScript,
} from '../toClients/EditorStandIn.js';
import {
  type CheckResult,
  judge,
  type PluginObservations,
  type ReloadSeen,
  type StateView,
  stateLosses,
} from './verifyChecks.js';

export interface VerifyOptions {
  pluginsDir: string;
  /** Reloads per plugin. */
  reloads: number;
  /** What the editor stand-in answers (`--editor FILE`); without it, the declared defaults. */
  editor?: StandInScript;
  /** Warnings fail too (`--strict`). */
  strict: boolean;
  /** Told what is being done, for a progress line. */
  onProgress?(what: string): void;
}

export interface PluginVerdict {
  id: string;
  checks: CheckResult[];
  durationMs: number;
  /** What was run of it: `command NAME`, `event NAME`, in order. */
  ran: string[];
  /** Every `editor/call` it made, in order, as the stand-in answered them. */
  editorCalls: Omit<RecordedCall, 'pluginId'>[];
}

/** An unloaded generation is checked within 2 s (4 rounds of 500 ms); this leaves room. */
const UNLOAD_CHECKS_MS = 5000;
/**
 * While a reload's difference is not explained by the state moving by itself, the state is
 * watched this much longer, a look every MOTION_LOOK_MS: a slower timer of the plugin's own
 * shows there. (Between two reloads the unload checks give it half a second already.)
 */
const MOTION_WATCH_MS = 3000;
const MOTION_LOOK_MS = 500;

/**
 * `reloadd verify`: every plugin of the folder in a daemon core of its own (no watcher, no state
 * folder: the user's snapshots are never read or written), one plugin after another. Each is
 * loaded, driven (its commands that take no arguments, or its manifest's `verify` script), and
 * reloaded `reloads` times with its state compared on both sides, each reload followed by its
 * unload checks and a reading of its host's heap; the state is looked at between reloads too,
 * to tell how it moves by itself. What was seen is judged by verifyChecks.ts.
 */
export async function verifyPlugins(options: VerifyOptions): Promise<PluginVerdict[]> {
  const descriptors = new Map<string, PluginDescriptor>();
  for (const entry of await discoverPlugins(options.pluginsDir))
    if (entry.kind === 'plugin') descriptors.set(entry.descriptor.id, entry.descriptor);
  const daemon = createDaemon({
    pluginsDir: options.pluginsDir,
    watch: false,
    debounceMs: 0,
    hotReload: false,
    logger: pino({ level: 'silent' }),
    version: VERSION,
    hostWorkerPath: HOST_WORKER_SCRIPT,
    limits: { lifecycleMs: 2000, commandMs: 10_000 },
    hostMemoryMb: 512,
    // The stand-in answers at once; one of its functions that never answers fails the call.
    editorCallTimeoutMs: 5000,
  });
  // Every Red plugin calls the editor: a stand-in answers, from --editor's script or the defaults.
  const editor = new EditorStandIn(daemon, options.editor);
  const published = new Map<string, Diagnostic[]>();
  daemon.clients.add(
    {
      notify: (def, params) => {
        if (def.method !== PublishDiagnostics.method) return;
        const { pluginId, diagnostics } = params as { pluginId: string; diagnostics: Diagnostic[] };
        published.set(pluginId, [...(published.get(pluginId) ?? []), ...diagnostics]);
      },
    },
    { transport: 'stdio', name: 'reloadd-verify' },
  );
  try {
    options.onProgress?.('loading the plugins');
    editor.connect();
    await daemon.start();
    const verdicts: PluginVerdict[] = [];
    const plugins = daemon.plugins.list();
    for (const [index, info] of plugins.entries()) {
      const started = performance.now();
      const place = `${info.id} (${index + 1} of ${plugins.length})`;
      const seen = await observe(
        daemon,
        editor,
        info,
        descriptors.get(info.id),
        published,
        options,
        place,
      );
      verdicts.push({
        id: info.id,
        checks: judge(seen, { strict: options.strict }),
        durationMs: Math.round(performance.now() - started),
        ran: seen.driven.map((d) => d.what),
        editorCalls: editor.calls(info.id).map(({ method, args }) => ({ method, args })),
      });
    }
    return verdicts;
  } finally {
    await daemon.shutdown();
  }
}

async function observe(
  daemon: ReloadDaemon,
  editor: EditorStandIn,
  info: PluginInfo,
  descriptor: PluginDescriptor | undefined,
  published: Map<string, Diagnostic[]>,
  options: VerifyOptions,
  /** "counter (2 of 5)", for the progress line. */
  place: string,
): Promise<PluginObservations> {
  const { id } = info;
  const seen: PluginObservations = {
    id,
    driven: [],
    reloads: [],
    motion: [],
    diagnostics: [],
    unload: { expected: 0, collected: 0, retained: [] },
    heapBytes: [],
  };
  const diagnosticsNow = () => [...(published.get(id) ?? []), ...daemon.getDiagnostics(id)];
  if (info.status !== PluginStatus.Active) {
    const error = daemon.getDiagnostics(id).find((d) => d.severity === 'error');
    seen.loadError = error
      ? `${error.code}: ${error.message.split('\n')[0]}`
      : `it is ${info.status}`;
    return seen;
  }
  options.onProgress?.(`${place}: running its commands`);
  await drive(daemon, editor, id, descriptor, seen);
  // The first reload comes at once, so that what the drive started is still running (a timer
  // left pending is named). Every look makes a pair with the one before it, unless a reload came
  // between: those pairs are how the state moves by itself, which no reload is blamed for.
  let last = (await stateOf(daemon, id)).view;
  const look = async () => {
    const now = await stateOf(daemon, id);
    seen.motion.push({ from: last, to: now.view });
    last = now.view;
    return now;
  };
  let unloaded = 0;
  for (let i = 1; i <= options.reloads; i++) {
    options.onProgress?.(`${place}: reload ${i} of ${options.reloads}`);
    const cycle = await reloadOnce(daemon, id, await look());
    last = cycle.after;
    unloaded += cycle.ok ? 1 : 0;
    seen.reloads.push(cycle);
    const tally = await daemon.unloadChecks(id, unloaded, UNLOAD_CHECKS_MS);
    seen.unload = { expected: unloaded, collected: tally.collected, retained: [...tally.retained] };
    const host = (await daemon.memory()).hosts.find((h) => h.plugins.includes(id));
    if (host?.heapUsedBytes !== undefined) seen.heapBytes.push(host.heapUsedBytes);
  }
  await look();
  const unexplained = () =>
    seen.reloads.some((r) => r.ok && stateLosses(r, seen.motion).length > 0);
  for (let waited = 0; waited < MOTION_WATCH_MS && unexplained(); waited += MOTION_LOOK_MS) {
    options.onProgress?.(`${place}: watching its state change by itself`);
    await sleep(MOTION_LOOK_MS);
    await look();
  }
  // Last: a reload given its state as saved by the version before (its migrateState takes it).
  if (descriptor?.stateVersion !== undefined && descriptor.stateVersion >= 1) {
    options.onProgress?.(`${place}: state of stateVersion ${descriptor.stateVersion - 1}`);
    const migrated = await daemon.states.reloadAsPreviousVersion(id);
    if (migrated)
      seen.migration = {
        fromVersion: descriptor.stateVersion - 1,
        ...(migrated.ok
          ? {}
          : { error: `${migrated.error?.code}: ${migrated.error?.message.split('\n')[0]}` }),
      };
  }
  seen.diagnostics = diagnosticsNow();
  return seen;
}

/**
 * Runs what the manifest's `verify` script says, or else each command that takes no arguments
 * and each editor event the plugin listens to (with the stand-in's payload, or the declared
 * sample), to that plugin alone.
 */
async function drive(
  daemon: ReloadDaemon,
  editor: EditorStandIn,
  id: string,
  descriptor: PluginDescriptor | undefined,
  seen: PluginObservations,
): Promise<void> {
  const script = descriptor?.verify ?? {
    commands: daemon.calls
      .commandsOf(id)
      .filter((c) => c.arity === 0)
      .map((c) => ({ command: c.name, args: [] as unknown[] })),
    events: (await daemon.eventsOf(id)).flatMap((event) => {
      const data = editor.eventPayload(event) ?? redEvent(event)?.sample;
      return data === undefined ? [] : [{ event, data }];
    }),
  };
  for (const { command, args } of script.commands) {
    const what = `command ${command}`;
    try {
      await daemon.calls.executeCommand(command, args);
      seen.driven.push({ what });
    } catch (error) {
      seen.driven.push({ what, error: (error as Error).message });
    }
  }
  for (const { event, data } of script.events) {
    daemon.emitEvent(event, data, descriptor?.verify ? undefined : id);
    seen.driven.push({ what: `event ${event}` });
  }
  // Its host answers in order: the listeners' synchronous part has run by this answer.
  await daemon.eventsOf(id);
}

/**
 * A reload, and the state on both sides of it. Before: what the reload took of the generation it
 * retired, which is exactly what the new one was given (the plugin's calls and timers were held
 * from the taking to the giving); the look just before, when it took none. After: a look just
 * after.
 */
async function reloadOnce(
  daemon: ReloadDaemon,
  id: string,
  looked: { generation: number; view: StateView },
): Promise<ReloadSeen> {
  const [result] = (await daemon.reload([id], () => false)).filter((r) => r.id === id);
  const after = await stateOf(daemon, id);
  const taken =
    result?.ok && after.generation !== looked.generation
      ? await daemon.states.getState(id, { generation: looked.generation }).catch(() => undefined)
      : undefined;
  return {
    ok: result?.ok ?? false,
    ...(result?.error
      ? { error: `${result.error.code}: ${result.error.message.split('\n')[0]}` }
      : {}),
    before: taken ? viewOf(taken) : looked.view,
    after: after.view,
  };
}

async function stateOf(
  daemon: ReloadDaemon,
  id: string,
): Promise<{ generation: number; view: StateView }> {
  const got = await daemon.states.getState(id);
  return { generation: got.generation, view: viewOf(got) };
}

function viewOf({ state, types }: { state: unknown; types?: Record<string, string> }): StateView {
  return { state, ...(types ? { types } : {}) };
}
