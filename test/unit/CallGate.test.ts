import { describe, expect, it } from 'vitest';
import { CallGate } from '../../src/daemon/hosts/CallGate.js';

describe('CallGate', () => {
  it('lets calls through at once while open, and in arrival order once a shut gate opens', async () => {
    const gate = new CallGate();
    const order: string[] = [];
    await gate.passage('p');
    gate.shutFor('p');
    gate.shutFor('p'); // shutting twice changes nothing
    const calls = ['a', 'b', 'c'].map((name) => gate.passage('p').then(() => order.push(name)));
    await gate.passage('other');
    expect(order).toEqual([]);
    gate.openFor('p');
    await Promise.all(calls);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it("waits for every gate but the caller's own, and for no longer than asked with until", async () => {
    const gate = new CallGate();
    gate.shutFor('p');
    gate.shutFor('q');
    expect(gate.anyShutBut()).toBe(true);
    expect(gate.anyShutBut('p')).toBe(true);
    let all = false;
    const waiting = gate.allOpenBut().then(() => {
      all = true;
    });
    gate.openFor('p');
    await gate.passage('p');
    expect(all).toBe(false);
    await gate.until(gate.passage('q'), 5); // gives up, the gate still shut
    expect(gate.isShut('q')).toBe(true);
    await gate.allOpenBut('q'); // only q's is shut: q itself does not wait
    gate.openFor('q');
    await waiting;
    expect(all).toBe(true);
    expect(gate.anyShutBut()).toBe(false);
  });

  it("holds a call to a plugin being swapped, and to a name nobody has registered while any plugin is, but never a plugin's call to itself", () => {
    const gate = new CallGate();
    expect(gate.holds('p')).toBe(false);
    expect(gate.holds(undefined)).toBe(false);
    gate.shutFor('p');
    expect(gate.holds('p')).toBe(true);
    expect(gate.holds('p', 'q')).toBe(true);
    expect(gate.holds('p', 'p')).toBe(false);
    expect(gate.holds('q')).toBe(false);
    expect(gate.holds(undefined)).toBe(true);
    expect(gate.holds(undefined, 'p')).toBe(false);
  });

  it('wakes a held call when the gate it waits on opens, whatever other gates do, or at its time limit', async () => {
    const gate = new CallGate();
    gate.shutFor('p');
    gate.shutFor('q');
    let woke = false;
    const waiting = gate.wait('p', undefined, 60_000).then(() => {
      woke = true;
    });
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    await turn();
    expect(woke).toBe(false);
    gate.openFor('p');
    await turn(); // one turn of the event loop: every promise that could settle has
    expect(woke).toBe(true);
    await waiting;
    await gate.wait(undefined, undefined, 5); // gives up: q's gate is still shut
    expect(gate.holds(undefined)).toBe(true);
  });
});
