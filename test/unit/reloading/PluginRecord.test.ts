import { describe, expect, it } from 'vitest';
import type { RemoteGeneration } from '../../../src/daemon/hosts/RemoteGeneration.js';
import { PluginRecord } from '../../../src/daemon/plugins/PluginRecord.js';
import type { ClientNotifier } from '../../../src/daemon/toClients/Broadcaster.js';
import { PluginStatus, ReloadTrigger } from '../../../src/protocol/index.js';
import { descriptorOf } from '../../helpers/pluginSource.js';

const descriptor = descriptorOf('p');

/** Records what a plugin record tells clients, as "method status-or-ok". */
function recordWithChannel(generationNumber = 0) {
  const told: string[] = [];
  const channel: ClientNotifier = {
    notify(def, params) {
      const p = params as { status?: string; ok?: boolean; generation: number };
      told.push(
        `${def.method} ${[p.ok, p.status].filter((x) => x !== undefined).join(' ')} ${p.generation}`,
      );
    },
  };
  return { record: new PluginRecord(descriptor, generationNumber, channel), told };
}

/** Just what the record reads of a generation: its number. */
const generation = (number: number) => ({ number }) as RemoteGeneration;

describe('PluginRecord', () => {
  it('starts loading, counting on from the generation its state carries', () => {
    const { record, told } = recordWithChannel(4);
    expect(record.status).toBe(PluginStatus.Loading);
    expect(record.generationNumber).toBe(4);
    expect([...record.inputs]).toEqual([descriptor.entry]);
    expect(told).toEqual([]);
  });

  it('goes through a reload: active, retired mid-swap, active again with the new number', () => {
    const { record } = recordWithChannel();
    record.activate(generation(1), { descriptor, bundle: {} as never });
    expect(record.status).toBe(PluginStatus.Active);
    record.retireGeneration();
    expect(record.generation).toBeUndefined();
    expect(record.status).toBe(PluginStatus.Active);
    record.activate(generation(2), { descriptor, bundle: {} as never });
    expect(record.generationNumber).toBe(2);
  });

  it('fails a load only when nothing is left running', () => {
    const { record } = recordWithChannel();
    record.activate(generation(1), { descriptor, bundle: {} as never });
    record.failLoad();
    expect(record.status).toBe(PluginStatus.Active);
    record.retireGeneration();
    record.failLoad();
    expect(record.status).toBe(PluginStatus.Failed);
  });

  it('tells clients when the watchdog fails it, when it is removed, and when a reload finishes', () => {
    const { record, told } = recordWithChannel();
    record.activate(generation(3), { descriptor, bundle: {} as never });
    record.reportReload({ ok: true, generation: 3, durationMs: 5, trigger: ReloadTrigger.File });
    expect(record.lastReload).toMatchObject({ ok: true, durationMs: 5, trigger: 'file' });
    record.failFromWatchdog();
    expect(record.status).toBe(PluginStatus.Failed);
    expect(record.generation).toBeUndefined();
    record.announceRemoval();
    expect(told).toEqual([
      'plugin/didReload true active 3',
      'plugin/didChangeStatus failed 3',
      'plugin/didChangeStatus removed 3',
    ]);
  });

  it('keeps why its last reload failed, and whether the generation before came back, until one succeeds', () => {
    const { record } = recordWithChannel();
    record.activate(generation(3), { descriptor, bundle: {} as never });
    const error = { code: 'RELOADD_ACTIVATE_FAILED', message: 'activate exploded' };
    record.reportReload({
      ok: false,
      generation: 3,
      durationMs: 9,
      trigger: ReloadTrigger.File,
      error,
      rolledBack: true,
    });
    expect(record.status).toBe(PluginStatus.Active);
    expect(record.lastReload).toMatchObject({ ok: false, error, rolledBack: true });
    record.reportReload({ ok: true, generation: 4, durationMs: 5, trigger: ReloadTrigger.File });
    expect(record.lastReload).not.toHaveProperty('error');
    expect(record.lastReload).not.toHaveProperty('rolledBack');
  });

  it('ends a stop in the status it began with, or failed when deactivate hung', () => {
    const { record } = recordWithChannel();
    record.activate(generation(1), { descriptor, bundle: {} as never });
    record.beginStop(PluginStatus.Disabled);
    expect(record.status).toBe(PluginStatus.Disabled);
    record.finishStop(false);
    expect(record.status).toBe(PluginStatus.Disabled);
    record.beginEnable();
    expect(record.status).toBe(PluginStatus.Loading);
    record.beginStop(PluginStatus.Disabled);
    record.finishStop(true);
    expect(record.status).toBe(PluginStatus.Failed);
  });
});
