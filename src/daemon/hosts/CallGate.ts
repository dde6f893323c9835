import type { GenerationHost } from './RemoteGeneration.js';

/**
 * One plugin's half of a reload's atomic swap, on the daemon's side: while its gate is shut,
 * calls routed to it (clients' `plugin/executeCommand`, other plugins' commands and API calls)
 * wait here, in arrival order, and go on once it opens, to whichever generation is active by
 * then. It also knows the hosts that still hold the plugin's own calls after a swap whose new
 * generation failed, and whether the plugin is waiting for the editor: that time is not its
 * own, so its time limits stand still meanwhile.
 */
export class CallGate {
  private waiting: (() => void)[] | undefined;
  private readonly heldIn = new Set<GenerationHost>();
  private editorCalls = 0;

  constructor(readonly pluginId: string) {}

  get isShut(): boolean {
    return this.waiting !== undefined;
  }

  /** Shuts the gate (shutting a shut gate changes nothing). */
  shut(): void {
    this.waiting ??= [];
  }

  /** `host` holds the plugin's calls until the gate opens (a swap whose `start` failed). */
  holdIn(host: GenerationHost): void {
    this.heldIn.add(host);
  }

  /** Opens it: what a host still held is delivered, then the calls waiting here go on, first come first. */
  open(): void {
    for (const host of this.heldIn) host.post({ op: 'resume', pluginId: this.pluginId });
    this.heldIn.clear();
    const waiting = this.waiting ?? [];
    this.waiting = undefined;
    for (const go of waiting) go();
  }

  /** Resolves when the gate is open: at once if it is. */
  passage(): Promise<void> {
    const waiting = this.waiting;
    if (!waiting) return Promise.resolve();
    return new Promise((resolve) => waiting.push(resolve));
  }

  /** True while the plugin waits for the editor (an `editor/call` it made). */
  get awaitsEditor(): boolean {
    return this.editorCalls > 0;
  }

  /** Runs the plugin's call to the editor, counting it as a wait while it lasts. */
  async duringEditorCall<T>(call: () => Promise<T>): Promise<T> {
    this.editorCalls += 1;
    try {
      return await call();
    } finally {
      this.editorCalls -= 1;
    }
  }
}

/**
 * Whether a call from `callerId` (a plugin, or undefined for a client) to plugin `targetId` must
 * wait: while that plugin is swapped, or, for a name nobody has registered (`targetId` undefined),
 * while any plugin is (a new generation may register it). A plugin never waits for itself.
 */
export function holds(
  gates: Iterable<CallGate>,
  targetId: string | undefined,
  callerId: string | undefined,
): boolean {
  if (targetId === undefined) return shutBut(gates, callerId) !== undefined;
  return targetId !== callerId && gateOf(gates, targetId)?.isShut === true;
}

function gateOf(gates: Iterable<CallGate>, pluginId: string): CallGate | undefined {
  for (const gate of gates) if (gate.pluginId === pluginId) return gate;
  return undefined;
}

/** The first shut gate that is not `except`'s, if any. */
function shutBut(gates: Iterable<CallGate>, except: string | undefined): CallGate | undefined {
  for (const gate of gates) if (gate.isShut && gate.pluginId !== except) return gate;
  return undefined;
}

/**
 * Waits until `holds` may have changed its mind, but no longer than `ms` (a call's time limit
 * keeps running meanwhile): for `targetId`'s gate, or, for a name nobody has registered, for
 * every gate but the caller's, one after another.
 */
export async function waitAtGates(
  gates: () => Iterable<CallGate>,
  targetId: string | undefined,
  callerId: string | undefined,
  ms: number,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    if (targetId !== undefined) {
      const gate = gateOf(gates(), targetId);
      if (gate) await Promise.race([gate.passage(), late]);
      return;
    }
    for (;;) {
      const next = shutBut(gates(), callerId);
      if (next === undefined) return;
      if ((await Promise.race([next.passage(), late])) === 'late') return;
    }
  } finally {
    clearTimeout(timer);
  }
}
