import { useMemo, useState } from 'preact/hooks';
import { type LogEntry, type LogLevelName, LogLevels } from '../../../protocol/index.js';
import { clock } from '../model/format.js';

/** Lines drawn at once: the newest that match the filters. */
const SHOWN = 300;

interface Props {
  logs: readonly LogEntry[];
  pluginIds: string[];
  pluginId: string | undefined;
}

/**
 * The daemon's log as it happens, from the last few hundred entries: by level, by plugin, by
 * text; paused, it holds still (and counts what arrived) while a person reads.
 */
export function LogsPanel({ logs, pluginIds, pluginId }: Props) {
  const [level, setLevel] = useState<LogLevelName>('info');
  const [plugin, setPlugin] = useState<string>(pluginId ?? '');
  const [search, setSearch] = useState('');
  const [held, setHeld] = useState<readonly LogEntry[] | undefined>();
  const source = held ?? logs;
  const shown = useMemo(() => {
    const lowest = LogLevels.indexOf(level);
    const text = search.toLowerCase();
    return source
      .filter(
        (e) =>
          LogLevels.indexOf(e.level) >= lowest &&
          (!plugin || e.pluginId === plugin) &&
          (!text || e.message.toLowerCase().includes(text)),
      )
      .slice(-SHOWN);
  }, [source, level, plugin, search]);
  const waiting = held ? logs.length - held.length : 0;
  return (
    <section class="logs" aria-label="Logs">
      <header class="panel-head">
        <h2>Logs</h2>
        <label>
          Level{' '}
          <select value={level} onChange={(e) => setLevel(e.currentTarget.value as LogLevelName)}>
            {LogLevels.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label>
          Plugin{' '}
          <select value={plugin} onChange={(e) => setPlugin(e.currentTarget.value)}>
            <option value="">all</option>
            {pluginIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search{' '}
          <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
        </label>
        <button
          type="button"
          aria-pressed={held !== undefined}
          onClick={() => setHeld(held ? undefined : logs)}
        >
          {held ? `Resume${waiting > 0 ? ` (${waiting} new)` : ''}` : 'Pause'}
        </button>
      </header>
      <ol class="log-lines" aria-live="off">
        {shown.map((e) => (
          <li key={e.seq} class={`log l-${e.level}${e.reload ? ' trace' : ''}`} data-seq={e.seq}>
            <time dateTime={e.time}>{clock(e.time)}</time>
            <span class="level">{e.level}</span>
            {e.pluginId && <span class="plugin">{e.pluginId}</span>}
            <span class="message">{e.message}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
