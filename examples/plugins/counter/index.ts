// A plugin that keeps a count across hot reloads. Run `npm start`, then edit MESSAGE below and
// save: the daemon reloads this plugin and the count carries on from where it was.
import { describe } from './describe';

const MESSAGE = 'ticks so far';

interface State {
  count: number;
  startedAt: Date;
}

let state: State = { count: 0, startedAt: new Date() };

// biome-ignore lint/suspicious/noExplicitAny: examples stay free of type packages.
export async function activate(ctx: any) {
  ctx.subscriptions.push(
    ctx.commands.register('counter.increment', (by = 1) => {
      state.count += Number(by);
      return state.count;
    }),
    ctx.commands.register('counter.get', () => state),
  );
  // Disposed with the generation: the next one starts its own. (reloadd would clear a timer
  // left behind too, but report it as a leak: see ../leaky-plugins/leaky-timer.js.)
  const tick = setInterval(() => {
    state.count += 1;
    ctx.log(`${MESSAGE}: ${describe(state.count, state.startedAt)}`);
  }, 2000);
  ctx.subscriptions.push({ dispose: () => clearInterval(tick) });
  // What the plugin keeps for itself, apart from its state: how many generations have started,
  // over reloads and (with --state-dir) restarts. No reload hands it over, no snapshot restores it.
  const loads = Number((await ctx.storage.get('loads')) ?? 0) + 1;
  await ctx.storage.set('loads', loads);
}

export function saveState(): State {
  return state;
}

export function restoreState(saved: State) {
  state = saved;
}

// plugin.json's stateVersion is 1: a snapshot saved before it had one (version 0 or none) is
// brought to the current shape here, instead of being dropped.
export function migrateState(old: Partial<State>): State {
  return { count: Number(old.count ?? 0), startedAt: old.startedAt ?? new Date() };
}
