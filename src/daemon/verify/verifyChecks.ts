import {
  type Diagnostic,
  DiagnosticCodes,
  diffStates,
  pathOfPointer,
} from '../../protocol/index.js';

/**
 * `reloadd verify`'s judgement, apart from the running: what was seen of one plugin (its load,
 * the commands run, each reload and the state on both sides of it, every diagnostic published,
 * the unload checks, the host's heap) → one result per check, each failure with its reason.
 * Seed 001's checklist, as checks a machine can make.
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
  reloads: {
    ok: boolean;
    error?: string;
    before: StateView;
    after: StateView;
  }[];
  /** Every diagnostic published for the plugin while it was verified (each list, whole). */
  diagnostics: Diagnostic[];
  unload: { expected: number; collected: number; retained: number[] };
  /** Its host's heap after each reload's unload checks (which force collections), in bytes. */
  heapBytes: number[];
  /** For a plugin with a `stateVersion`: the reload given its state as the version before. */
  migration?: { fromVersion: number; error?: string };
}

export const CheckName = {
  Loads: 'loads',
  Runs: 'runs its commands',
  Reloads: 'reloads',
  KeepsState: 'keeps its state',
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
  ok: boolean;
  /** Why it failed, one line each (empty when it passed). */
  reasons: string[];
}

/** Heap growth allowed across the reloads, by least squares, per reload. */
export const MAX_HEAP_SLOPE_BYTES = 512 * 1024;

export function judge(seen: PluginObservations): CheckResult[] {
  const result = (name: CheckName, reasons: string[]): CheckResult => ({
    name,
    ok: reasons.length === 0,
    reasons,
  });
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
        if (!r.ok) return [];
        const where = firstDifference(r.before, r.after);
        return where === undefined ? [] : [`state after reload ${i + 1} differs at ${where}`];
      }),
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
 * Where two states first differ, as a path a person reads (`state.items[3]`, `state.tags`), or
 * undefined when they are equal: same JSON, and the same types where JSON flattened (a Map that
 * came back as a plain object differs).
 */
export function firstDifference(a: StateView, b: StateView): string | undefined {
  const [first] = diffStates(a.state, b.state, {
    before: a.types ?? {},
    after: b.types ?? {},
  }).changes;
  return first ? pathOfPointer(first.pointer) : undefined;
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
