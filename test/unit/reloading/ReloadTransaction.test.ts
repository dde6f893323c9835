import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { BuildOutcome } from '../../../src/daemon/building/PluginBuilder.js';
import type {
  HostOp,
  HostRequest,
  HostResult,
  SwapReport,
} from '../../../src/daemon/crossing/hostMessages.js';
import type { PluginBundle } from '../../../src/daemon/crossing/PluginBundle.js';
import type { PluginDescriptor } from '../../../src/daemon/crossing/PluginDescriptor.js';
import {
  type GenerationHost,
  RemoteGeneration,
} from '../../../src/daemon/hosts/RemoteGeneration.js';
import type { SwapOrder } from '../../../src/daemon/hosts/SwapRequests.js';
import { SUPERSEDED } from '../../../src/daemon/plugins/OperationQueue.js';
import { PluginRecord } from '../../../src/daemon/plugins/PluginRecord.js';
import { ReloadTransaction } from '../../../src/daemon/reloading/ReloadTransaction.js';
import { SnapshotStore } from '../../../src/daemon/state/SnapshotStore.js';
import { DiagnosticCodes, PluginStatus } from '../../../src/protocol/index.js';
import { descriptorOf } from '../../helpers/pluginSource.js';

/**
 * The reload transaction against a fake plugin host: every request it sends is recorded as
 * "op key", so the order of phases is what the host saw, with no worker, realm or file involved.
 */

const descriptor = descriptorOf('p');
const limits = { lifecycleMs: 1000, commandMs: 1000 };

/**
 * Answers like a plugin host whose plugins count their saves. A swap is one request, recorded as
 * "swap p retire=KEY start=KEY"; `swapFails` makes one of its steps fail, as the host reports it.
 */
class FakeHost implements GenerationHost {
  readonly alive = true;
  readonly seen: string[] = [];
  /** What a swap says was still running when it stopped waiting. */
  stillRunning = 0;
  /** The state each started generation was given (the daemon's snapshot, when none was taken). */
  readonly given: unknown[] = [];
  swapFails: 'saveState' | 'activate' | undefined;
  /** Called as each request arrives (a test can overtake the run there). */
  onRequest: (request: HostRequest) => void = () => undefined;
  private saves = 0;

  async request<K extends HostOp>(request: HostRequest<K>): Promise<HostResult<K>> {
    const r = request as HostRequest;
    this.seen.push(describeRequest(r));
    this.onRequest(r);
    return this.answer(r) as HostResult<K>;
  }

  post(): void {}

  private answer(r: HostRequest): HostResult<HostOp> {
    switch (r.op) {
      case 'load':
        return { hasSaveState: true };
      case 'swap':
        return this.swap(r);
      case 'unload':
        return { leftovers: [] };
      default:
        return undefined;
    }
  }

  private swap(r: HostRequest<'swap'>): SwapReport {
    const report: SwapReport = {
      stillRunning: this.stillRunning,
      timings: { saveState: 0, deactivate: 0, activate: 0, restoreState: 0 },
      leftovers: [],
    };
    const boom = (call: string) => ({
      reason: 'lifecycle' as const,
      call,
      message: `${call} threw Error: boom`,
    });
    if (r.retire) {
      if (this.swapFails === 'saveState') return { ...report, saveFailed: boom('saveState') };
      this.saves += 1;
      report.saved = { value: { saves: this.saves }, problems: [], stateVersion: undefined };
    }
    if (!r.start) return report;
    if (this.swapFails === 'activate' && r.retire)
      return { ...report, startFailed: boom('activate') };
    this.given.push(report.saved?.value ?? r.start.stored?.value);
    // A swap that took over sends the taken state after its answer.
    if (report.saved) delete report.saved.value;
    return report;
  }
}

function describeRequest(r: HostRequest): string {
  if (r.op !== 'swap') return `${r.op} ${'key' in r ? r.key : ''}`;
  const parts = [r.retire ? `retire=${r.retire}` : '', r.start ? `start=${r.start.key}` : ''];
  return `swap ${r.pluginId} ${parts.filter(Boolean).join(' ')}`;
}

const bundle = (code: string): PluginBundle => ({
  code,
  map: '{"version":3,"sources":[],"mappings":""}',
  filename: 'file:///nowhere/p/bundle.js',
  sourceRoot: '/nowhere/p',
  inputs: [descriptor.entry],
});

function setUp() {
  const host = new FakeHost();
  const snapshots = new SnapshotStore({ logger: pino({ level: 'silent' }) });
  const record = new PluginRecord(descriptor, 0, { notify: () => undefined });
  let slot = 0;
  let build: BuildOutcome = { ok: true, bundle: bundle('v1') };
  const deps = {
    builder: { build: async () => build },
    snapshots,
    settled: async () => undefined,
    load: (d: PluginDescriptor, b: PluginBundle, number: number) =>
      RemoteGeneration.load(host, {
        slot: ++slot,
        descriptor: d,
        bundle: b,
        number,
        state: snapshots.get(d.id) && {
          value: snapshots.get(d.id)?.value,
          stateVersion: undefined,
        },
        limits,
      }),
    swaps: {
      swap: ({ gate, retire, start, stored, afterReload }: SwapOrder) =>
        host.request({
          op: 'swap',
          pluginId: gate.pluginId,
          ...(retire ? { retire: retire.key } : {}),
          ...(start ? { start: { key: start.key, stored, afterReload } } : {}),
        }),
    },
  };
  // The daemon opens the plugin's gate: held calls go on.
  const open = record.gate.open.bind(record.gate);
  record.gate.open = () => {
    host.seen.push(`resume ${record.id}`);
    open();
  };
  return {
    host,
    record,
    snapshots,
    setBuild: (next: BuildOutcome) => {
      build = next;
    },
    run: (isStale: () => boolean = () => false) =>
      new ReloadTransaction(record, deps, isStale).run(),
  };
}

/** Generation 1 is running; what the host saw of its load is forgotten. */
async function afterFirstLoad() {
  const t = setUp();
  await t.run();
  t.host.seen.length = 0;
  return t;
}

describe('ReloadTransaction', () => {
  it('loads a first generation: evaluate, then one swap that starts it with the stored state; the plugin is active', async () => {
    const t = setUp();
    const outcome = await t.run();
    expect(outcome).toMatchObject({ ok: true, generation: 1 });
    // Held too: a command registered in activate waits until the plugin is active.
    expect(t.host.seen).toEqual(['load p#1.1', 'swap p start=p#1.1', 'resume p']);
    expect(t.record.status).toBe(PluginStatus.Active);
    expect(t.record.generation?.key).toBe('p#1.1');
  });

  it('reloads with one message to the host for the swap: the new generation is evaluated before the old one is touched, and gets the state the old one saved', async () => {
    const t = await afterFirstLoad();
    t.setBuild({ ok: true, bundle: bundle('v2') });
    const outcome = await t.run();
    expect(outcome).toMatchObject({ ok: true, generation: 2 });
    expect(t.host.seen).toEqual(['load p#2.2', 'swap p retire=p#1.1 start=p#2.2', 'resume p']);
    expect(t.host.given.at(-1)).toEqual({ saves: 1 });
    expect(t.record.generation?.key).toBe('p#2.2');
    expect(t.record.lastGood?.bundle.code).toBe('v2');
  });

  it('rolls back when the new generation fails to activate: the last good code comes back in a fresh realm with the state saved a moment ago', async () => {
    const t = await afterFirstLoad();
    t.setBuild({ ok: true, bundle: bundle('v2') });
    t.host.swapFails = 'activate';
    const outcome = await t.run();
    expect(outcome).toMatchObject({
      ok: false,
      rolledBack: true,
      generation: 1,
      error: { code: DiagnosticCodes.ActivateFailed, message: 'activate threw Error: boom' },
    });
    expect(t.host.seen).toEqual([
      'load p#2.2',
      'swap p retire=p#1.1 start=p#2.2',
      'load p#1.3',
      'swap p start=p#1.3',
      'resume p',
    ]);
    expect(t.host.given.at(-1)).toEqual({ saves: 1 });
    expect(t.snapshots.get('p')?.value).toEqual({ saves: 1 });
    expect(t.record.status).toBe(PluginStatus.Active);
    expect(t.record.generation?.key).toBe('p#1.3');
    expect(t.record.lastGood?.bundle.code).toBe('v1');
  });

  it('keeps the old generation running when its saveState fails, and says so', async () => {
    const t = await afterFirstLoad();
    t.host.swapFails = 'saveState';
    const outcome = await t.run();
    expect(outcome).toMatchObject({
      ok: false,
      error: {
        code: DiagnosticCodes.SaveStateFailed,
        message: 'saveState threw Error: boom; the running generation was kept',
      },
    });
    expect(t.host.seen).toEqual(['load p#2.2', 'swap p retire=p#1.1 start=p#2.2', 'resume p']);
    expect(t.record.generation?.key).toBe('p#1.1');
    expect(t.record.status).toBe(PluginStatus.Active);
  });

  it('says so when calls were still running after the wait, and goes on with the swap', async () => {
    const t = await afterFirstLoad();
    t.host.stillRunning = 2;
    const outcome = await t.run();
    expect(outcome).toMatchObject({ ok: true, generation: 2 });
    expect(outcome !== SUPERSEDED && outcome.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: DiagnosticCodes.CallsOvertaken,
        message: expect.stringContaining('2 calls were still running'),
      }),
    ]);
  });

  it('gives up, touching nothing, when a newer change overtakes it while it builds', async () => {
    const t = await afterFirstLoad();
    expect(await t.run(() => true)).toBe(SUPERSEDED);
    expect(t.host.seen).toEqual([]);
    expect(t.record.generation?.key).toBe('p#1.1');
  });

  it('gives up when overtaken while the new generation is evaluated: that one is unloaded, the old one never touched', async () => {
    const t = await afterFirstLoad();
    let stale = false;
    t.host.onRequest = (request) => {
      if (request.op === 'load') stale = true;
    };
    expect(await t.run(() => stale)).toBe(SUPERSEDED);
    expect(t.host.seen).toEqual(['load p#2.2', 'unload p#2.2']);
    expect(t.record.generation?.key).toBe('p#1.1');
  });

  it('fails a first load whose build fails, and retries on any change of the files it named', async () => {
    const t = setUp();
    t.setBuild({
      ok: false,
      errors: [{ message: 'Unexpected ";"', file: '/nowhere/p/lib.js' }],
    });
    const outcome = await t.run();
    expect(outcome).toMatchObject({ ok: false, error: { code: DiagnosticCodes.BuildFailed } });
    expect(t.host.seen).toEqual([]);
    expect(t.record.status).toBe(PluginStatus.Failed);
    expect(t.record.lastBuildFailed).toBe(true);
    expect([...t.record.inputs].sort()).toEqual(['/nowhere/p/index.js', '/nowhere/p/lib.js']);
  });
});
