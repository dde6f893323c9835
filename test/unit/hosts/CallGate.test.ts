import { describe, expect, it } from 'vitest';
import { CallGate, holds, waitAtGates } from '../../../src/daemon/hosts/CallGate.js';

/** Two plugins' gates, as the catalog's records hold them. */
function twoGates() {
  const p = new CallGate('p');
  const q = new CallGate('q');
  return { p, q, all: () => [p, q] };
}

describe('CallGate', () => {
  it('lets calls through at once while open, and in arrival order once a shut gate opens', async () => {
    const { p, q } = twoGates();
    const order: string[] = [];
    await p.passage();
    p.shut();
    p.shut(); // shutting twice changes nothing
    const calls = ['a', 'b', 'c'].map((name) => p.passage().then(() => order.push(name)));
    await q.passage();
    expect(order).toEqual([]);
    p.open();
    await Promise.all(calls);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it("waits for every gate but the caller's own, and for no longer than asked", async () => {
    const { p, q, all } = twoGates();
    p.shut();
    q.shut();
    expect(holds(all(), undefined, undefined)).toBe(true);
    expect(holds(all(), undefined, 'p')).toBe(true);
    let opened = false;
    const waiting = waitAtGates(all, undefined, undefined, 60_000).then(() => {
      opened = true;
    });
    p.open();
    await p.passage();
    expect(opened).toBe(false);
    await waitAtGates(all, 'q', undefined, 5); // gives up, the gate still shut
    expect(q.isShut).toBe(true);
    await waitAtGates(all, undefined, 'q', 60_000); // only q's is shut: q itself does not wait
    q.open();
    await waiting;
    expect(opened).toBe(true);
    expect(holds(all(), undefined, undefined)).toBe(false);
  });

  it("holds a call to a plugin being swapped, and to a name nobody has registered while any plugin is, but never a plugin's call to itself", () => {
    const { p, all } = twoGates();
    expect(holds(all(), 'p', undefined)).toBe(false);
    expect(holds(all(), undefined, undefined)).toBe(false);
    p.shut();
    expect(holds(all(), 'p', undefined)).toBe(true);
    expect(holds(all(), 'p', 'q')).toBe(true);
    expect(holds(all(), 'p', 'p')).toBe(false);
    expect(holds(all(), 'q', undefined)).toBe(false);
    expect(holds(all(), undefined, undefined)).toBe(true);
    expect(holds(all(), undefined, 'p')).toBe(false);
  });

  it('wakes a held call when the gate it waits on opens, whatever other gates do, or at its time limit', async () => {
    const { p, q, all } = twoGates();
    p.shut();
    q.shut();
    let woke = false;
    const waiting = waitAtGates(all, 'p', undefined, 60_000).then(() => {
      woke = true;
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await turn();
    expect(woke).toBe(false);
    p.open();
    await turn(); // one turn of the event loop: every promise that could settle has
    expect(woke).toBe(true);
    await waiting;
    await waitAtGates(all, undefined, undefined, 5); // gives up: q's gate is still shut
    expect(holds(all(), undefined, undefined)).toBe(true);
  });

  it('tells the hosts that held the plugin’s own calls to let them go when it opens, and counts its waits for the editor', async () => {
    const posted: unknown[] = [];
    const host = { alive: true, post: (m: unknown) => posted.push(m), request: async () => null };
    const gate = new CallGate('p');
    gate.shut();
    gate.holdIn(host as never);
    expect(posted).toEqual([]);
    gate.open();
    expect(posted).toEqual([{ op: 'resume', pluginId: 'p' }]);
    gate.open();
    expect(posted).toHaveLength(1);
    let release!: () => void;
    const call = gate.duringEditorCall(() => new Promise<void>((r) => (release = r)));
    expect(gate.awaitsEditor).toBe(true);
    release();
    await call;
    expect(gate.awaitsEditor).toBe(false);
  });
});
