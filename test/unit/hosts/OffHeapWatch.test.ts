import { describe, expect, it } from 'vitest';
import type { HostNotice } from '../../../src/daemon/crossing/hostMessages.js';
import { OffHeapWatch } from '../../../src/daemon/worker/OffHeapWatch.js';

describe('OffHeapWatch', () => {
  it('reports a crossing of the cap once, naming who ran last, and again only after it fell back', () => {
    let external = 0;
    const told: HostNotice[] = [];
    const watch = new OffHeapWatch(
      100,
      () => 'hoarder',
      (n) => told.push(n),
      () => external,
    );
    external = 100;
    watch.look(); // at the cap is not over it
    external = 150;
    watch.look();
    watch.look();
    expect(told).toEqual([
      { op: 'offHeap', pluginId: 'hoarder', externalBytes: 150, limitBytes: 100 },
    ]);
    external = 90;
    watch.look(); // still above 80% of the cap: no new report later
    external = 120;
    watch.look();
    expect(told).toHaveLength(1);
    external = 70;
    watch.look();
    external = 130;
    watch.look();
    expect(told).toHaveLength(2);
    watch.stop();
  });
});
