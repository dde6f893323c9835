import {
  type Diagnostic,
  DiagnosticCodes,
  diffStates,
  pathOfPointer,
  type StateChange,
} from '../../protocol/index.js';

/**
 * `reloadd verify`'s judgement, apart from the running: what was seen of one plugin (its load,
 * the commands run, each reload and the state on both sides of it, how the state moved with no
 * reload, every diagnostic published, the unload checks, the host's heap) → one result per
 * check, each failure and each warning with its reason. A plugin's hot-reload checklist, as
 * checks a machine can make.
 *
 * A failure is what loses work or memory: a reload that fails, state not kept, code of a
 * generation running once its state was taken (nothing will hold what it does), a realm that
 * stays, a heap that grows. A warning is what reloadd set right itself before anything could
 * call it: commands, listeners and timers of reloadd's own a generation left registered, which
 * are held during the swap and removed at unload. `strict` makes warnings failures.
 */

/** A plugin's state as `plugin/getState` shows it: the JSON view and what it flattened. */
export interface StateView {
  state: unknown;
  types?: Record<string, string>;
}

export interface PluginObservations {
  id: string;
  /** Undefined when it loaded; else why not. */
  loadError?: string;
  /** What was run between reloads, and how each went. */
  driven: { what: string; error?: string }[];
  reloads: ReloadSeen[];
  /**
   * Two looks at the state with no reload between, in order: where the state moves by itself
   * (the plugin's timers, what its commands and events started), which a reload is not blamed for.
   */
  motion: { from: StateView; to: StateView }[];
  /** Every diagnostic published for the plugin while it was verified (each list, whole). */
  diagnostics: Diagnostic[];
  unload: { expected: number; collected: number; retained: number[] };
  /** Its host's heap after each reload's unload checks (which force collections), in bytes. */
  heapBytes: number[];
  /** For a plugin with a `stateVersion`: the reload given its state as the version before. */
  migration?: { fromVersion: number; error?: string };
}

/** One reload, and the state just before and just after it. */
export interface ReloadSeen {
  ok: boolean;
  error?: string;
  before: StateView;
  after: StateView;
}

export const CheckName = {
  Loads: 'loads',
  Runs: 'runs its commands',
  Reloads: 'reloads',
  KeepsState: 'keeps its state',
  NothingRunsLate: 'nothing runs after its state is taken',
  UnloadsCleanly: 'leaves nothing registered',
  BecomesGarbage: 'unloaded generations become garbage',
  NoRuntimeErrors: 'no runtime errors',
  CloneableState: 'state is plain data',
  FlatMemory: 'memory stays flat',
  Migrates: 'migrates state of the version before',
} as const;
export type CheckName = (typeof CheckName)[keyof typeof CheckName];

export interface CheckResult {
  name: CheckName;
  /** False when it failed. A check that only warned passed. */
  ok: boolean;
  /** Why it failed, one line each (empty when it passed). */
  reasons: string[];
  /** What it found that reloadd set right itself, one line each: failures under `strict`. */
  warnings: string[];
}

/**
 * The checks whose findings reloadd sets right before anything can call them: a generation's
 * commands, `ctx.events` / `red.on` listeners, timers and intervals, held in its swap and removed
 * at its unload.
 */
const WARNS: ReadonlySet<CheckName> = new Set([CheckName.UnloadsCleanly]);

/** Heap growth allowed across the reloads, by least squares, per reload. */
export const MAX_HEAP_SLOPE_BYTES = 512 * 1024;

/** The places a reason names, at most; it says how many more there were. */
const PLACES_NAMED = 3;

export function judge(seen: PluginObservations, options: { strict: boolean }): CheckResult[] {
  const result = (name: CheckName, found: string[]): CheckResult =>
    WARNS.has(name) && !options.strict
      ? { name, ok: true, reasons: [], warnings: found }
      : { name, ok: found.length === 0, reasons: found, warnings: [] };
  if (seen.loadError !== undefined) return [result(CheckName.Loads, [seen.loadError])];
  const withCode = (...codes: string[]) =>
    unique(seen.diagnostics.filter((d) => codes.includes(d.code)).map(describeDiagnostic));
  return [
    result(CheckName.Loads, []),
    result(
      CheckName.Runs,
      seen.driven.filter((d) => d.error !== undefined).map((d) => `${d.what} failed: ${d.error}`),
    ),
    result(
      CheckName.Reloads,
      seen.reloads.flatMap((r, i) => (r.ok ? [] : [`reload ${i + 1} failed: ${r.error}`])),
    ),
    result(
      CheckName.KeepsState,
      seen.reloads.flatMap((r, i) => {
        const lost = r.ok ? stateLosses(r, seen.motion) : [];
        return lost.length === 0 ? [] : [`state after reload ${i + 1} differs at ${places(lost)}`];
      }),
    ),
    result(
      CheckName.NothingRunsLate,
      withCode(DiagnosticCodes.UnloadedCodeRan, DiagnosticCodes.CallsOvertaken),
    ),
    result(CheckName.UnloadsCleanly, withCode(DiagnosticCodes.UnloadLeak)),
    result(CheckName.BecomesGarbage, [
      ...withCode(DiagnosticCodes.UnloadIncomplete),
      ...(seen.unload.collected + seen.unload.retained.length < seen.unload.expected
        ? [
            `only ${seen.unload.collected + seen.unload.retained.length} of ${seen.unload.expected} unloaded generations were checked in time`,
          ]
        : []),
    ]),
    result(
      CheckName.NoRuntimeErrors,
      withCode(DiagnosticCodes.RuntimeError, DiagnosticCodes.Timeout),
    ),
    result(CheckName.CloneableState, withCode(DiagnosticCodes.StateNotCloneable)),
    result(CheckName.FlatMemory, heapGrowth(seen.heapBytes)),
    result(
      CheckName.Migrates,
      migrationProblems(seen, withCode(DiagnosticCodes.StateVersionChanged)),
    ),
  ];
}

/**
 * What a reload changed in the state (a path added, removed or changed, by `diffStates`) where
 * the state was never seen moving by itself. A change is the state's own motion when a look
 * pair with no reload between changed the same path, a path inside it or around it, or another
 * entry of the same list.
 */
export function stateLosses(
  reload: Pick<ReloadSeen, 'before' | 'after'>,
  motion: PluginObservations['motion'],
): StateChange[] {
  const moved = motion.flatMap(({ from, to }) => changesBetween(from, to).map((c) => c.pointer));
  return changesBetween(reload.before, reload.after).filter(
    (change) => !moved.some((pointer) => movesWith(pointer, change.pointer)),
  );
}

function changesBetween(a: StateView, b: StateView): StateChange[] {
  return diffStates(a.state, b.state, { before: a.types ?? {}, after: b.types ?? {} }).changes;
}

function movesWith(moved: string, changed: string): boolean {
  if (moved === changed || moved === '/' || changed === '/') return true;
  if (changed.startsWith(`${moved}/`) || moved.startsWith(`${changed}/`)) return true;
  const parent = (pointer: string) => pointer.slice(0, pointer.lastIndexOf('/'));
  const isIndex = (pointer: string) => /\/\d+$/.test(pointer);
  return isIndex(moved) && isIndex(changed) && parent(moved) === parent(changed);
}

/** "state.at (removed), state.items[3] (changed) and 2 more" */
function places(changes: StateChange[]): string {
  const named = changes
    .slice(0, PLACES_NAMED)
    .map((c) => `${pathOfPointer(c.pointer)} (${c.kind})`)
    .join(', ');
  const more = changes.length - PLACES_NAMED;
  return more > 0 ? `${named} and ${more} more` : named;
}

/** The least-squares slope of the heap over the reloads; a reason when it is over the limit. */
export function heapGrowth(heapBytes: number[]): string[] {
  if (heapBytes.length < 3) return [];
  const n = heapBytes.length;
  const meanX = (n - 1) / 2;
  const meanY = heapBytes.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  heapBytes.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  const slope = num / den;
  if (slope <= MAX_HEAP_SLOPE_BYTES) return [];
  return [
    `its host's heap grew ${kib(slope)} per reload over ${n} reloads (${kib(heapBytes[0] ?? 0)} → ${kib(heapBytes[n - 1] ?? 0)}; at most ${kib(MAX_HEAP_SLOPE_BYTES)} allowed)`,
  ];
}

function migrationProblems(seen: PluginObservations, dropped: string[]): string[] {
  const { migration } = seen;
  if (!migration) return [];
  if (migration.error !== undefined)
    return [
      `with state of stateVersion ${migration.fromVersion}, the reload failed: ${migration.error}`,
    ];
  return dropped.length > 0
    ? [
        `state saved under stateVersion ${migration.fromVersion} is dropped: the plugin exports no migrateState`,
      ]
    : [];
}

function describeDiagnostic(d: Diagnostic): string {
  return d.message.split('\n')[0] ?? d.message;
}

function unique(lines: string[]): string[] {
  return [...new Set(lines)];
}

function kib(bytes: number): string {
  return `${Math.round(bytes / 1024)} KiB`;
}
