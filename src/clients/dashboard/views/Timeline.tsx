import { Component } from 'preact';
import { describePhases, type ReloadPhases } from '../../../protocol/index.js';
import { type CauseStep, causeChain, type ReloadEvent } from '../model/dashboardState.js';
import { clock, ms, shortPath } from '../model/format.js';

/** The phases in the order a reload runs them, with the names the waterfall's legend uses. */
const PHASES: [keyof ReloadPhases, string][] = [
  ['detect', 'detect'],
  ['check', 'check'],
  ['build', 'build'],
  ['settle', 'settle'],
  ['evaluate', 'evaluate'],
  ['saveState', 'save'],
  ['deactivate', 'deactivate'],
  ['activate', 'activate'],
  ['restoreState', 'restore'],
  ['hostTrips', 'trips'],
  ['commit', 'commit'],
];
/** The timeline draws this many reloads; older ones stay in memory for the cause chains. */
const SHOWN = 60;

interface Props {
  reloads: readonly ReloadEvent[];
  /** Only this plugin's reloads (and those it set off), when set. */
  pluginId: string | undefined;
  pluginsDir: string | undefined;
  onShowAll(): void;
}

/**
 * Every reload, newest first: why it ran (the chain from the changed files, the request or the
 * dependency, to the dependents it set off, to how it ended) and where its time went (a
 * waterfall of its phases, every bar to the same scale).
 */
export function Timeline({ reloads, pluginId, pluginsDir, onShowAll }: Props) {
  const shown = reloads
    .filter((r) => !pluginId || r.id === pluginId || r.causedBy?.includes(pluginId))
    .slice(0, SHOWN);
  // Every bar to one scale, rounded up to a power of two so that it seldom changes (a change
  // redraws every bar).
  const slowest = Math.max(
    1,
    ...shown.map((r) => (r.phases ? phaseTotal(r.phases) : r.durationMs)),
  );
  const scale = 2 ** Math.ceil(Math.log2(slowest));
  return (
    <section class="timeline" aria-label="Timeline of reloads">
      <header class="panel-head">
        <h2>Timeline{pluginId ? ` of ${pluginId}` : ''}</h2>
        <Legend />
        {pluginId && (
          <button type="button" onClick={onShowAll}>
            All plugins
          </button>
        )}
      </header>
      {shown.length === 0 ? (
        <p class="muted">No reloads yet. Save a plugin's file, or press Reload.</p>
      ) : (
        <ol class="reloads">
          {shown.map((r) => (
            <ReloadItem
              key={r.key}
              event={r}
              chain={causeChain(r, reloads)}
              scale={scale}
              pluginsDir={pluginsDir}
            />
          ))}
        </ol>
      )}
    </section>
  );
}

interface ItemProps {
  event: ReloadEvent;
  chain: CauseStep[];
  scale: number;
  pluginsDir: string | undefined;
}

/** One reload. Drawn once: again only when the scale or its chain (a dependent joined) changes. */
class ReloadItem extends Component<ItemProps> {
  override shouldComponentUpdate(next: ItemProps): boolean {
    const now = this.props;
    return (
      next.event !== now.event ||
      next.scale !== now.scale ||
      next.pluginsDir !== now.pluginsDir ||
      JSON.stringify(next.chain) !== JSON.stringify(now.chain)
    );
  }

  override render({ event: r, chain, scale, pluginsDir }: ItemProps) {
    return (
      <li class={`reload ${outcomeClass(r)}`} data-reload-of={r.id}>
        <div class="reload-head">
          <time dateTime={r.at}>{clock(r.at)}</time>
          <Chain steps={chain} pluginsDir={pluginsDir} />
          <span class="took">{ms(r.durationMs)}</span>
        </div>
        {r.phases && <Waterfall phases={r.phases} scale={scale} />}
        {r.error && (
          <p class="reload-error">
            <code>{r.error.code}</code> {r.error.message}
            {r.error.file && (
              <span class="where">
                {' '}
                at {shortPath(r.error.file, pluginsDir)}
                {r.error.range ? `:${r.error.range.start.line + 1}` : ''}
              </span>
            )}
          </p>
        )}
      </li>
    );
  }
}

function Chain({ steps, pluginsDir }: { steps: CauseStep[]; pluginsDir: string | undefined }) {
  return (
    <span class="chain">
      {steps.map((step, i) => (
        <span key={i} class={`step step-${step.kind}`}>
          {i > 0 && (
            <span class="arrow" aria-hidden="true">
              {' '}
              →{' '}
            </span>
          )}
          {describeStep(step, pluginsDir)}
        </span>
      ))}
    </span>
  );
}

function describeStep(step: CauseStep, pluginsDir: string | undefined): string {
  switch (step.kind) {
    case 'files':
      return step.files.length > 0
        ? step.files.map((f) => shortPath(f, pluginsDir)).join(', ')
        : 'a file changed';
    case 'request':
      return `requested by ${step.client}`;
    case 'dependency':
      return `after ${step.ids.join(', ') || 'a dependency'}`;
    case 'startup':
      return 'first load';
    case 'recovery':
      return 'host restarted';
    case 'plugin':
      // A failed reload made no generation: the number is that of the one still running.
      return step.ok ? `${step.id} #${step.generation}` : step.id;
    case 'dependents':
      return `then ${step.ids.join(', ')}`;
    case 'outcome':
      if (step.outcome === 'ok') return 'ok';
      if (step.outcome === 'rolled back') return `rolled back to #${step.generation}`;
      return step.generation > 0 ? `failed, #${step.generation} runs on` : 'failed';
  }
}

function Waterfall({ phases, scale }: { phases: ReloadPhases; scale: number }) {
  const total = phaseTotal(phases);
  // Each phase shown is at least a pixel wide: a short reload beside a long one, on a phone's
  // width, would otherwise have more phases than pixels, and the last ones cut off.
  const shown = PHASES.filter(([key]) => (phases[key] ?? 0) > 0).length;
  return (
    <div
      class="waterfall"
      role="img"
      aria-label={describePhases(phases)}
      style={{
        width: `${Math.max(2, (total / scale) * 100)}%`,
        minWidth: `${Math.max(2, shown)}px`,
      }}
    >
      {PHASES.map(([key, name]) => {
        const value = phases[key] ?? 0;
        if (value <= 0) return null;
        return (
          <span
            key={key}
            class={`phase p-${name}`}
            style={{ flexGrow: String(value) }}
            title={
              key === 'activate' && phases.activateCall !== undefined
                ? `activate ${ms(value)}: the call ${ms(phases.activateCall)}, its promise ${ms(value - phases.activateCall)}`
                : `${name} ${ms(value)}`
            }
          />
        );
      })}
    </div>
  );
}

function Legend() {
  return (
    <span class="legend" aria-hidden="true">
      {PHASES.map(([, name]) => (
        <span key={name} class="legend-item">
          <span class={`swatch p-${name}`} />
          {name}
        </span>
      ))}
    </span>
  );
}

function phaseTotal(phases: ReloadPhases): number {
  return PHASES.reduce((sum, [key]) => sum + (phases[key] ?? 0), 0);
}

function outcomeClass(r: ReloadEvent): string {
  return r.ok ? 'ok' : r.rolledBack ? 'rolled-back' : 'failed';
}
