import type WebSocket from 'ws';
import { type CdpTarget, parseCdpMessage } from './TargetInspection.js';

/** The longest a process host's inspector may take to answer. */
const ANSWER_MS = 2000;

/**
 * A session into a process host's own inspector, over its WebSocket (the same one DevTools
 * opens; Node takes several at once). Connected on first use: `ws` loads only then.
 */
export class ProcessTarget implements CdpTarget {
  private socket: Promise<WebSocket> | undefined;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    (answer: { result?: unknown; error?: { message: string } }) => void
  >();

  constructor(
    private readonly url: string,
    private readonly onEvent: (method: string, params: unknown) => void,
  ) {}

  async send(method: string, params: object = {}): Promise<unknown> {
    const socket = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`the plugin host did not answer ${method} within ${ANSWER_MS} ms`));
      }, ANSWER_MS);
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        if (answer.error) reject(new Error(answer.error.message));
        else resolve(answer.result);
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.socket?.then((s) => s.close()).catch(() => undefined);
    this.socket = undefined;
  }

  private connect(): Promise<WebSocket> {
    this.socket ??= import('ws').then(
      ({ default: WebSocketClass }) =>
        new Promise<WebSocket>((resolve, reject) => {
          const socket = new WebSocketClass(this.url);
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
          socket.on('error', () => undefined);
          socket.on('message', (data) => this.receive(String(data)));
        }),
    );
    return this.socket;
  }

  private receive(text: string): void {
    const message = parseCdpMessage(text);
    if (message.id !== undefined) {
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    } else if (message.method) this.onEvent(message.method, message.params);
  }
}
