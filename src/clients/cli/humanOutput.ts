import path from 'node:path';
import {
  type DaemonStatus,
  type Diagnostic,
  describePhases,
  type LogEntry,
  type PluginGetState,
  type PluginInfo,
  type ReloadResult,
  type ResultOf,
} from '../../protocol/index.js';
import type { TerminalStyle } from './TerminalStyle.js';

/** What people read; `--json` prints the protocol's results instead. */

export function formatReloadResults(
  results: readonly ReloadResult[],
  style: TerminalStyle,
): string {
  const width = Math.max(0, ...results.map((r) => r.id.length));
  const lines = results.map((r) => {
    const id = r.id.padEnd(width);
    if (r.ok)
      return `${style.ok('✓')} ${id}  generation ${r.generation}  ${style.dim(`${r.durationMs} ms`)}`;
    const error = r.error;
    const where = error?.file ? `${location(error.file, error.range)}  ` : '';
    return `${style.bad('✗')} ${id}  ${error?.code ?? 'failed'}  ${where}${error?.message ?? ''}`;
  });
  const failed = results.filter((r) => !r.ok).length;
  const summary =
    failed === 0
      ? style.ok(`${results.length} reloaded`)
      : style.bad(`${failed} of ${results.length} failed`);
  return [...lines, summary].join('\n');
}

export function formatPluginList(plugins: readonly PluginInfo[], style: TerminalStyle): string {
  if (plugins.length === 0) return 'no plugins';
  const rows = plugins.map((p) => [
    p.id,
    p.status,
    String(p.generation),
    p.version,
    p.lastReload
      ? `${p.lastReload.ok ? 'ok' : 'failed'} ${p.lastReload.durationMs} ms (${p.lastReload.trigger}) ${clock(p.lastReload.at)}`
      : '',
  ]);
  const header = ['ID', 'STATUS', 'GEN', 'VERSION', 'LAST RELOAD'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], paint = (_i: number, s: string) => s) =>
    cells
      .map((c, i) => paint(i, i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const statusColour = (status: string, text: string) =>
    status === 'active' ? style.ok(text) : status === 'failed' ? style.bad(text) : style.warn(text);
  return [
    style.bold(line(header)),
    ...rows.map((r) => line(r, (i, s) => (i === 1 ? statusColour(r[1] ?? '', s) : s))),
  ].join('\n');
}

export function formatStatus(status: ResultOf<typeof DaemonStatus>, style: TerminalStyle): string {
  const p = status.plugins;
  const r = status.reloads;
  const clients = status.clients.map((c) => `${c.transport}${c.name ? ` (${c.name})` : ''}`);
  const rows: [string, string][] = [
    ['daemon', `reloadd ${status.version}, pid ${status.pid}, up ${duration(status.uptimeMs)}`],
    ['plugins', `${status.pluginsDir}`],
    [
      '',
      `${p.total} total: ${style.ok(`${p.active} active`)}, ${p.failed > 0 ? style.bad(`${p.failed} failed`) : '0 failed'}, ${p.disabled} disabled, ${p.loading} loading`,
    ],
    [
      'hot reload',
      status.hotReload
        ? style.ok('on')
        : `${style.warn('off')}${status.heldChanges > 0 ? ` (${status.heldChanges} changed files held)` : ''}`,
    ],
    [
      'type checks',
      status.typecheck === 'on'
        ? style.ok('on')
        : status.typecheck === 'off'
          ? 'off (--no-typecheck)'
          : style.warn('unavailable: the TypeScript compiler cannot be loaded (the log says why)'),
    ],
    ['listening', status.url ?? 'no (stdio only)'],
    ['clients', `${clients.length}${clients.length > 0 ? `: ${clients.join(', ')}` : ''}`],
    [
      'reloads',
      r.count === 0
        ? 'none yet'
        : `${r.count} (${r.succeeded} ok, ${r.failed} failed), p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms`,
    ],
    [
      'memory',
      `${mb(status.memory.rssBytes)} in all, the daemon's heap ${mb(status.memory.heapUsedBytes)}`,
    ],
    ...status.memory.hosts.map((h): [string, string] => [
      '',
      `host ${h.name}: ${h.heapUsedBytes === undefined ? 'did not answer' : `heap ${mb(h.heapUsedBytes)}, outside it ${mb(h.externalBytes ?? 0)}${h.rssBytes !== undefined ? `, ${mb(h.rssBytes)} resident (its own process)` : ''}`} (${h.plugins.length} plugin${h.plugins.length === 1 ? '' : 's'})`,
    ]),
  ];
  return rows.map(([k, v]) => `${style.dim(k.padEnd(10))}  ${v}`).join('\n');
}

export function formatState(result: ResultOf<typeof PluginGetState>, style: TerminalStyle): string {
  const header = `${style.bold(result.id)} generation ${result.generation}${result.savedAt ? `, state saved ${clock(result.savedAt)}` : ', no state saved'}`;
  return `${header}\n${JSON.stringify(result.state, null, 2)}`;
}

/** `reloadd state ID --history`: a line per snapshot kept, newest first. */
export function formatHistory(
  result: ResultOf<typeof PluginGetState>,
  style: TerminalStyle,
): string {
  const rows = (result.history ?? []).map((s) => {
    const size = s.sizeBytes === null ? '' : `  ${s.sizeBytes} bytes`;
    return `  generation ${String(s.generation).padStart(3)}  ${clock(s.savedAt)}  ${style.dim(s.takenBy ?? 'unknown')}${size}`;
  });
  const header = `${style.bold(result.id)}: ${rows.length} snapshot${rows.length === 1 ? '' : 's'} kept, newest first (npx reloadd state ${result.id} --restore GEN reloads with one)`;
  return [header, ...rows].join('\n');
}

export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  style: TerminalStyle,
): string {
  if (diagnostics.length === 0) return style.ok('no diagnostics');
  return diagnostics
    .map((d) => {
      const severity =
        d.severity === 'error'
          ? style.bad('error  ')
          : d.severity === 'warning'
            ? style.warn('warning')
            : style.dim('info   ');
      const where = d.file ? `  ${location(d.file, d.range)}` : '';
      const head = `${severity}  ${d.pluginId}${where}  ${style.dim(d.code)}\n  ${d.message.split('\n').join('\n  ')}`;
      return d.codeFrame ? `${head}\n${indent(d.codeFrame, 4)}` : head;
    })
    .join('\n');
}

/**
 * One line per entry. A reload's trace reads as its outcome and each phase's time, so
 * `reloadd logs --follow` shows where a slow reload spent it.
 */
export function formatLogEntry(entry: LogEntry, style: TerminalStyle): string {
  const time = style.dim(clock(entry.time));
  const plugin = entry.pluginId ? `[${entry.pluginId}] ` : '';
  const reload = entry.reload;
  if (reload) {
    const mark = reload.ok ? style.ok('✓') : style.bad('✗');
    const files = (reload.changedFiles ?? []).map((f) => path.basename(f));
    const cause = reload.trigger === 'file' && files.length > 0 ? files.join(', ') : reload.trigger;
    const outcome = reload.ok
      ? `generation ${reload.generation} in ${reload.durationMs} ms`
      : `failed: ${firstLine(entry.message.replace(/^(re)?load failed \([^)]*\): /, ''))}`;
    return `${time} ${style.bold('RELOAD')} ${plugin}${mark} ${outcome} ${style.dim(`(${cause})`)}  ${describePhases(reload.phases, ' · ')}`;
  }
  return `${time} ${levelTag(entry.level, style)} ${plugin}${entry.message}`;
}

function levelTag(level: LogEntry['level'], style: TerminalStyle): string {
  const tag = level.toUpperCase().padEnd(6);
  if (level === 'error' || level === 'fatal') return style.bad(tag);
  if (level === 'warn') return style.warn(tag);
  if (level === 'info') return tag;
  return style.dim(tag);
}

function location(file: string, range?: { start: { line: number; character: number } }): string {
  const relative = path.relative(process.cwd(), file);
  const shown = relative.startsWith('..') ? file : relative;
  return range ? `${shown}:${range.start.line + 1}:${range.start.character + 1}` : shown;
}

function clock(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `reloadd exec`: a string as it is (a greeting, a path), anything else as indented JSON. */
export function formatCommandResult(result: unknown): string {
  return typeof result === 'string' ? result : JSON.stringify(result, null, 2);
}
