/**
 * What an unloaded generation still held: the host releases it and names it, the daemon turns it
 * into the unload diagnostic (the .NET editor guide's "potential holders").
 */

/** What a generation can hold on to; named as the unload diagnostic names them. */
export const ResourceKind = {
  Command: 'command',
  EventListener: 'event listener',
  Timeout: 'timeout',
  Interval: 'interval',
  Disposable: 'subscription',
} as const;
export type ResourceKind = (typeof ResourceKind)[keyof typeof ResourceKind];

export interface Leftover {
  kind: ResourceKind;
  label: string;
}

const PLURALS: Record<ResourceKind, string> = {
  command: 'commands',
  'event listener': 'event listeners',
  timeout: 'timeouts',
  interval: 'intervals',
  subscription: 'subscriptions',
};

/** "2 event listeners (buffer:changed, file:saved), 1 interval (tick)" */
export function describeLeftovers(leftovers: Leftover[]): string {
  const byKind = new Map<ResourceKind, string[]>();
  for (const { kind, label } of leftovers) byKind.set(kind, [...(byKind.get(kind) ?? []), label]);
  return [...byKind]
    .map(([kind, labels]) => {
      const noun = labels.length === 1 ? kind : PLURALS[kind];
      const named = labels.filter((l) => l !== '');
      return `${labels.length} ${noun}${named.length > 0 ? ` (${named.join(', ')})` : ''}`;
    })
    .join(', ');
}

/**
 * Code of a generation that ran once its state was taken, called by what the host does not
 * track: a timer of `node:timers`, a listener on `process` or on another of Node's emitters.
 */
export interface UntrackedRun {
  kind: 'timeout' | 'interval' | 'immediate' | 'listener';
  /** A timer's callback name or delay (`tick`, `500ms`); a listener's event and emitter. */
  label: string;
}

/** "an interval (tick) of node:timers", "a listener for "hello" on process" */
export function describeUntrackedRun({ kind, label }: UntrackedRun): string {
  if (kind === 'listener') return `a listener for ${label}`;
  const named = label === '' ? '' : ` (${label})`;
  return `${kind === 'timeout' ? 'a' : 'an'} ${kind}${named} of node:timers`;
}
