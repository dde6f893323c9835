// SIGKILL rounds, shared by `npm run bench:durability` (every round) and
// test/e2e/state/durability.test.ts (a sample of them): a daemon is SIGKILLed again and again —
// right after an answer, or at any moment; with reloads running, or not — and each restart must
// find the count at least as high as the last number a client was answered, no snapshot corrupt
// and no temp files left.
import { readdir } from 'node:fs/promises';

/** Increments in flight at once, each answered only once its effect is on disk. */
const LANES = 4;

/** The counter every round increments: `count.increment` answers the new count, `count.get` it. */
export const countingPlugin = `let state = { count: 0 };
export function activate(ctx) {
  ctx.subscriptions.push(
    ctx.commands.register('count.get', () => ({ count: state.count })),
    ctx.commands.register('count.increment', () => ++state.count),
  );
}
export function saveState() { return state; }
export function restoreState(saved) { state = saved; }
`;

/**
 * How round `round` kills: every four rounds, each of with reloads running or not, and right
 * after the n-th answer (1 to 40) or at a moment nobody chose (20 to 100 ms in).
 */
export function killPlan(round, random = Math.random) {
  const afterAnAnswer = round % 4 < 2;
  return {
    withReloads: round % 2 === 1,
    killAfterAnswers: afterAnAnswer ? 1 + Math.floor(random() * 40) : undefined,
    killAfterMs: afterAnAnswer ? undefined : 20 + random() * 80,
  };
}

/**
 * What a daemon started on the state folder restored: its count, the corrupt-snapshot diagnostics
 * it published, and the temp files left in the folder.
 */
export async function restoredState(daemon, stateDir) {
  const { count } = await daemon.client.connection.sendRequest('plugin/executeCommand', {
    command: 'count.get',
  });
  const { diagnostics } = await daemon.client.connection.sendRequest('plugin/diagnostics');
  return {
    count,
    corrupt: diagnostics.filter((d) => d.code === 'RELOADD_SNAPSHOT_CORRUPT'),
    tempFiles: (await readdir(stateDir)).filter((f) => f.endsWith('.tmp')),
  };
}

/**
 * Increments over several lanes (and reloads, when the plan says so) until the daemon is
 * SIGKILLed as `plan` says; resolves with the highest answer, at least `acknowledged`, once the
 * daemon has ended (`daemon.exited`).
 */
export async function incrementUntilKilled(daemon, plan, acknowledged) {
  const request = (method, params) => daemon.client.connection.sendRequest(method, params);
  let highest = acknowledged;
  let answers = 0;
  let alive = true;
  const kill = () => {
    if (!alive) return;
    alive = false;
    daemon.child.kill('SIGKILL');
  };
  if (plan.killAfterMs !== undefined) setTimeout(kill, plan.killAfterMs);
  const lane = async () => {
    while (alive) {
      const value = await request('plugin/executeCommand', { command: 'count.increment' }).catch(
        () => undefined,
      );
      if (typeof value !== 'number') continue;
      highest = Math.max(highest, value);
      answers += 1;
      if (answers === plan.killAfterAnswers) kill();
    }
  };
  const reloads = async () => {
    while (plan.withReloads && alive)
      await request('plugin/reload', { id: 'count' }).catch(() => undefined);
  };
  await Promise.all([...Array.from({ length: LANES }, lane), reloads(), daemon.exited]);
  daemon.client.dispose();
  return highest;
}
