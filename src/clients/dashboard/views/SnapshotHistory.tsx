import type { SnapshotInfo } from '../../../protocol/index.js';
import { bytes, clock } from '../model/format.js';

interface Props {
  history: readonly SnapshotInfo[];
  /** The generation whose snapshot the tree shows, when it is a past one. */
  viewing: number | undefined;
  onView(generation: number | undefined): void;
  onRestore(generation: number): void;
}

/**
 * The plugin's last snapshots, newest first, with what took each: any of them can be looked at
 * in the tree, or brought back (`plugin/restoreSnapshot`: a reload with that state).
 */
export function SnapshotHistory({ history, viewing, onView, onRestore }: Props) {
  if (history.length === 0) return null;
  return (
    <section class="snapshot-history" aria-label="Snapshot history">
      <h3>
        History{' '}
        {viewing !== undefined && (
          <button type="button" onClick={() => onView(undefined)}>
            Back to the current state
          </button>
        )}
      </h3>
      <ol>
        {history.map((s, i) => (
          // The same generation takes several snapshots: their place tells them apart.
          <li
            key={`${s.generation}-${s.savedAt}-${i}`}
            class={viewing === s.generation ? 'viewing' : ''}
          >
            <span class="when">{clock(s.savedAt)}</span> generation {s.generation}{' '}
            <span class="muted">
              {s.takenBy ?? ''} {s.sizeBytes !== null ? bytes(s.sizeBytes) : ''}
            </span>{' '}
            {i === history.findIndex((h) => h.generation === s.generation) && (
              <>
                <button type="button" onClick={() => onView(s.generation)}>
                  Show
                </button>{' '}
                <button type="button" onClick={() => onRestore(s.generation)}>
                  Restore
                </button>
              </>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
