import type { Leftover, ResourceKind } from '../crossing/leftovers.js';

export interface Disposable {
  dispose(): void;
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

  /**
   * Throws once the generation is unloaded. Called before a resource is created, not after: code
   * of an unloaded generation that resumes late (an editor answer it awaited) must not get a timer
   * or listener started that nothing would ever stop.
   */
  assertOpen(): void {
    if (this.closedReason) throw new Error(this.closedReason);
  }

  /** Registers a resource; the returned Disposable releases it and forgets it (idempotent). */
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
