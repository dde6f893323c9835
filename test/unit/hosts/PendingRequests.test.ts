import { MessageChannel } from 'node:worker_threads';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type Numbered,
  PendingRequests,
  type Reply,
  type RequestOf,
} from '../../../src/daemon/crossing/PendingRequests.js';

/** A small operation map, with results of different types. */
interface ShelfOperations {
  count: { params: { shelf: string }; result: number };
  titles: { params: { shelf: string; limit: number }; result: string[] };
}

interface ShelfError {
  message: string;
  code?: string;
}

function shelfEnd() {
  const sent: Numbered<RequestOf<ShelfOperations>>[] = [];
  const unknown: Reply<ShelfError>[] = [];
  const requests = new PendingRequests<ShelfOperations, ShelfError>({
    send: (request) => sent.push(request),
    failure: (error) => Object.assign(new Error(error.message), { code: error.code }),
    unknownReply: (reply) => unknown.push(reply),
  });
  return { requests, sent, unknown };
}

describe('PendingRequests', () => {
  it('numbers each request and settles the one a reply names, with its typed value', async () => {
    const { requests, sent } = shelfEnd();
    const count = requests.request({ op: 'count', shelf: 'a' });
    const titles = requests.request({ op: 'titles', shelf: 'b', limit: 2 });
    expectTypeOf(count).toEqualTypeOf<Promise<number>>();
    expectTypeOf(titles).toEqualTypeOf<Promise<string[]>>();
    expect(sent).toEqual([
      { id: 1, op: 'count', shelf: 'a' },
      { id: 2, op: 'titles', shelf: 'b', limit: 2 },
    ]);
    expect([...requests.requests()].map((r) => r.op)).toEqual(['count', 'titles']);
    // Answered out of order: each reply reaches the request it names.
    requests.settle({ op: 'reply', id: 2, ok: true, value: ['Emma', 'Persuasion'] });
    requests.settle({ op: 'reply', id: 1, ok: true, value: 7 });
    expect(await titles).toEqual(['Emma', 'Persuasion']);
    expect(await count).toBe(7);
    expect(requests.size).toBe(0);
  });

  it('rejects a request with the error its reply carries, made by the end that waits', async () => {
    const { requests } = shelfEnd();
    const count = requests.request({ op: 'count', shelf: 'locked' });
    requests.settle({
      op: 'reply',
      id: 1,
      ok: false,
      error: { message: 'the shelf is locked', code: 'RELOADD_PERMISSION_DENIED' },
    });
    await expect(count).rejects.toThrow('the shelf is locked');
    await expect(count).rejects.toMatchObject({ code: 'RELOADD_PERMISSION_DENIED' });
  });

  it('fails every request still waiting when the other end is gone, and stops watching each', async () => {
    const { requests } = shelfEnd();
    const stopped: number[] = [];
    const watch = (id: number) => () => stopped.push(id);
    const first = requests.request({ op: 'count', shelf: 'a' }, watch);
    const second = requests.request({ op: 'titles', shelf: 'b', limit: 1 }, watch);
    requests.failAll(new Error('the other end has ended'));
    expect(requests.size).toBe(0);
    expect(stopped).toEqual([1, 2]);
    await expect(first).rejects.toThrow('the other end has ended');
    await expect(second).rejects.toThrow('the other end has ended');
  });

  it('says a reply to no request waiting (unknown, already answered, withdrawn) without throwing', async () => {
    const { requests, unknown } = shelfEnd();
    const answered = requests.request({ op: 'count', shelf: 'a' });
    const late = requests.request({ op: 'count', shelf: 'slow' });
    requests.settle({ op: 'reply', id: 1, ok: true, value: 1 });
    await answered;
    const fail = requests.withdraw(2);
    fail?.(new Error('did not finish in time'));
    await expect(late).rejects.toThrow('did not finish in time');
    const stray: Reply<ShelfError>[] = [
      { op: 'reply', id: 1, ok: true, value: 2 },
      { op: 'reply', id: 2, ok: true, value: 3 },
      { op: 'reply', id: 99, ok: false, error: { message: 'nobody asked' } },
    ];
    for (const reply of stray) expect(() => requests.settle(reply)).not.toThrow();
    expect(unknown).toEqual(stray);
    expect(requests.withdraw(2)).toBeUndefined();
  });

  it('fails a request that cannot be sent, and keeps nothing of it', async () => {
    const requests = new PendingRequests<ShelfOperations, ShelfError>({
      send: () => {
        throw new Error('could not be cloned');
      },
      failure: (error) => new Error(error.message),
      unknownReply: () => undefined,
    });
    await expect(requests.request({ op: 'count', shelf: 'a' })).rejects.toThrow(
      'could not be cloned',
    );
    expect(requests.size).toBe(0);
  });

  it('carries requests and their replies across a real message port', async () => {
    const { port1, port2 } = new MessageChannel();
    const shelves: Record<string, string[]> = { a: ['Emma', 'Persuasion', 'Sanditon'] };
    // The answering end: one reply per request, by the number it came with.
    port2.on('message', (request: Numbered<RequestOf<ShelfOperations>>) => {
      const books = shelves[request.shelf];
      const reply: Reply<ShelfError> = !books
        ? { op: 'reply', id: request.id, ok: false, error: { message: 'no such shelf' } }
        : request.op === 'count'
          ? { op: 'reply', id: request.id, ok: true, value: books.length }
          : { op: 'reply', id: request.id, ok: true, value: books.slice(0, request.limit) };
      port2.postMessage(reply);
    });
    const requests = new PendingRequests<ShelfOperations, ShelfError>({
      send: (request) => port1.postMessage(request),
      failure: (error) => new Error(error.message),
      unknownReply: () => undefined,
    });
    port1.on('message', (reply: Reply<ShelfError>) => requests.settle(reply));
    try {
      const [count, titles, missing] = await Promise.allSettled([
        requests.request({ op: 'count', shelf: 'a' }),
        requests.request({ op: 'titles', shelf: 'a', limit: 2 }),
        requests.request({ op: 'count', shelf: 'z' }),
      ]);
      expect(count).toEqual({ status: 'fulfilled', value: 3 });
      expect(titles).toEqual({ status: 'fulfilled', value: ['Emma', 'Persuasion'] });
      expect(missing).toMatchObject({ status: 'rejected', reason: { message: 'no such shelf' } });
    } finally {
      port1.close();
    }
  });
});
