export interface Disposable {
  dispose(): void;
}

/** What a generation can hold on to; named as the unload diagnostic names them. */
export const ResourceKind = {
  Command: 'command',
  EventListener: 'event listener',
  Timeout: 'timeout',
  Interval: 'interval',
  Disposable: 'subscription',
} as const;
export type ResourceKind = (typeof ResourceKind)[keyof typeof ResourceKind];

export interface Leftover {
  kind: ResourceKind;
  label: string;
}

interface Tracked extends Leftover {
  release(): void;
}

/**
 * Everything one plugin generation registered, so that unloading it leaves nothing behind: what
 * the plugin did not dispose itself is named (the unload diagnostic) and then released here.
 */
export class ResourceTracker {
  private readonly live = new Set<Tracked>();
  private closedReason: string | undefined;

  /** Registers a resource; the returned Disposable releases it and forgets it (idempotent). */
  /**
   * Throws once the generation is unloaded. Called before a resource is created, not after: code
   * of an unloaded generation that resumes late (an editor answer it awaited) must not get a timer
   * or listener started that nothing would ever stop.
   */
  assertOpen(): void {
    if (this.closedReason) throw new Error(this.closedReason);
  }

  track(kind: ResourceKind, label: string, release: () => void): Disposable {
    this.assertOpen();
    const entry: Tracked = { kind, label, release };
    this.live.add(entry);
    return {
      dispose: () => {
        if (this.live.delete(entry)) entry.release();
      },
    };
  }

  leftovers(): Leftover[] {
    return [...this.live].map(({ kind, label }) => ({ kind, label }));
  }

  /** Releases everything and refuses new registrations with `reason` from then on. */
  close(reason: string): void {
    this.closedReason = reason;
    for (const entry of [...this.live]) {
      this.live.delete(entry);
      try {
        entry.release();
      } catch {
        // Releasing is best effort: one resource failing must not keep the others alive.
      }
    }
  }
}

const PLURALS: Record<ResourceKind, string> = {
  command: 'commands',
  'event listener': 'event listeners',
  timeout: 'timeouts',
  interval: 'intervals',
  subscription: 'subscriptions',
};

/** "2 event listeners (buffer:changed, file:saved), 1 interval (tick)" */
export function describeLeftovers(leftovers: Leftover[]): string {
  const byKind = new Map<ResourceKind, string[]>();
  for (const { kind, label } of leftovers) byKind.set(kind, [...(byKind.get(kind) ?? []), label]);
  return [...byKind]
    .map(([kind, labels]) => {
      const noun = labels.length === 1 ? kind : PLURALS[kind];
      const named = labels.filter((l) => l !== '');
      return `${labels.length} ${noun}${named.length > 0 ? ` (${named.join(', ')})` : ''}`;
    })
    .join(', ');
}
