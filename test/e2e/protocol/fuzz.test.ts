import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { requests } from '../../../src/protocol/index.js';
import { framed, pingDaemon, rawWebSocket } from '../../helpers/rawDaemon.js';

/**
 * Whatever arrives, over stdio or a WebSocket — any method with any params, ids of every JSON
 * type, malformed cancels, bodies that are not JSON, deep nesting, huge strings — every request
 * with a usable id is answered, the daemon stays up with bounded memory, and SIGTERM ends it
 * with 0. `FUZZ_RUNS=100000 npx vitest run test/e2e/protocol/fuzz.test.ts` runs it long.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
/** Resident memory the daemon may reach during the run (its plugin host included). */
const MAX_RSS_MB = 400;

/** What one step sends: a JSON-RPC message, or raw text for one frame. */
type Step =
  | { over: 'stdio' | 'ws'; message: Record<string, unknown> }
  | { over: 'stdio' | 'ws'; text: string; answersId?: number };

const methods = fc.constantFrom(
  ...requests.map((r) => r.method).filter((m) => m !== 'shutdown'),
  'editor/event',
  'initialized',
  '$/cancelRequest',
  'editor/call',
  'no/such/method',
  '',
);
const someParams = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record({ id: fc.oneof(fc.constant('p'), fc.string(), fc.integer(), fc.constant(null)) }),
  fc.record({ command: fc.constantFrom('p.ping', 'nope'), args: fc.array(fc.jsonValue()) }),
  fc.record({ ids: fc.array(fc.string()) }),
  fc.record({ all: fc.boolean() }),
  fc.record({ event: fc.string(), data: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ enabled: fc.anything() }),
  fc.record({ level: fc.string(), pluginId: fc.string(), since: fc.anything() }),
);
const ids = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
  fc.object({ maxDepth: 1 }),
  fc.array(fc.integer()),
);
const message = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), fc.string()),
    id: ids,
    method: methods,
    params: someParams,
  },
  { requiredKeys: ['jsonrpc'] },
);
const nested = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const over = fc.constantFrom<'stdio' | 'ws'>('stdio', 'ws');
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ over, message }) },
  // A body that is not JSON, or is JSON but not a message.
  { weight: 1, arbitrary: fc.record({ over, text: fc.oneof(fc.string(), fc.constant('[1,2]')) }) },
  // Nested past any limit, as a request that must still be answered.
  {
    weight: 1,
    arbitrary: fc.record({ over, levels: fc.integer({ min: 100, max: 20_000 }) }).map((s) => ({
      over: s.over,
      text: `{"jsonrpc":"2.0","id":-1,"method":"plugin/executeCommand","params":{"command":"p.ping","args":[${nested(s.levels)}]}}`,
      answersId: -1,
    })),
  },
  // A huge string, kept under the WebSocket's 1 MiB message limit.
  {
    weight: 1,
    arbitrary: fc.record({ over, kb: fc.integer({ min: 1, max: 900 }) }).map((s) => ({
      over: s.over,
      text: JSON.stringify({
        jsonrpc: '2.0',
        id: -1,
        method: 'plugin/executeCommand',
        params: { command: 'p.ping', args: ['x'.repeat(s.kb * 1024)] },
      }),
      answersId: -1,
    })),
  },
);

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

describe('fuzzed input', () => {
  it('answers every request with a usable id, stays up, and stops on SIGTERM with 0', async () => {
    const { daemon, workspace } = await pingDaemon();
    let ws = await rawWebSocket(workspace);
    let nextId = 1;
    let peakMb = 0;

    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        if (ws.socket.readyState !== ws.socket.OPEN) ws = await rawWebSocket(workspace);
        const expected: { inbox: typeof ws.inbox; id: number | string; sent: string }[] = [];
        for (const s of steps) {
          const inbox = s.over === 'stdio' ? daemon.inbox : ws.inbox;
          let text: string;
          if ('message' in s) {
            const m = { ...s.message };
            // Every id the daemon can answer to is made unique, so each answer is told apart.
            if (typeof m.id === 'number') m.id = nextId++;
            else if (typeof m.id === 'string') m.id = `s${nextId++}`;
            const usable =
              m.jsonrpc === '2.0' &&
              typeof m.method === 'string' &&
              (typeof m.id === 'number' || typeof m.id === 'string');
            text = JSON.stringify(m);
            if (usable) expected.push({ inbox, id: m.id as number | string, sent: text });
          } else {
            const id = nextId++;
            text = s.answersId === undefined ? s.text : s.text.replace('"id":-1', `"id":${id}`);
            if (s.answersId !== undefined) expected.push({ inbox, id, sent: text });
          }
          if (s.over === 'stdio') daemon.write(framed(text));
          else ws.sendText(text);
        }
        for (const { inbox, id, sent } of expected) {
          await inbox.answer(id).catch((error: Error) => {
            throw new Error(
              `${sent.slice(0, 300)} was not answered: ${error.message.slice(0, 300)}`,
            );
          });
        }
        peakMb = Math.max(peakMb, await rssMb(daemon.child.pid as number));
      }),
      { numRuns: RUNS, endOnFailure: true },
    );

    daemon.send({ jsonrpc: '2.0', id: 'last', method: 'daemon/status' });
    expect(await daemon.inbox.answer('last')).toHaveProperty('result.pid');
    expect(peakMb).toBeLessThan(MAX_RSS_MB);
    // An exception nobody caught is logged as a bug of reloadd's: none may have happened.
    expect(daemon.stderr()).not.toContain('a bug in reloadd');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
  });
});
