import { type LogEntry, type LogLevelName, LogLevels } from '../../../protocol/index.js';

/**
 * The log tail's pure half: which lines the Logs panel draws, whether it follows the newest, and
 * how many arrived while a person reads further up.
 */

/** Lines drawn at once: the newest that match the filters. */
export const TAIL_LINES = 300;
/** How close to the end of the list still counts as at its end (a fraction of a line). */
const AT_END_PX = 8;

export interface LogFilter {
  /** The lowest level shown. */
  level: LogLevelName;
  /** One plugin's lines only; '' for all. */
  pluginId: string;
  /** Lines containing this, any case; '' for all. */
  text: string;
}

/**
 * Following: the newest lines show, and the list stays scrolled to its end. Held: a person
 * scrolled up (or paused) to read; the lines stay those of that moment, so that nothing moves
 * under them, and the new ones are counted.
 */
export type LogTail = { following: true } | { following: false; held: readonly LogEntry[] };

export const FOLLOWING: LogTail = { following: true };

export interface TailView {
  lines: readonly LogEntry[];
  /** Lines that match the filters and came after those held. */
  waiting: number;
}

export function tailView(logs: readonly LogEntry[], filter: LogFilter, tail: LogTail): TailView {
  const matches = matcher(filter);
  if (tail.following) return { lines: logs.filter(matches).slice(-TAIL_LINES), waiting: 0 };
  const last = tail.held.at(-1)?.seq ?? -1;
  return {
    lines: tail.held.filter(matches).slice(-TAIL_LINES),
    waiting: logs.filter((e) => e.seq > last && matches(e)).length,
  };
}

/** Where the list was scrolled to: at its end it follows; above it, it holds what it shows. */
export function afterScroll(
  tail: LogTail,
  logs: readonly LogEntry[],
  list: { scrollTop: number; scrollHeight: number; clientHeight: number },
): LogTail {
  const atEnd = list.scrollHeight - list.clientHeight - list.scrollTop <= AT_END_PX;
  if (atEnd) return tail.following ? tail : FOLLOWING;
  return tail.following ? { following: false, held: logs } : tail;
}

function matcher(filter: LogFilter): (entry: LogEntry) => boolean {
  const lowest = LogLevels.indexOf(filter.level);
  const text = filter.text.toLowerCase();
  return (e) =>
    LogLevels.indexOf(e.level) >= lowest &&
    (!filter.pluginId || e.pluginId === filter.pluginId) &&
    (!text || e.message.toLowerCase().includes(text));
}
