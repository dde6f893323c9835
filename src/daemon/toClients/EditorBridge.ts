import { type Diagnostic, DiagnosticCodes, type EditorCallParams } from '../../protocol/index.js';
import type { Logger } from '../logs/logger.js';

/**
 * Where the bridge files what an editor lacked: the daemon's DiagnosticsStore, under its `editor`
 * source (named, not imported: the diagnostics folder reaches clients through this one).
 */
export interface EditorDiagnostics {
  set(pluginId: string, source: 'editor', diagnostics: Diagnostic[]): void;
}

/** How the core reaches one editor; the wiring sends `editor/call`, a test can fake it. */
export interface EditorCaller {
  /** `abandoned` fires when the caller gave up (timeout): the editor is told to stop ($/cancelRequest). */
  call(params: EditorCallParams, abandoned: AbortSignal): Promise<unknown>;
}

export interface EditorRegistration {
  /** The user is in this editor now: it sent an event or a request. */
  touch(): void;
  remove(): void;
}

interface Editor {
  name: string;
  caller: EditorCaller;
  calls: ReadonlySet<string>;
  /** Bumped on each event or request: the highest is the editor the user is in. */
  lastActive: number;
}

/**
 * Plugins' calls to the editor. With several editors connected, a call goes to the one that most
 * recently sent an event or a request (where the user is). With none, it waits for one to
 * connect, up to the call timeout; a method the editor did not declare fails at once. Every call
 * ends: with the editor's answer, its error, or a timeout. Nothing hangs.
 */
export class EditorBridge {
  private readonly editors = new Set<Editor>();
  private readonly waiting = new Set<() => void>();
  private clock = 0;
  /** The methods each plugin called that its editor lacked, as its diagnostics say. */
  private readonly missing = new Map<string, Set<string>>();

  constructor(
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly diagnostics: EditorDiagnostics,
  ) {}

  register(name: string, caller: EditorCaller, calls: readonly string[]): EditorRegistration {
    const editor: Editor = { name, caller, calls: new Set(calls), lastActive: ++this.clock };
    this.editors.add(editor);
    this.forgetMissing();
    for (const wake of [...this.waiting]) wake();
    return {
      touch: () => {
        editor.lastActive = ++this.clock;
      },
      remove: () => {
        this.editors.delete(editor);
        this.forgetMissing();
      },
    };
  }

  get connected(): number {
    return this.editors.size;
  }

  /**
   * `limitMs` shortens the call's time limit (never past the bridge's own); `now` asks the editor
   * connected now, without waiting for one to connect.
   */
  async call(
    pluginId: string,
    method: string,
    args: unknown[],
    options: { limitMs?: number; now?: boolean } = {},
  ): Promise<unknown> {
    const timeoutMs = Math.min(options.limitMs ?? this.timeoutMs, this.timeoutMs);
    const deadline = Date.now() + timeoutMs;
    const connected = this.current();
    if (!connected && options.now) throw new Error(`no editor is connected to answer "${method}"`);
    const editor = connected ?? (await this.waitForEditor(deadline, method, timeoutMs));
    if (!editor.calls.has(method)) {
      this.reportMissing(pluginId, method, editor.name);
      const offered = [...editor.calls].sort().join(', ') || 'none';
      throw new Error(
        `the editor (${editor.name}) does not implement "${method}"; it offers: ${offered}`,
      );
    }
    this.logger.debug({ plugin: pluginId, method, editor: editor.name }, 'editor/call');
    let timer: NodeJS.Timeout | undefined;
    const abandoned = new AbortController();
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => {
          abandoned.abort();
          reject(
            new Error(
              `the editor (${editor.name}) did not answer "${method}" within ${timeoutMs} ms`,
            ),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      return await Promise.race([
        editor.caller.call({ pluginId, method, args }, abandoned.signal).catch((error: unknown) => {
          throw new Error(
            `the editor (${editor.name}) failed "${method}": ${error instanceof Error ? error.message : String(error)}`,
          );
        }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A plugin called a method its editor lacks: a warning on it, once per method. */
  private reportMissing(pluginId: string, method: string, editorName: string): void {
    const methods = this.missing.get(pluginId) ?? new Set<string>();
    if (methods.has(method)) return;
    methods.add(method);
    this.missing.set(pluginId, methods);
    this.logger.warn(
      { plugin: pluginId, method, editor: editorName },
      'editor/call not implemented',
    );
    this.diagnostics.set(
      pluginId,
      'editor',
      [...methods].map((name) => ({
        pluginId,
        severity: 'warning' as const,
        code: DiagnosticCodes.EditorCallMissing,
        message: `the editor (${editorName}) does not implement "${name}", which the plugin called: the call failed there. An editor lists the editor/call methods it answers in initialize's capabilities.editor.calls (protocol.md, "The Red editor's API").`,
      })),
    );
  }

  /** An editor came or went: what the last one lacked may be there now. */
  private forgetMissing(): void {
    for (const pluginId of this.missing.keys()) this.diagnostics.set(pluginId, 'editor', []);
    this.missing.clear();
  }

  private current(): Editor | undefined {
    let best: Editor | undefined;
    for (const editor of this.editors) {
      if (!best || editor.lastActive > best.lastActive) best = editor;
    }
    return best;
  }

  private waitForEditor(deadline: number, method: string, timeoutMs: number): Promise<Editor> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        const editor = this.current();
        if (!editor) return;
        this.waiting.delete(wake);
        clearTimeout(timer);
        resolve(editor);
      };
      const timer = setTimeout(
        () => {
          this.waiting.delete(wake);
          reject(
            new Error(
              `no editor is connected: "${method}" waited ${timeoutMs} ms for one (an editor declares capabilities.editor in initialize)`,
            ),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
      this.waiting.add(wake);
    });
  }
}
