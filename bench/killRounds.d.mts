// The types of killRounds.mjs, for the test that shares it.
import type { ChildProcess } from 'node:child_process';
import type { ReloaddClient } from '../src/clients/index.js';
import type { Diagnostic } from '../src/protocol/index.js';

export interface KilledDaemon {
  client: ReloaddClient;
  child: ChildProcess;
  exited: Promise<unknown>;
}
export interface KillPlan {
  withReloads: boolean;
  killAfterAnswers: number | undefined;
  killAfterMs: number | undefined;
}
export const countingPlugin: string;
export function killPlan(round: number, random?: () => number): KillPlan;
export function restoredState(
  daemon: KilledDaemon,
  stateDir: string,
): Promise<{ count: number; corrupt: Diagnostic[]; tempFiles: string[] }>;
export function incrementUntilKilled(
  daemon: KilledDaemon,
  plan: KillPlan,
  acknowledged: number,
): Promise<number>;
