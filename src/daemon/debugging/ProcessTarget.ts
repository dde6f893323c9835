import type WebSocket from 'ws';
import { CdpAnswers, parseCdpMessage } from './CdpAnswers.js';
import type { CdpTarget } from './TargetInspection.js';

/**
 * A session into a process host's own inspector, over its WebSocket (the same one DevTools
 * opens; Node takes several at once). Connected on first use: `ws` loads only then.
 */
export class ProcessTarget implements CdpTarget {
  private socket: Promise<WebSocket> | undefined;
  private nextId = 1;
  private readonly answers = new CdpAnswers<number>();

  constructor(
    private readonly url: string,
    private readonly onEvent: (method: string, params: unknown) => void,
  ) {}

  async send(method: string, params: object = {}): Promise<unknown> {
    const socket = await this.connect();
    const id = this.nextId++;
    const answer = this.answers.wait(id, method);
    socket.send(JSON.stringify({ id, method, params }));
    return answer;
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
    if (message.id !== undefined) this.answers.settle(message.id, message);
    else if (message.method) this.onEvent(message.method, message.params);
  }
}
