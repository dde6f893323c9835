import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * In stdio mode stdout carries the protocol, so logs go to stderr as JSON lines. Standalone, a
 * person is reading: pretty lines on stdout.
 */
export function createLogger(options: { level: LogLevel; mode: 'stdio' | 'standalone' }): Logger {
  const base = { level: options.level, base: { pid: process.pid } };
  if (options.mode === 'stdio') return pino(base, pino.destination({ fd: 2, sync: true }));
  return pino(
    base,
    pretty({
      destination: 1,
      sync: true,
      colorize: process.stdout.isTTY === true,
      ignore: 'pid,hostname',
      translateTime: 'HH:MM:ss.l',
      messageFormat: '{if plugin}[{plugin}] {end}{msg}',
      // The structured fields stay in JSON mode; a person gets the message line alone.
      hideObject: true,
    }),
  );
}
