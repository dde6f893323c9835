import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevelName } from '../../protocol/index.js';
import type { LogRing } from './LogRing.js';

export type { Logger };

export type LogLevel = LogLevelName | 'silent';

const RANK: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/**
 * In stdio mode stdout carries the protocol, so logs go to stderr as JSON lines. Standalone, a
 * person is reading: pretty lines on stdout. Either way every entry down to debug also goes to
 * the ring buffer that `log/subscribe` serves, so a client can follow what the console hides.
 */
export function createLogger(options: {
  level: LogLevel;
  mode: 'stdio' | 'standalone';
  ring?: LogRing;
}): Logger {
  const console = consoleStream(options.mode);
  if (!options.ring) return pino({ level: options.level, base: { pid: process.pid } }, console);
  const ringLevel: LogLevel = options.level === 'trace' ? 'trace' : 'debug';
  const streams: pino.StreamEntry[] = [{ level: ringLevel, stream: options.ring }];
  if (options.level !== 'silent') streams.push({ level: options.level, stream: console });
  const lowest = RANK[options.level] < RANK[ringLevel] ? options.level : ringLevel;
  return pino({ level: lowest, base: { pid: process.pid } }, pino.multistream(streams));
}

function consoleStream(mode: 'stdio' | 'standalone'): DestinationStream {
  if (mode === 'stdio') return pino.destination({ fd: 2, sync: true });
  // Only a person at a terminal reads pretty lines: an editor's daemon never loads pino-pretty.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  return pretty({
    destination: 1,
    sync: true,
    colorize: process.stdout.isTTY === true,
    ignore: 'pid,hostname',
    translateTime: 'HH:MM:ss.l',
    messageFormat: '{if plugin}[{plugin}] {end}{msg}',
    // The structured fields stay in JSON mode; a person gets the message line alone.
    hideObject: true,
  });
}
