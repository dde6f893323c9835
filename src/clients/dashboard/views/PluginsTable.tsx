import { Component } from 'preact';
import type { PluginRow } from '../model/dashboardState.js';
import { rowStatus } from '../model/dashboardState.js';
import { clock, ms, percent } from '../model/format.js';
import { DurationChart } from './DurationChart.js';

export type PluginAction = 'reload' | 'enable' | 'disable' | 'profile';
export type PluginView = 'timeline' | 'diagnostics' | 'state';

interface Props {
  rows: PluginRow[];
  diagnosticCounts: ReadonlyMap<string, number>;
  selected: string | undefined;
  busy: ReadonlySet<string>;
  /** Not connected: the rows are what the daemon last said, and nothing can be asked of it. */
  offline: boolean;
  onAction(id: string, action: PluginAction): void;
  onOpen(id: string, view: PluginView): void;
}

/**
 * The plugins, one row each, updated in place: a row re-renders only when its plugin changed
 * (memo), and every column has a fixed width, so a reload never moves the rows around it. Where
 * the columns do not fit (narrow.css: under 1,240 px), each row is a card of three lines: the
 * plugin and its status, its figures, its actions, wrapping as they must.
 */
export function PluginsTable(props: Props) {
  return (
    <div class="plugins-box">
      <table class="plugins" aria-label="Plugins">
        <colgroup>
          <col class="c-id" />
          <col class="c-version" />
          <col class="c-status" />
          <col class="c-gen" />
          <col class="c-last" />
          <col class="c-rate" />
          <col class="c-iso" />
          <col class="c-chart" />
          <col class="c-actions" />
        </colgroup>
        <thead>
          <tr>
            <th scope="col">Plugin</th>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Gen
            </th>
            <th scope="col">Last reload</th>
            <th scope="col" class="num" title="Reloads that succeeded">
              OK
            </th>
            <th scope="col">Host</th>
            <th scope="col">Last 100</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <Row
              key={row.info.id}
              row={row}
              diagnostics={props.diagnosticCounts.get(row.info.id) ?? 0}
              selected={props.selected === row.info.id}
              busy={props.busy.has(row.info.id) || props.offline}
              onAction={props.onAction}
              onOpen={props.onOpen}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

interface RowProps {
  row: PluginRow;
  diagnostics: number;
  selected: boolean;
  busy: boolean;
  onAction(id: string, action: PluginAction): void;
  onOpen(id: string, view: PluginView): void;
}

class Row extends Component<RowProps> {
  /** Only what the row shows decides; the callbacks are the same for every row. */
  override shouldComponentUpdate(next: RowProps): boolean {
    const now = this.props;
    return (
      next.row !== now.row ||
      next.diagnostics !== now.diagnostics ||
      next.selected !== now.selected ||
      next.busy !== now.busy
    );
  }

  override render() {
    return <RowCells {...this.props} />;
  }
}

function RowCells({ row, diagnostics, selected, busy, onAction, onOpen }: RowProps) {
  const { info } = row;
  const { status, note, why } = rowStatus(row);
  const last = info.lastReload;
  const disabled = info.status === 'disabled';
  return (
    <tr
      data-plugin={info.id}
      data-generation={info.generation}
      data-status={status}
      data-last-reload={last ? (last.ok ? 'ok' : 'failed') : undefined}
      class={`${selected ? 'selected' : ''} ${row.removed ? 'removed' : ''}`}
    >
      <th scope="row" title={info.path}>
        <span class="id">{info.id}</span>
        {info.name !== info.id && <span class="name">{info.name}</span>}
      </th>
      <td class="version" data-label="version">
        {info.version}
      </td>
      <td class="status-cell">
        <span class={`status s-${status.replace(' ', '-')}`}>{status}</span>
        {note && (
          <span class="last-failed" title={why}>
            <span class="sep"> · </span>
            {note}
          </span>
        )}
      </td>
      <td class="num gen" data-label="gen">
        {info.generation}
      </td>
      <td class="last" data-label="last reload">
        {last ? (
          <span class={last.ok ? '' : 'bad'}>
            {clock(last.at)} · {ms(last.durationMs)} · {last.trigger}
          </span>
        ) : (
          '–'
        )}
      </td>
      <td class="num rate" data-label="ok">
        {percent(info.reloads.successRate)}
      </td>
      <td class="host" data-label="host">
        {info.isolation}
      </td>
      <td class="chart-cell">
        <DurationChart durations={row.durations} label={`${info.id}: last reload durations`} />
      </td>
      <td class="actions">
        <div class="row-actions">
          <button
            type="button"
            disabled={busy || row.removed || disabled || !info.supportsHotReload}
            onClick={() => onAction(info.id, 'reload')}
            aria-label={`Reload ${info.id}`}
          >
            Reload
          </button>
          {disabled ? (
            <button type="button" disabled={busy} onClick={() => onAction(info.id, 'enable')}>
              Enable
            </button>
          ) : (
            <button
              type="button"
              disabled={busy || row.removed || !info.supportsDisable}
              title={info.supportsDisable ? undefined : 'its manifest does not allow disabling'}
              onClick={() => onAction(info.id, 'disable')}
            >
              Disable
            </button>
          )}
          <button type="button" onClick={() => onOpen(info.id, 'timeline')}>
            Timeline
          </button>
          <button
            type="button"
            class={diagnostics > 0 ? 'has-diagnostics' : ''}
            onClick={() => onOpen(info.id, 'diagnostics')}
          >
            Diagnostics{diagnostics > 0 ? ` (${diagnostics})` : ''}
          </button>
          <button type="button" onClick={() => onOpen(info.id, 'state')}>
            State
          </button>
          <button
            type="button"
            disabled={busy || row.removed || info.status !== 'active'}
            title="record a CPU profile of 2 s and save it as a .cpuprofile"
            aria-label={`Profile ${info.id}`}
            onClick={() => onAction(info.id, 'profile')}
          >
            Profile
          </button>
        </div>
      </td>
    </tr>
  );
}
