import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type LogEntry, type LogLevelName, LogLevels } from '../../../protocol/index.js';
import { clock } from '../model/format.js';
import { afterScroll, FOLLOWING, type LogTail, tailView } from '../model/logTail.js';

interface Props {
  logs: readonly LogEntry[];
  pluginIds: string[];
  pluginId: string | undefined;
}

/**
 * The daemon's log as it happens, from the last few hundred entries: by level, by plugin, by
 * text. It follows the newest line; scrolled up (or paused), it holds still while a person reads
 * and counts what arrived, and "n new" takes them back to the newest.
 */
export function LogsPanel({ logs, pluginIds, pluginId }: Props) {
  const [level, setLevel] = useState<LogLevelName>('info');
  const [plugin, setPlugin] = useState<string>(pluginId ?? '');
  const [search, setSearch] = useState('');
  const [tail, setTail] = useState<LogTail>(FOLLOWING);
  const list = useRef<HTMLOListElement>(null);
  const { lines, waiting } = useMemo(
    () => tailView(logs, { level, pluginId: plugin, text: search }, tail),
    [logs, level, plugin, search, tail],
  );
  // Before the frame is drawn, so that a line never shows above the end it was added at.
  useLayoutEffect(() => {
    const element = list.current;
    if (tail.following && element) element.scrollTop = element.scrollHeight;
  }, [lines, tail]);
  const follow = () => setTail(FOLLOWING);
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
          aria-pressed={!tail.following}
          onClick={() => setTail(tail.following ? { following: false, held: logs } : FOLLOWING)}
        >
          {tail.following ? 'Pause' : 'Follow'}
        </button>
      </header>
      <div class="log-view">
        <ol
          class="log-lines"
          aria-live="off"
          ref={list}
          data-following={tail.following}
          onScroll={(e) => {
            const next = afterScroll(tail, logs, e.currentTarget);
            if (next !== tail) setTail(next);
          }}
        >
          {lines.map((e) => (
            <li key={e.seq} class={`log l-${e.level}${e.reload ? ' trace' : ''}`} data-seq={e.seq}>
              <time dateTime={e.time}>{clock(e.time)}</time>
              <span class="level">{e.level}</span>
              {e.pluginId && <span class="plugin">{e.pluginId}</span>}
              <span class="message">{e.message}</span>
            </li>
          ))}
        </ol>
        {!tail.following && waiting > 0 && (
          <button type="button" class="log-new" onClick={follow}>
            {waiting} new ↓
          </button>
        )}
      </div>
    </section>
  );
}
