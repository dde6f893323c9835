import { useEffect, useState } from 'preact/hooks';
import {
  PluginExecuteCommand,
  PluginGetState,
  PluginRestoreSnapshot,
  type ResultOf,
} from '../../../protocol/index.js';
import type { DashboardConnection } from '../model/DashboardConnection.js';
import { clock } from '../model/format.js';
import { diffStates, type FlattenedTypes, preview, summarize } from '../model/stateView.js';
import { SnapshotHistory } from './SnapshotHistory.js';

type Snapshot = ResultOf<typeof PluginGetState>;

interface Props {
  connection: DashboardConnection;
  pluginId: string | undefined;
  /** Changes with each reload of the plugin: the state is asked for again. */
  reloadKey: number;
}

/**
 * A plugin's state as its last snapshot holds it (and, below it, what the plugin keeps in its
 * storage, `ctx.storage`: no snapshot holds that, so it is shown as it is now) (`plugin/getState` takes a fresh one), as a tree
 * that shows a Map as a Map, and what changed since the snapshot before: after a reload, the
 * state before and after it. Commands run from here refresh it too.
 */
export function StateInspector({ connection, pluginId, reloadKey }: Props) {
  const [snapshots, setSnapshots] = useState<{ current?: Snapshot; previous?: Snapshot }>({});
  const [problem, setProblem] = useState<string | undefined>();
  const [refreshes, setRefreshes] = useState(0);
  /** A past snapshot shown in the tree instead of the current state. */
  const [past, setPast] = useState<Snapshot | undefined>();

  useEffect(() => {
    if (!pluginId) return;
    let stale = false;
    connection
      .request(PluginGetState, { id: pluginId, history: true })
      .then((snapshot) => {
        if (stale) return;
        setProblem(undefined);
        setSnapshots((was) =>
          was.current?.id === pluginId
            ? { current: snapshot, previous: was.current }
            : { current: snapshot },
        );
      })
      .catch((error: Error) => !stale && setProblem(error.message));
    return () => {
      stale = true;
    };
  }, [connection, pluginId, reloadKey, refreshes]);

  if (!pluginId)
    return (
      <section class="state" aria-label="State inspector">
        <h2>State</h2>
        <p class="muted">Choose a plugin's State button to look at its state.</p>
      </section>
    );
  const { current, previous } = snapshots.current?.id === pluginId ? snapshots : {};
  const shown = past?.id === pluginId ? past : current;
  const view = (generation: number | undefined) => {
    if (generation === undefined) return setPast(undefined);
    connection
      .request(PluginGetState, { id: pluginId, generation })
      .then(setPast)
      .catch((error: Error) => setProblem(error.message));
  };
  const restore = (generation: number) => {
    connection
      .request(PluginRestoreSnapshot, { id: pluginId, generation })
      .then(({ result }) =>
        setProblem(result.ok ? undefined : `restore failed: ${result.error?.message ?? ''}`),
      )
      .catch((error: Error) => setProblem(error.message))
      .finally(() => {
        setPast(undefined);
        setRefreshes((n) => n + 1);
      });
  };
  return (
    <section class="state" aria-label="State inspector">
      <header class="panel-head">
        <h2>State of {pluginId}</h2>
        {current?.savedAt && (
          <span class="muted">
            generation {current.generation}, snapshot at {clock(current.savedAt)}
          </span>
        )}
        <button type="button" onClick={() => setRefreshes((n) => n + 1)}>
          Refresh
        </button>
      </header>
      <CommandRunner
        connection={connection}
        pluginId={pluginId}
        onRan={() => setRefreshes((n) => n + 1)}
      />
      {problem && <p class="bad">{problem}</p>}
      <div class="state-columns">
        <section class="state-tree" aria-label={shown === past ? 'Past snapshot' : 'Current state'}>
          {shown === past && past && (
            <p class="muted">
              The snapshot generation {past.generation} took at {clock(past.savedAt ?? '')}:
            </p>
          )}
          {shown === undefined ? (
            <p class="muted">Loading…</p>
          ) : shown.state === null ? (
            <p class="muted">No state: the plugin keeps none (it has no saveState).</p>
          ) : (
            <StateNode
              name="state"
              value={shown.state}
              pointer=""
              types={shown.types ?? {}}
              depth={0}
            />
          )}
        </section>
        <StateDiff current={current} previous={previous} />
      </div>
      <StorageView storage={current?.storage} />
      <SnapshotHistory
        history={current?.history ?? []}
        viewing={shown === past ? past?.generation : undefined}
        onView={view}
        onRestore={restore}
      />
    </section>
  );
}

function StateNode(props: {
  name: string;
  value: unknown;
  pointer: string;
  types: FlattenedTypes;
  depth: number;
}) {
  const summary = summarize(props.value, props.pointer, props.types);
  if (summary.children.length === 0)
    return (
      <div class="leaf" data-pointer={props.pointer}>
        <span class="key">{props.name}</span>:{' '}
        <span class={`v-${summary.kind}`}>{summary.label}</span>
      </div>
    );
  return (
    <details open={props.depth < 2} data-pointer={props.pointer}>
      <summary>
        <span class="key">{props.name}</span>:{' '}
        <span class={`v-${summary.kind}`}>{summary.label}</span>
      </summary>
      <div class="children">
        {summary.children.map(([key, pointer, value]) => (
          <StateNode
            key={key}
            name={key}
            value={value}
            pointer={pointer}
            types={props.types}
            depth={props.depth + 1}
          />
        ))}
      </div>
    </details>
  );
}

/** The plugin's storage (`ctx.storage`, Red's `red.storage`): JSON, key by key, as it is now. */
function StorageView({ storage }: { storage: Record<string, unknown> | undefined }) {
  if (storage === undefined) return null;
  const keys = Object.keys(storage);
  return (
    <section class="storage-tree" aria-label="Storage">
      <h3>Storage</h3>
      {keys.length === 0 ? (
        <p class="muted">Nothing stored: the plugin has set no key (ctx.storage, red.storage).</p>
      ) : (
        keys.map((key) => (
          <StateNode
            key={key}
            name={key}
            value={storage[key]}
            pointer={`/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`}
            types={{}}
            depth={1}
          />
        ))
      )}
    </section>
  );
}

function StateDiff({ current, previous }: { current?: Snapshot; previous?: Snapshot }) {
  if (!current || !previous)
    return (
      <section class="state-diff" aria-label="Changes">
        <h3>Changes</h3>
        <p class="muted">
          The next snapshot (after a reload, a command or Refresh) is compared with this one.
        </p>
      </section>
    );
  const { changes, more } = diffStates(previous.state, current.state);
  return (
    <section class="state-diff" aria-label="Changes">
      <h3>
        Changes, generation {previous.generation} → {current.generation}
      </h3>
      {changes.length === 0 ? (
        <p class="muted">None: the state is the same as in the snapshot before.</p>
      ) : (
        <ul>
          {changes.map((c) => (
            <li key={c.pointer} class={`change ${c.kind}`}>
              <code>{c.pointer}</code>{' '}
              {c.kind === 'added'
                ? `added ${preview(c.after)}`
                : c.kind === 'removed'
                  ? `removed (was ${preview(c.before)})`
                  : `${preview(c.before)} → ${preview(c.after)}`}
            </li>
          ))}
          {more > 0 && <li class="muted">and {more} more</li>}
        </ul>
      )}
    </section>
  );
}

function CommandRunner(props: {
  connection: DashboardConnection;
  pluginId: string;
  onRan(): void;
}) {
  const [command, setCommand] = useState(`${props.pluginId}.`);
  const [args, setArgs] = useState('');
  const [answer, setAnswer] = useState<string | undefined>();
  useEffect(() => setCommand(`${props.pluginId}.`), [props.pluginId]);
  const run = (event: Event) => {
    event.preventDefault();
    let parsed: unknown[] | undefined;
    try {
      parsed = args.trim() ? (JSON.parse(args) as unknown[]) : undefined;
      if (parsed !== undefined && !Array.isArray(parsed))
        throw new Error('arguments: a JSON array');
    } catch (error) {
      setAnswer(`not run: ${(error as Error).message}`);
      return;
    }
    props.connection
      .request(PluginExecuteCommand, { command, ...(parsed ? { args: parsed } : {}) })
      .then((result) => setAnswer(`→ ${preview(result, 200)}`))
      .catch((error: Error) => setAnswer(`failed: ${error.message}`))
      .finally(props.onRan);
  };
  return (
    <form class="command" onSubmit={run}>
      <label>
        Command <input value={command} onInput={(e) => setCommand(e.currentTarget.value)} />
      </label>
      <label>
        Arguments (JSON array){' '}
        <input value={args} placeholder="[]" onInput={(e) => setArgs(e.currentTarget.value)} />
      </label>
      <button type="submit">Run</button>
      {answer && <output class="answer">{answer}</output>}
    </form>
  );
}
