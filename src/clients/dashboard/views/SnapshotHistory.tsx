import type { SnapshotInfo } from '../../../protocol/index.js';
import { bytes, clock } from '../model/format.js';
import { historyRows } from '../model/stateView.js';

interface Props {
  history: readonly SnapshotInfo[];
  /** The generation whose snapshot the tree shows, when it is a past one. */
  viewing: number | undefined;
  onView(generation: number | undefined): void;
  onRestore(generation: number): void;
}

/**
 * The plugin's snapshots kept, newest first, with what took each: the newest of each generation
 * can be looked at in the tree, or brought back (`plugin/restoreSnapshot`: a reload with that
 * state). What a generation took while running is marked: the daemon keeps only its newest.
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
      <p class="muted">
        Kept: each reload, rollback, request and stop; of what a generation takes while it runs
        (timers, listeners, commands), only its newest.
      </p>
      <ol>
        {historyRows(history).map(({ snapshot: s, key, running, restorable }) => (
          <li
            key={key}
            class={`${viewing === s.generation && restorable ? 'viewing' : ''} ${running ? 'running' : 'point'}`}
            data-taken-by={s.takenBy ?? ''}
            data-generation={s.generation}
          >
            <span class="when">{clock(s.savedAt)}</span> generation {s.generation}{' '}
            <span class={running ? 'muted' : 'taken-by'}>{s.takenBy ?? ''}</span>{' '}
            <span class="muted">{s.sizeBytes !== null ? bytes(s.sizeBytes) : ''}</span>{' '}
            {restorable && (
              <>
                <button
                  type="button"
                  aria-label={`Show generation ${s.generation}`}
                  onClick={() => onView(s.generation)}
                >
                  Show
                </button>{' '}
                <button
                  type="button"
                  aria-label={`Restore generation ${s.generation}`}
                  onClick={() => onRestore(s.generation)}
                >
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
