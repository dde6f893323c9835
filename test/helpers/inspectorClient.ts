import { TraceMap } from '@jridgewell/trace-mapping';
import WebSocket from 'ws';
import { EVENT_WAIT_MS } from './waits.js';

export interface ParsedScript {
  scriptId: string;
  url: string;
  sourceMapURL?: string;
  executionContextAuxData?: { isDefault?: boolean };
}

export interface PausedEvent {
  reason: string;
  callFrames: {
    callFrameId: string;
    functionName: string;
    url: string;
    location: ParsedLocation;
  }[];
}

interface ParsedLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

/**
 * A debugger as DevTools and VS Code are one, over the Chrome DevTools Protocol on the project's
 * `ws`: attached to one worker thread through a Node inspector (NodeWorker, `attach`) or to a
 * target of its own (`connect`), it keeps what it hears: the scripts parsed, each pause.
 */
export class CdpDebugger {
  readonly scripts: ParsedScript[] = [];
  readonly pauses: PausedEvent[] = [];
  /** How many times the thread resumed, whoever resumed it. */
  resumes = 0;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    (message: { result?: unknown; error?: unknown }) => void
  >();
  private readonly listeners: (() => void)[] = [];

  private constructor(
    private readonly socket: WebSocket,
    /** The NodeWorker session to a worker; undefined when the inspector is the process's own. */
    private readonly sessionId: string | undefined,
  ) {}

  /** Attaches to a process's own inspector (a process host's), as DevTools does to a Node process. */
  static async connect(inspectorUrl: string): Promise<CdpDebugger> {
    const socket = new WebSocket(inspectorUrl);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const direct = new CdpDebugger(socket, undefined);
    socket.on('message', (data) => direct.receive(JSON.parse(String(data))));
    return direct;
  }

  /** Attaches to the worker whose title contains `title` (a plugin host is "reloadd plugin host NAME"). */
  static async attach(inspectorUrl: string, title: string): Promise<CdpDebugger> {
    const socket = new WebSocket(inspectorUrl);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    let attached: CdpDebugger | undefined;
    const ready = new Promise<CdpDebugger>((resolve) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data));
        if (message.method === 'NodeWorker.attachedToWorker') {
          if (!attached && String(message.params.workerInfo.title).includes(title)) {
            attached = new CdpDebugger(socket, message.params.sessionId);
            resolve(attached);
          }
        } else if (message.method === 'NodeWorker.receivedMessageFromWorker') {
          if (attached && message.params.sessionId === attached.sessionId)
            attached.receive(JSON.parse(message.params.message));
        }
      });
    });
    socket.send(
      JSON.stringify({
        id: 0,
        method: 'NodeWorker.enable',
        params: { waitForDebuggerOnStart: false },
      }),
    );
    return ready;
  }

  send(method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    const message = JSON.stringify({ id, method, params });
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (answer) =>
        answer.error ? reject(answer.error) : resolve(answer.result),
      );
      if (this.sessionId === undefined) {
        this.socket.send(message);
        return;
      }
      this.socket.send(
        JSON.stringify({
          id: 1_000_000 + id,
          method: 'NodeWorker.sendMessageToWorker',
          params: { sessionId: this.sessionId, message },
        }),
      );
    });
  }

  /** Resolves once `predicate` holds over what the debugger has seen (checked at each event). */
  until<T>(predicate: () => T | undefined, what: string, timeoutMs = EVENT_WAIT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = predicate();
        if (found === undefined) return false;
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      if (!check()) this.listeners.push(() => void check());
    });
  }

  close(): void {
    this.socket.close();
  }

  private receive(message: {
    id?: number;
    method?: string;
    params?: unknown;
    result?: unknown;
    error?: unknown;
  }): void {
    if (message.id !== undefined) {
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
      return;
    }
    if (message.method === 'Debugger.scriptParsed')
      this.scripts.push(message.params as ParsedScript);
    if (message.method === 'Debugger.paused') this.pauses.push(message.params as PausedEvent);
    if (message.method === 'Debugger.resumed') this.resumes += 1;
    for (const listener of this.listeners) listener();
  }
}

/** A script's inline source map, as a debugger reads it from `sourceMapURL`. */
export function inlineMap(script: ParsedScript): TraceMap {
  const url = script.sourceMapURL ?? '';
  const base64 = url.slice(url.indexOf('base64,') + 'base64,'.length);
  return new TraceMap(Buffer.from(base64, 'base64').toString('utf8'), script.url);
}
